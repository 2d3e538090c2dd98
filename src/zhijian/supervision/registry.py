"""Supervision: navigation (with each user's saved filters), home to-dos, top-bar search by case
number, complainant or source document number, and the audit labels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from django.db.models import Q
from django.urls import reverse

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import (
    HomeItem,
    NavItem,
    SearchHit,
    register_home_provider,
    register_nav,
    register_nav_provider,
    register_search_provider,
)
from zhijian.org.choices import Role

CITY = frozenset({Role.OFFICER, Role.DIRECTOR, Role.LEADER, Role.EVALUATOR, Role.ADMIN})
REGISTRARS = frozenset({Role.OFFICER, Role.DIRECTOR})
COURT_SIDE = frozenset({Role.CONTACT, Role.BASIC_DIRECTOR})

register_nav(NavItem("监督办案", "监督事项", "supervision:list", icon="clipboard-check", order=200))
register_nav(
    NavItem("监督办案", "登记监督事项", "supervision:new", icon="plus-square", roles=REGISTRARS, order=205)
)
register_nav(
    NavItem("监督办案", "联络专人工作台", "supervision:workspace", icon="inbox", roles=COURT_SIDE, order=210)
)
register_nav(
    NavItem("监督办案", "导入督办台账", "supervision:import", icon="upload", roles=REGISTRARS, order=215)
)

ACTION_LABELS.update(
    {
        "supervision.matter.register": "登记监督事项",
        "supervision.measure.draft": "起草监督措施",
        "supervision.measure.edit": "修改监督措施",
        "supervision.measure.panel": "记录合议庭评议",
        "supervision.measure.submit": "监督措施提交审批",
        "supervision.measure.return": "退回监督措施",
        "supervision.measure.approve": "批准监督措施",
        "supervision.measure.issue": "签发监督措施",
        "supervision.measure.sign": "签收监督措施",
        "supervision.measure.report_case": "报告清单案件已办理",
        "supervision.measure.reopen_case": "不认可案件办理报告",
        "supervision.measure.resolve_case": "导入数据显示清单案件已办理",
        "supervision.measure.transfer_case": "清单案件提级或指定执行",
        "supervision.measure.reconsider": "申请复议",
        "supervision.measure.reconsider_decided": "复议审查",
        "supervision.measure.corrected": "报告已纠正",
        "supervision.measure.task_done": "报告共同执行事项完成",
        "supervision.measure.link_case": "关联新案号",
        "supervision.measure.extend_deferral": "延长暂缓执行",
        "supervision.measure.end_deferral": "结束暂缓执行",
        "supervision.measure.urge": "督促执行令催办",
        "supervision.measure.withdraw": "撤销监督措施",
        "supervision.measure.discard": "放弃监督措施草稿",
        "supervision.measure.end_companion": "随附暂缓执行结束",
        "supervision.measure.untransfer_case": "案件回到督促执行令清单",
        "supervision.measure.done": "监督措施完成",
        "supervision.matter.add_source": "追加监督来源",
        "supervision.matter.link_cases": "关联案件",
        "supervision.matter.edit": "修改监督事项",
        "supervision.matter.attach": "上传附件",
        "supervision.matter.assign": "分配承办人",
        "supervision.matter.propose_reply": "提出径行答复意见",
        "supervision.matter.decide_supervise": "决定督办",
        "supervision.matter.approve_reply": "批准径行答复",
        "supervision.matter.return_reply": "退回径行答复意见",
        "supervision.matter.record_reply": "答复",
        "supervision.matter.finish_supervision": "结束督办",
        "supervision.matter.conclude": "办结监督事项",
        "supervision.matter.report_to_source": "向来源报告结果",
        "supervision.matter.cancel": "撤销监督事项",
        "supervision.matter.comment": "添加意见",
        "supervision.matter.urge": "催办",
        "supervision.matter.import": "导入督办台账",
        "supervision.request.send": "发出通知",
        "supervision.request.answer": "答复通知",
        "supervision.request.withdraw": "撤回通知",
        "supervision.letter.draft": "起草督办函",
        "supervision.letter.edit": "修改督办函",
        "supervision.letter.submit": "督办函提交审批",
        "supervision.letter.return": "退回督办函",
        "supervision.letter.approve": "批准并签发督办函",
        "supervision.letter.void": "作废督办函",
        "supervision.letter.sign": "签收督办函",
        "supervision.report.draft": "起草督办报告",
        "supervision.report.edit": "修改督办报告",
        "supervision.report.submit": "督办报告提交审批",
        "supervision.report.return": "退回督办报告",
        "supervision.report.approve": "批准并报送督办报告",
        "supervision.report.accept": "采纳督办报告",
        "supervision.report.reject": "不予采纳督办报告",
        "supervision.extension.request": "申请延期",
        "supervision.extension.decide": "审批延期",
        "supervision.filter.save": "保存常用筛选",
        "supervision.filter.delete": "删除常用筛选",
        "supervision.export": "导出督办台账",
        "cases.petition.add": "登记信访（来自监督事项）",
    }
)


@register_nav_provider
def saved_filters(user: Any) -> Iterator[tuple[str, str, str, str]]:
    from .models import SavedFilter

    base = reverse("supervision:list")
    for saved in SavedFilter.objects.filter(user=user).order_by("name")[:10]:
        yield "监督办案", saved.name, f"{base}?{saved.query}", "funnel"


@register_home_provider
def matter_todos(user: Any) -> Iterator[HomeItem]:
    from .models import Letter, LetterState, Matter, MatterState, Report, ReportState

    if user.has_role(Role.DIRECTOR, Role.OFFICER):
        visible = Matter.objects.visible_to(user)
        if user.has_role(Role.DIRECTOR):
            n = visible.filter(state=MatterState.REGISTERED).count()
            if n:
                yield HomeItem(
                    "todo",
                    f"{n} 件监督事项待分配承办人",
                    url=reverse("supervision:list") + "?state=registered",
                    count=n,
                )
            n = (
                visible.filter(state=MatterState.REPLY_APPROVAL).count()
                + Letter.objects.filter(matter__in=visible, state=LetterState.PENDING).count()
            )
            if n:
                yield HomeItem(
                    "todo",
                    f"{n} 项径行答复或督办函待您审批",
                    url=reverse("supervision:list") + "?todo=approve",
                    level="warning",
                    count=n,
                )
        mine = Matter.objects.filter(officer=user).open()
        n = mine.count()
        if n:
            yield HomeItem(
                "todo",
                f"您承办的 {n} 件监督事项办理中",
                url=reverse("supervision:list") + f"?officer={user.pk}",
                count=n,
            )
        n = Report.objects.filter(letter__matter__officer=user, state=ReportState.SUBMITTED).count()
        if n:
            yield HomeItem(
                "todo",
                f"{n} 份督办报告待您审核",
                url=reverse("supervision:list") + f"?officer={user.pk}",
                level="warning",
                count=n,
            )
    if user.has_role(Role.CONTACT, Role.BASIC_DIRECTOR) and user.court_id:
        from .workspace import workspace_counts

        counts = workspace_counts(user)
        url = reverse("supervision:workspace")
        for label, n, level in counts:
            if n:
                yield HomeItem("todo", f"{label}：{n}", url=url, level=level, count=n)


@register_search_provider
def search_matters(user: Any, query: str) -> Iterator[SearchHit]:
    from zhijian.cases.views import number_fragment

    from .models import Matter

    text = query.strip()
    if not text:
        return
    fragment = number_fragment(text)
    matters = (
        Matter.objects.visible_to(user)
        .filter(
            Q(number__icontains=text)
            | Q(case_links__number__contains=fragment)
            | Q(complainant_name__contains=text)
            | Q(sources__doc_number__icontains=text)
            | Q(external_ref__icontains=text)
        )
        .distinct()
        .order_by("-registered_at")[:10]
    )
    for matter in matters:
        yield SearchHit("监督事项", f"{matter.number} {matter.title}", matter.get_absolute_url(),
                        subtitle=f"{matter.get_state_display()} · 收到 {matter.received_on}")  # fmt: skip


def list_url(**params: str) -> str:
    return reverse("supervision:list") + "?" + "&".join(f"{k}={quote(v)}" for k, v in params.items())


@register_home_provider
def measure_todos(user: Any) -> Iterator[HomeItem]:
    """Measures awaiting this user: approval (局长, 院领导), a 复议 to decide, a 催办 to send, a
    measure to sign for (the court's contact)."""
    from .measures import may_urge_order
    from .models import Measure, MeasureState

    def first_url(qs: Any) -> str:
        pk = qs.order_by("updated_at", "pk").values_list("pk", flat=True).first()
        return reverse("supervision:measure", args=[pk]) if pk else ""

    city = Measure.objects.filter(matter__supervising_court_id=user.court_id)
    if user.has_role(Role.DIRECTOR):
        waiting = city.filter(state__in=[MeasureState.PENDING_DIRECTOR, MeasureState.RECONSIDERING])
        n = waiting.count()
        if n:
            yield HomeItem(
                "todo", f"{n} 项监督措施待您审批或复议审查", url=first_url(waiting), level="warning", count=n
            )
    if user.has_role(Role.PRESIDENT):
        waiting = city.filter(state=MeasureState.PENDING_LEADER)
        n = waiting.count()
        if n:
            yield HomeItem(
                "todo",
                f"{n} 项监督措施（裁定）待院领导审批",
                url=first_url(waiting),
                level="warning",
                count=n,
            )
    if user.has_role(Role.OFFICER, Role.DIRECTOR):
        orders = [m for m in city.filter(type__code="order", state__in=[MeasureState.ISSUED, MeasureState.SIGNED])
                  if may_urge_order(m)]  # fmt: skip
        if orders:
            yield HomeItem("todo", f"{len(orders)} 份督促执行令有超期未办理的案件（先催办；可提级或指定执行）",
                           url=reverse("supervision:measure", args=[orders[0].pk]), level="danger",
                           count=len(orders))  # fmt: skip
    if user.has_role(Role.CONTACT) and user.court_id is not None:
        n = Measure.objects.filter(court_id=user.court_id, state=MeasureState.ISSUED).count()
        if n:
            yield HomeItem(
                "todo",
                f"{n} 项监督措施待签收",
                url=reverse("supervision:workspace"),
                level="warning",
                count=n,
            )
