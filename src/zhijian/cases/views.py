from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.core.access import acting_user, view_access
from zhijian.core.export import safe_row, spreadsheet_response
from zhijian.legaltime.periods import add_months
from zhijian.org.choices import Role
from zhijian.org.models import Court
from zhijian.org.scoping import visible_court_ids

from .access import access_case, granted_cases, seen_only_by_grant
from .models import CaseGrant, CaseStatus, EnforcementCase
from .numbers import ENFORCEMENT_TYPES, clean_text
from .party_views import MASKED_EXPORT_HEADERS, export_party_cells, party_rows

PAGE = 50
GRANTED_CARD = 10
ART13 = "art13"


def number_fragment(text: str) -> str:
    """A 案号 fragment as stored: full-width brackets, and “2026吉0602执12” read as
    “（2026）吉0602执12” (people type numbers without brackets)."""
    import re

    q = clean_text(text).replace("(", "（").replace(")", "）")
    match = re.match(r"^(\d{4})([^\d（）].*)$", q)
    return f"（{match.group(1)}）{match.group(2)}" if match else q


EXPORT_LIMIT = 100_000


def filtered_cases(request: HttpRequest) -> tuple[QuerySet[EnforcementCase], dict[str, str]]:
    user = acting_user(request)
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("court", "type", "status", "handler", "year", "overdue", "suspended", "granted", "q")
    }
    if params["granted"] == "1":
        # 指定/提级执行的案件: the cases opened to the user's courts by a grant, one by one
        qs = granted_cases(user).select_related("court", "handler")
    else:
        qs = EnforcementCase.objects.visible_to(user).select_related("court", "handler")
    if params["court"].isdigit():
        qs = qs.filter(court_id=int(params["court"]))
    if params["type"] in ENFORCEMENT_TYPES:
        qs = qs.filter(type_code=params["type"])
    if params["status"] in CaseStatus.values:
        qs = qs.filter(status=params["status"])
    if params["handler"]:
        qs = qs.filter(handler__name=params["handler"])
    if params["year"]:
        year = clean_text(params["year"]).rstrip("年")
        if year.isdigit():
            qs = qs.filter(year=int(year))
        else:
            params["year_error"] = "收案年度应为四位数字，如 2026；已忽略此条件。"
    if params["overdue"] == "1":
        qs = qs.filter(status=CaseStatus.OPEN, limit_due__lt=timezone.localdate())
    if params["suspended"] == "1":
        qs = qs.filter(status=CaseStatus.OPEN, suspended_since__isnull=False)
    if params["q"]:
        q = number_fragment(params["q"])
        qs = qs.filter(Q(number__contains=q) | Q(parties__name__contains=params["q"])).distinct()
    return qs.order_by("-filed_on", "number"), params


