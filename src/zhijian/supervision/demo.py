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


# --- supervision measures (Arts. 2, 7, 8) -------------------------------------------------------

# three more of 浑江's cases long past their time limit, so that its 督促执行令 lists five
OVERDUE_CASES = [
    # seq, days before today filed, handler, applicant, respondent, amount
    (201, 290, "张建国", "白山市某建材有限公司", "吉林某矿业有限公司", 860000),
    (202, 270, "李红梅", "王某", "白山市某商贸有限公司", 125000),
    (203, 250, "刘洋", "某运输公司", "赵某某", 48000),
]
CASE_HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（元）,执行到位金额（元）,申请执行人,被执行人,执行依据类型,数据截至日期"
ORDER_AGO = 30  # days before today the demo's 督促执行令 was issued (its per-case limits: 15 days)


def _ago(today: dt.date, days: int) -> dt.date:
    return dt.date.fromordinal(today.toordinal() - days)


def _import_overdue_cases(code: str, today: dt.date) -> None:
    """Through the case importer, as the case demo does."""
    import tempfile
    from pathlib import Path

    from zhijian.cases.services import import_cases

    rows = [CASE_HEADER]
    for seq, ago, handler, applicant, respondent, amount in OVERDUE_CASES:
        filed = _ago(today, ago)
        number = f"（{filed.year}）{code}执{seq}号"
        if EnforcementCase.objects.filter(number=number).exists():
            continue
        rows.append(",".join([number, filed.isoformat(), handler, "执行中", "", "", str(amount), "0", applicant,
                              respondent, "民事判决", today.isoformat()]))  # fmt: skip
    if len(rows) == 1:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "演示-浑江法院超期案件.csv"
        path.write_bytes(("\n".join(rows) + "\n").encode("gb18030"))
        import_cases(path, actor=None)


def _matter(officer: User, title: str, court: Court, cases: list[str], source: services.SourceInput,
            received: dt.date, finding: str, opinion: str, **kw: str) -> Matter:  # fmt: skip
    matter = services.register_matter(
        officer,
        services.MatterInput(title=title, received_on=received, court_ids=[court.pk], case_numbers=cases,
                             officer=officer, sources=[source], **kw),  # type: ignore[arg-type]
    )  # fmt: skip
    services.decide_supervise(matter, officer, finding=finding, opinion=opinion)
    return matter


