"""Demo supervision matters, written through the services, one at each stage of the workflow, so
that every demo account has something to do: 李局长 assigns and approves, 王监督 reviews and drafts,
浑江联络 signs and reports, 浑江局长 approves the report."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhijian.cases.models import EnforcementCase
from zhijian.core.demo import demo_loader
from zhijian.org.models import Court, User

from . import services
from .models import Matter, SourceCategory


def _cases(code: str, n: int) -> list[str]:
    return list(
        EnforcementCase.objects.filter(court__code=code, status="open")
        .order_by("number")
        .values_list("number", flat=True)[:n]
    )


def _source(item: int, received: dt.date, **kw: str | bool | dt.date | None) -> services.SourceInput:
    return services.SourceInput(category=SourceCategory.objects.get(item=item), received_on=received, **kw)  # type: ignore[arg-type]


@demo_loader(60, "监督事项")
def matters() -> int:
    if Matter.objects.exists():
        return 0
    officer = User.objects.get(username="city.officer")
    director = User.objects.get(username="city.director")
    hunjiang = Court.objects.get(code="吉0602")
    jiangyuan = Court.objects.get(code="吉0605")
    fusong = Court.objects.get(code="吉0621")
    contact = User.objects.get(username="hunjiang.contact")
    basic = User.objects.get(username="hunjiang.director")
    today = timezone.localdate()
    day = dt.date.fromordinal(today.toordinal() - 3)

    # 1. just registered, waiting for the director to assign an officer
    services.register_matter(
        officer,
        services.MatterInput(
            title="申请执行人张某来信反映案件长期未执行", received_on=day, court_ids=[jiangyuan.pk],
            case_numbers=_cases("吉0605", 1), sources=[_source(6, day, body="张某")],
            complainant_name="张某", complainant_id_number="220602198001011234", complainant_phone="13804391234",
            content="来信称案件立案已逾一年，被执行人有房产未处置。",
        ),
    )  # fmt: skip
    # 2. under review: a people's congress referral that must be reported back
    services.register_matter(
        officer,
        services.MatterInput(
            title="市人大常委会转交代表建议：某企业欠薪案件执行", received_on=day, court_ids=[fusong.pk],
            case_numbers=_cases("吉0621", 2), officer=officer,
            sources=[_source(1, day, body="白山市人大常委会", doc_number="白人常函〔2026〕18号", doc_date=day,
                             instructor="市人大常委会副主任", instruction="请依法督办并报告结果", instruction_date=day,
                             report_back=True, report_rule="SOURCE_REPLY_NPC")],
        ),
    )  # fmt: skip
    # 3. supervision decided; the letter waits for the director's approval
    m3 = services.register_matter(
        officer,
        services.MatterInput(
            title="当事人来访反映浑江法院执行款未及时发放", received_on=day, court_ids=[hunjiang.pk],
            case_numbers=_cases("吉0602", 1), officer=officer, sources=[_source(6, day, body="李某")],
            complainant_name="李某",
        ),
    )  # fmt: skip
    services.decide_supervise(
        m3, officer, finding="ineffective", opinion="执行款到账后逾期未发放，确需督办。"
    )
    letter3 = services.draft_letter(
        m3, officer, court=hunjiang, facts="当事人李某反映，执行款已于两个月前到账，至今未发放。",
        requirements="请你院核查执行款到账及发放情况，依法及时发放，并报告处理结果。",
    )  # fmt: skip
    services.submit_letter(letter3, officer)
    # 4. letter issued to 浑江, the contact has not signed yet
    m4 = services.register_matter(
        officer,
        services.MatterInput(
            title="市纪委转来反映执行人员消极执行的信件", received_on=day, court_ids=[hunjiang.pk],
            case_numbers=_cases("吉0602", 2)[1:], officer=officer,
            sources=[_source(5, day, body="白山市纪委监委", doc_number="白纪转〔2026〕7号", doc_date=day)],
        ),
    )  # fmt: skip
    services.decide_supervise(
        m4, officer, finding="passive", opinion="被执行人财产线索未核查，存在消极执行。"
    )
    letter4 = services.draft_letter(
        m4, officer, court=hunjiang, facts="反映承办人对申请执行人提供的财产线索未予核查。",
        requirements="请你院核查财产线索，依法采取执行措施。",
    )  # fmt: skip
    services.submit_letter(letter4, officer)
    services.approve_letter(letter4, director)
    # 5. signed, report drafted and waiting for 浑江's 执行局长
    m5 = services.register_matter(
        officer,
        services.MatterInput(
            title="本院领导批示：某建材公司案件督办", received_on=day, court_ids=[hunjiang.pk],
            case_numbers=_cases("吉0602", 3)[2:], officer=officer,
            sources=[_source(3, day, body="本院院长", instructor="院长", instruction="请执行局督办", instruction_date=day)],
        ),
    )  # fmt: skip
    services.decide_supervise(m5, officer, finding="ineffective", opinion="案件拖延。")
    letter5 = services.draft_letter(
        m5, officer, court=hunjiang, facts="案件立案后长期未采取措施。", requirements="请依法推进并报告。"
    )
    services.submit_letter(letter5, officer)
    services.approve_letter(letter5, director)
    services.sign_letter(letter5, contact)
    report = services.draft_report(
        letter5, contact, mode="written", text="已查封被执行人车辆一辆，正在评估拍卖。"
    )
    services.submit_report(report, contact)
    # 6. a direct reply, concluded
    m6 = services.register_matter(
        officer,
        services.MatterInput(
            title="被执行人来信对查封措施有异议", received_on=day, court_ids=[jiangyuan.pk],
            officer=officer, sources=[_source(6, day, body="王某")], complainant_name="王某",
        ),
    )  # fmt: skip
    services.propose_reply(m6, officer, finding="correct", opinion="查封措施合法，应径行答复。")
    services.approve_reply(m6, director)
    services.record_reply(
        m6,
        officer,
        mode="written",
        note="经审查，江源法院采取的查封措施符合法律规定。\n如有异议，可依法提出执行异议。",
    )
    services.conclude(m6, officer, summary="经审查执行无误，已书面答复来信人。")
    _ = basic
    return Matter.objects.count()