@view_access()
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases the user may see. Pages without a total count (a province has millions)."""
    qs, params = filtered_cases(request)
    page = max(1, int(request.GET["page"])) if request.GET.get("page", "").isdigit() else 1
    rows = list(qs[(page - 1) * PAGE : page * PAGE + 1])
    has_next = len(rows) > PAGE
    rows = rows[:PAGE]
    today = timezone.localdate()
    for case in rows:
        case.overdue_days = (
            (today - case.limit_due).days
            if case.status == "open" and case.limit_due and case.limit_due < today
            else 0
        )
    query = request.GET.copy()
    query.pop("page", None)
    granted: list[Any] = []
    granted_total = 0
    if params["granted"] != "1" and page == 1:
        # a small card of the cases designated to (指定执行) or taken up by (提级执行) the user's
        # courts — where a basic court's user looks first
        grants = (
            CaseGrant.objects.live()
            .filter(court_id__in=visible_court_ids(acting_user(request)))
            .select_related("case", "case__court", "court")
            .order_by("-granted_at")
        )
        granted = list(grants[:GRANTED_CARD])
        granted_total = len(granted) if len(granted) < GRANTED_CARD else grants.count()
    return render(
        request,
        "cases/case_list.html",
        {
            "granted": granted,
            "granted_total": granted_total,
            "cases": rows,
            "params": params,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "courts": Court.objects.visible_to(acting_user(request)),
            "types": ENFORCEMENT_TYPES.items(),
        },
    )


def due_rows(case: EnforcementCase, today: Any) -> list[dict[str, Any]]:
    """The case's due dates for the detail page: each with its state and explanation."""
    from .recompute import explain

    rows = []
    for line in explain(case):
        due, done = line.result.due, line.done
        if line.result.suspended_since is not None:
            state, tone = f"中止中（自{line.result.suspended_since:%Y-%m-%d}）", "secondary"
        elif done is not None:
            state, tone = ("逾期完成", "warning") if line.late else ("已完成", "success")
        elif line.key == "limit" and case.status != CaseStatus.OPEN:
            late = case.concluded_on is not None and due is not None and case.concluded_on > due
            state, tone = ("超期结案", "warning") if late else ("已结案", "success")
        elif due is not None and due < today and case.status == CaseStatus.OPEN:
            state, tone = f"已超期 {(today - due).days} 天", "danger"
        elif due is not None and case.status == CaseStatus.OPEN:
            state, tone = f"剩余 {(due - today).days} 天", "light"
        else:
            state, tone = "—", "light"
        rows.append({"line": line, "state": state, "tone": tone})
    return rows


@view_access(obj="case")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from zhijian.legaltime.events import event_label

    user = acting_user(request)
    case = access_case(user, pk)
    by_grant = seen_only_by_grant(user, case)
    today = timezone.localdate()
    overdue = case.status == "open" and case.limit_due is not None and case.limit_due < today
    events = [{"event": e, "label": event_label(e.code)} for e in case.events.all()]
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "type_name": ENFORCEMENT_TYPES.get(case.type_code, ""),
            "applicants": case.parties.filter(role="applicant"),
            "respondents": case.parties.filter(role="respondent"),
            "parties": party_rows(case, user),
            "dues": due_rows(case, today),
            "events": events,
            "suspensions": case.suspensions.all(),
            "extensions": case.extensions.all(),
            "petitions": case.petitions.all(),
            # who else enforces it (指定/提级执行); a user who sees it only by a grant sees the
            # grants to the courts they see
            "grants": case.grants.live()
            .filter(**({"court_id__in": visible_court_ids(user)} if by_grant else {}))
            .select_related("court"),
            "by_grant": by_grant,
            "candidates": case.candidates.visible_to(user)
            .select_related("decided_by")
            .order_by("-last_seen", "rule"),
            "overdue_days": (today - case.limit_due).days if overdue and case.limit_due else 0,
        },
    )


EXPORT_HEADERS = [
    "案号",
    "执行法院",
    "类型",
    "立案日期",
    "承办人",
    "状态",
    "结案日期",
    "结案方式",
    "申请执行标的（元）",
    "执行到位金额（元）",
    "执行期限届满日",
    "暂定",
    "超期天数",
    "中止中（自）",
    "数据截至日期",
    *MASKED_EXPORT_HEADERS,
]


def _export_rows(qs: QuerySet[EnforcementCase]) -> Any:
    # parties with their 证件号码/联系电话 masked (party_views): an export never holds a full number
    today = timezone.localdate()
    for c in qs.prefetch_related("parties")[:EXPORT_LIMIT].iterator(chunk_size=2000):
        over = (
            (today - c.limit_due).days if c.status == "open" and c.limit_due and c.limit_due < today else None
        )
        yield safe_row([
            c.number, c.court.short_name, ENFORCEMENT_TYPES.get(c.type_code, c.type_code), c.filed_on,
            c.handler.name if c.handler else "", c.get_status_display(), c.concluded_on, c.conclusion_method,
            c.amount_applied, c.amount_recovered, c.limit_due, "是" if c.limit_provisional else "", over,
            c.suspended_since, c.data_as_of,
            *export_party_cells(c),
        ])  # fmt: skip