@demo_loader(65, "监督措施")
def measures_demo() -> int:  # noqa: PLR0915
    """One of each measure, at a stage where a demo account has something to do: 浑江's
    督促执行令 issued a month ago with four cases past their limits (王监督 may 催办 and is offered
    提级/指定执行; 浑江联络 has not signed it), a 提级执行 ruling awaiting the 合议庭评议 and a
    指定执行 ruling awaiting 钱院长; 江源's order from the scan awaiting 李局长; a 指令纠正 inside
    its 复议 window, a 暂缓执行 and a 共同执行 with tasks of the city court and 浑江, just issued."""
    from zhijian.cases.models import CandidateState, ScanCandidate, ScanRule
    from zhijian.cases.scans import decide, run_scans

    from . import measure_types as mt
    from . import measures
    from .models import Measure

    if Measure.objects.exists():
        return 0
    officer = User.objects.get(username="city.officer")
    director = User.objects.get(username="city.director")
    city = Court.objects.get(code="吉06")
    hunjiang = Court.objects.get(code="吉0602")
    jiangyuan = Court.objects.get(code="吉0605")
    today = timezone.localdate()
    issued = _ago(today, ORDER_AGO)
    year = today.year

    _import_overdue_cases(hunjiang.code, today)
    run_scans()

    # (a) 浑江's 督促执行令, issued a month ago: the cases already overdue then, 15 days each — and
    # one on the rule's 30 days, still running
    picked = list(
        ScanCandidate.objects.filter(court=hunjiang, rule=ScanRule.ART7A, state=CandidateState.NEW,
                                     due_date__lt=issued).select_related("case").order_by("due_date")[:5]
    )  # fmt: skip
    order_matter = _matter(
        officer, f"浑江区法院超期未结案件督促执行（{len(picked)}件）", hunjiang, [c.case.number for c in picked],
        _source(7, _ago(issued, 2), body="执行案件扫描（第七条）"), _ago(issued, 2), "ineffective",
        "扫描发现并经确认的案件超过执行期限未执结，拟发出督促执行令。",
        content="由执行案件扫描发现、经监督员确认的线索：\n" + "\n".join(f"{c.case.number}：{c.get_rule_display()}"
                                                          for c in picked),
    )  # fmt: skip
    decide([c.pk for c in picked], actor=officer, state=CandidateState.CONFIRMED, reason="列入督促执行令")
    lines = [measures.CaseLine(case=c.case, rule=c.rule, length=15) for c in picked[:-1]]
    lines += [measures.CaseLine(case=c.case, rule=c.rule) for c in picked[-1:]]
    order = measures.draft_measure(
        order_matter, officer, type_code=mt.ORDER, court=hunjiang, cases=lines,
        facts=f"经本院执行案件扫描并审查确认，你院下列{len(lines)}件执行案件超过法定执行期限仍未执结。",
        requirements="请你院指定专人负责，逐案制定执行计划，依法穷尽执行措施，在期限内执结或者作出相应的裁定、决定。",
    )  # fmt: skip
    measures.submit_measure(order, officer)
    measures.approve_measure(order, director, comment="同意。", today=issued)

    # (d) the rulings after it: 提级执行 awaiting the 合议庭评议; 指定执行 awaiting the 院长
    overdue = [item.case for item in measures.overdue_items(order)]
    if overdue:
        measures.draft_measure(
            order_matter, officer, type_code=mt.ELEVATE, court=hunjiang, case=overdue[0], follows=order,
            facts="该案被执行人财产分布在本市多个区县，浑江区法院在督促执行令指定的期限内仍未执行到位。",
            ruling_number=f"（{year}）吉06执监1号",
        )  # fmt: skip
    if len(overdue) > 1:
        designate = measures.draft_measure(
            order_matter, officer, type_code=mt.DESIGNATE, court=hunjiang, case=overdue[1], follows=order,
            new_court=jiangyuan, facts="被执行人的主要财产位于江源区，由江源区法院执行更为便利。",
            ruling_number=f"（{year}）吉06执监2号",
        )  # fmt: skip
        measures.record_panel(designate, officer, presiding="陈立新", judges="张志国、刘志华", clerk="杨帆",
                              opinion="浑江区法院在指定期限内未执行，被执行人财产位于江源区，应当指定江源区法院执行")  # fmt: skip
        measures.submit_measure(designate, officer)
        measures.approve_measure(designate, director, comment="同意指定江源区法院执行，报院领导审批。")

    # (b) 江源's order from the scan page's button, awaiting 李局长
    jiangyuan_ids = list(
        ScanCandidate.objects.filter(court=jiangyuan, rule=ScanRule.ART7A, state=CandidateState.NEW)
        .order_by("due_date")
        .values_list("pk", flat=True)
    )
    if jiangyuan_ids:
        draft = measures.order_from_candidates(jiangyuan_ids, officer)
        measures.submit_measure(draft, officer)

    # (c)(e)(f): on other cases of 浑江, just issued
    listed = {c.case_id for c in picked}
    free = [c for c in EnforcementCase.objects.filter(court=hunjiang, status="open").order_by("seq", "number")
            if c.pk not in listed][:3]  # fmt: skip
    instruct_case, defer_case, joint_case = (free + [None, None, None])[:3]
    if instruct_case is not None:
        m = _matter(
            officer, "案外人刘某反映浑江区法院违法扣划其银行存款", hunjiang, [instruct_case.number],
            _source(6, _ago(today, 6), body="刘某"), _ago(today, 6), "unlawful",
            "经调卷审查，浑江区法院扣划的账户登记在案外人刘某名下，执行行为违法。", complainant_name="刘某",
        )  # fmt: skip
        instruction = measures.draft_measure(
            m, officer, type_code=mt.INSTRUCT, court=hunjiang, case=instruct_case,
            facts=f"你院在执行{instruct_case.number}一案中，扣划了案外人刘某名下银行账户内的存款。",
            requirements="请你院立即解除对案外人刘某存款的扣划，将已扣划款项退还，并书面报告纠正情况。",
        )  # fmt: skip
        measures.submit_measure(instruction, officer)
        measures.approve_measure(instruction, director)
    if defer_case is not None:
        m = _matter(
            officer, "案外人对浑江区法院拟拍卖房产主张权利", hunjiang, [defer_case.number],
            _source(6, _ago(today, 4), body="孙某"), _ago(today, 4), "other",
            "案外人提供了购房合同及付款凭证，拍卖前需审查其权利主张。", complainant_name="孙某",
        )  # fmt: skip
        deferral = measures.draft_measure(
            m, officer, type_code=mt.DEFER, court=hunjiang, case=defer_case, defer_months=2,
            facts="案外人孙某对拟拍卖的房产主张权利，并提供了购房合同及付款凭证，需审查核实。",
            requirements="暂缓执行期间，你院不得对该房产进行拍卖、变卖，但不影响已采取的查封措施。",
        )  # fmt: skip
        measures.submit_measure(deferral, officer)
        measures.approve_measure(deferral, director)
    if joint_case is not None:
        m = _matter(
            officer, "本院院长批示：某矿业公司系列案件共同执行", hunjiang, [joint_case.number],
            _source(3, _ago(today, 5), body="本院院长", instructor="院长", instruction="请执行局与浑江法院共同执行",
                    instruction_date=_ago(today, 5)),
            _ago(today, 5), "ineffective", "被执行人财产分布在市内外多处，需中院与浑江区法院共同执行。",
        )  # fmt: skip
        joint = measures.draft_measure(
            m, officer, type_code=mt.JOINT, court=hunjiang, case=joint_case,
            facts="该案标的额大，被执行人财产分布在市内外多处，浑江区法院单独执行难以到位。",
            tasks=[
                measures.TaskLine(court=city, task="查控被执行人在市外的银行账户和不动产", length=15),
                measures.TaskLine(court=hunjiang, task="约谈被执行人法定代表人，责令其如实申报财产", length=7),
                measures.TaskLine(court=hunjiang, task="评估、拍卖已查封的厂房和设备", length=30),
            ],
        )  # fmt: skip
        measures.submit_measure(joint, officer)
        measures.approve_measure(joint, director)
    return Measure.objects.count()