@view_access()
def case_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as XLSX (default) or CSV (UTF-8 with BOM)."""
    qs, params = filtered_cases(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    record("cases.export", actor=acting_user(request), after={"filters": params, "format": fmt})
    return spreadsheet_response(EXPORT_HEADERS, _export_rows(qs), fmt=fmt, sheet="执行案件", stem="cases")


# --- detection scans ---------------------------------------------------------------------------


def filtered_candidates(request: HttpRequest) -> tuple[Any, dict[str, str]]:
    """The candidates the user may see under the filter — of the query string, or of the posted
    form when a decision applies to "the whole filter"."""
    from .models import CandidateState, ScanCandidate, ScanRule

    user = acting_user(request)
    from .scans import ART13_RULES, can_decide

    source = request.POST if request.method == "POST" else request.GET
    params = {k: source.get(k, "").strip() for k in ("court", "rule", "state")}
    params["state"] = params["state"] or CandidateState.NEW
    if (
        not params["rule"]
        and "rule" not in source
        and not can_decide(user)
        and can_decide(user, min(ART13_RULES))
    ):
        params["rule"] = ART13  # an evaluator decides the Art. 13 lists: start there
    qs = ScanCandidate.objects.visible_to(user).select_related("case", "court", "case__handler", "decided_by")
    if params["court"].isdigit():
        qs = qs.filter(court_id=int(params["court"]))
    if params["rule"] in ScanRule.values:
        qs = qs.filter(rule=params["rule"])
    elif params["rule"] == ART13:
        qs = qs.filter(rule__startswith=ART13)
    if params["state"] in CandidateState.values:
        qs = qs.filter(state=params["state"])
    return qs.order_by("due_date", "case__number"), params


SCAN_ROWS = 500


@view_access()
def scan_page(request: HttpRequest) -> HttpResponse:
    """Candidates by court and rule, most overdue first; the city court decides in bulk, basic
    courts see theirs read-only as an early warning."""
    from django.db.models import Count

    from .models import CandidateState, ScanCandidate, ScanRule
    from .scans import can_decide, long_delay_threshold

    user = acting_user(request)
    qs, params = filtered_candidates(request)
    today = timezone.localdate()
    # the most overdue first: each group is ordered by its own anchor in SQL (Art. 7 by due
    # date, 久拖不结 by filing date), then merged by days over; the facts of Art. 8 障碍 and
    # Art. 13 (not overdue) follow, the most recent first
    overdue_rules = [r for r in ScanRule.values if r.startswith("art7")]
    rows = [
        *qs.filter(rule__in=overdue_rules)[:SCAN_ROWS],
        *qs.filter(rule=ScanRule.ART8_LONG)[:SCAN_ROWS],
    ]
    months = int(settings.ZHIJIAN_LONG_DELAY_MONTHS)
    may_decide = can_decide(user)
    for c in rows:
        # Art. 7: days past the due date; 久拖不结: past the threshold
        anchor = add_months(c.due_date, months) if c.rule == ScanRule.ART8_LONG else c.due_date
        c.days_over = (today - anchor).days
        c.is_overdue = True
    rows.sort(key=lambda c: -c.days_over)
    rows = rows[:SCAN_ROWS]
    if len(rows) < SCAN_ROWS:
        facts = list(
            qs.exclude(rule__in=[*overdue_rules, ScanRule.ART8_LONG]).order_by("-due_date", "case__number")[
                : SCAN_ROWS - len(rows)
            ]
        )
        for c in facts:
            c.days_over = (today - c.due_date).days  # since the fact began
            c.is_overdue = False
        rows += facts
    for c in rows:
        c.decidable = may_decide or can_decide(user, c.rule)
    from zhijian.audit.models import AuditEvent

    counts = (
        ScanCandidate.objects.visible_to(user)
        .filter(state=params["state"])
        .values("court_id", "court__short_name", "court__sort_order", "rule")
        .annotate(n=Count("id"))
        .order_by("court__sort_order")
    )
    order = {rule: i for i, rule in enumerate(ScanRule.values)}
    summary: dict[int, dict[str, Any]] = {}
    for row in counts:
        group = summary.setdefault(
            row["court_id"],
            {"court_id": row["court_id"], "court": row["court__short_name"], "total": 0, "rules": []},
        )
        article, _, text = ScanRule(row["rule"]).label.partition("：")
        group["rules"].append({"rule": row["rule"], "article": article, "text": text, "n": row["n"]})
        group["total"] += row["n"]
    for group in summary.values():
        group["rules"].sort(key=lambda r: order[r["rule"]])
    return render(
        request,
        "cases/scan.html",
        {
            "rows": rows,
            "params": params,
            "summary": list(summary.values()),
            "courts": Court.objects.visible_to(user),
            "rules": ScanRule.choices,
            "states": CandidateState.choices,
            "can_decide": may_decide or any(c.decidable for c in rows),
            "can_order": may_decide and user.has_role(Role.OFFICER, Role.DIRECTOR),
            "threshold": long_delay_threshold(today),
            "last_scan": AuditEvent.objects.filter(action="cases.scan").order_by("-seq").first(),
            "art13_group": ART13,
            "kept": {
                "decision": request.GET.get("d", ""),
                "scope": request.GET.get("scope", ""),
                "ids": {int(i) for i in request.GET.getlist("sel") if i.isdigit()},
                "reason": "",
            },
            "total": qs.count(),
        },
    )


SCAN_EXPORT_HEADERS = [
    "案号",
    "执行法院",
    "规则",
    "届满日/起始日",
    "承办人",
    "状态",
    "首次发现",
    "处理人",
    "处理时间",
    "理由",
]


@view_access()
def scan_export(request: HttpRequest) -> HttpResponse:
    """The filtered candidates as XLSX (default) or CSV, audited."""
    qs, params = filtered_candidates(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"

    def rows() -> Any:
        for c in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield safe_row([
                c.case.number, c.court.short_name, c.get_rule_display(), c.due_date,
                c.case.handler.name if c.case.handler else "", c.get_state_display(), c.first_seen,
                c.decided_by.display_name if c.decided_by else "", c.decided_at, c.reason,
            ])  # fmt: skip

    record("cases.candidates.export", actor=acting_user(request), after={"filters": params, "format": fmt})
    return spreadsheet_response(
        SCAN_EXPORT_HEADERS, rows(), fmt=fmt, sheet="检测线索", stem="scan-candidates"
    )


@view_access(write=True, post_only=True, roles={Role.OFFICER, Role.DIRECTOR, Role.EVALUATOR})
def scan_decide(request: HttpRequest) -> HttpResponse:
    from django.contrib import messages
    from django.shortcuts import redirect

    from zhijian.core.exceptions import ServiceError

    from .scans import decide

    user = acting_user(request)
    if request.POST.get("scope") == "filter":
        qs, _ = filtered_candidates(request)
        ids = list(qs.values_list("pk", flat=True))
    else:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    try:
        changed = decide(
            ids, actor=user, state=request.POST.get("decision", ""), reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        # keep what the user chose: the decision, the ticks and the scope
        kept = QueryDict(mutable=True)
        kept.update(QueryDict(request.POST.get("back", "")))
        kept["d"] = request.POST.get("decision", "")
        kept["scope"] = request.POST.get("scope", "")
        kept.setlist("sel", [str(i) for i in ids[:500]] if request.POST.get("scope") != "filter" else [])
        return redirect(f"{reverse('cases:scan')}?{kept.urlencode()}")
    else:
        verb = "确认" if request.POST.get("decision") == "confirmed" else "排除"
        skipped = len(ids) - changed
        note = f"（另有 {skipped} 条已是该状态或无权处理，未变）" if skipped > 0 else ""
        messages.success(request, f"已{verb} {changed} 条线索{note}。")
    back = request.POST.get("back", "")
    return redirect(f"{reverse('cases:scan')}?{back}" if back else reverse("cases:scan"))
