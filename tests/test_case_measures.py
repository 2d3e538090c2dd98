"""What the supervision measures (issue 6) call in the case module: 暂缓执行 and other excluded
periods written by a measure (``flags.add_suspension`` …), and per-case grants for 指定执行 /
提级执行 (``flags.grant_case`` …) with the read-only access they open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse

from zhijian.audit.models import AuditEvent
from zhijian.cases.access import GRANT_READ_ONLY, access_case
from zhijian.cases.events_import import EventsRefused, import_events
from zhijian.cases.flags import (
    add_suspension,
    change_suspension,
    grant_case,
    remove_suspension,
    revoke_case_grant,
)
from zhijian.cases.importer import import_file
from zhijian.cases.models import (
    CaseGrant,
    CaseImport,
    CaseParty,
    CaseSuspension,
    EnforcementCase,
    ScanCandidate,
)
from zhijian.cases.scans import run_scans
from zhijian.cases.services import import_cases
from zhijian.core.exceptions import ServiceError
from zhijian.legaltime.periods import Interval, compute_due
from zhijian.legaltime.services import get_calendar, period_for, rule_in_force, seed_rules

pytestmark = pytest.mark.django_db
CASE_HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的,执行到位金额,申请执行人,被执行人"
EVENT_HEADER = "案号,节点,开始日期,结束日期,说明"
N1, N2 = "（2026）测0101执1号", "（2026）测0101执2号"  # two cases of basic court A
NB = "（2026）测0102执7号"  # a case of basic court B
FILED = dt.date(2026, 3, 2)
ORIGIN = "暂缓执行通知 测中法执缓〔2026〕1号"
D = dt.date.fromisoformat


def write(tmp_path: Path, header: str, lines: list[str], name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("gb18030"))
    return path


def case_lines(amount: int = 1000) -> list[str]:
    return [
        f"{N1},{FILED},张三,在办,,,{amount},0,王五,某公司",
        f"{N2},{FILED},李四,在办,,,1000,0,赵六,另一公司",
        f"{NB},{FILED},钱七,在办,,,1000,0,孙八,乙公司",
    ]


@pytest.fixture
def cases(world: Any, tmp_path: Path) -> dict[str, EnforcementCase]:
    seed_rules()
    import_cases(write(tmp_path, CASE_HEADER, case_lines(), "cases.csv"), actor=None)
    return {c.number: c for c in EnforcementCase.objects.all()}


def expected_limit(*intervals: tuple[dt.date, dt.date | None]) -> dt.date | None:
    """The 执/6-month time limit from 立案 by the legal clock, with these periods not counted."""
    spec = period_for(rule_in_force("CASE_LIMIT", FILED))
    exclusions = [Interval(a, b) for a, b in intervals]
    # a limit reaching into a year whose holidays are not entered yet is 暂定, as on the case
    return compute_due(FILED, spec, get_calendar(), exclusions=exclusions, allow_provisional=True).due


def fresh(case: EnforcementCase) -> EnforcementCase:
    return EnforcementCase.objects.get(pk=case.pk)


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


# --- A. excluded periods written by a measure --------------------------------------------------


def test_a_deferral_moves_the_limit_by_the_interval_and_back(
    world: Any, cases: dict[str, EnforcementCase]
) -> None:
    case = cases[N1]
    plain = expected_limit()
    assert case.limit_due == plain is not None
    director = world.user("city.director")
    start, end = D("2026-04-01"), D("2026-06-30")
    row = add_suspension(case, kind="deferred", start=start, end=end, origin=ORIGIN, actor=director)
    deferred = expected_limit((start, end))
    # 91 days not counted: the due date moves later by (at least) the interval, as the clock says
    assert deferred is not None and (deferred - plain).days >= (end - start).days + 1
    assert fresh(case).limit_due == deferred and case.limit_due == deferred  # the instance too
    assert (row.origin, row.kind, row.case_id) == (ORIGIN, "deferred", case.pk)
    event = AuditEvent.objects.get(action="cases.suspension.add")
    assert event.reason == ORIGIN and event.after["limit_due"] == deferred.isoformat()
    assert event.after["limit_due_before"] == plain.isoformat()

    # ended early: the due date moves back by the days no longer excluded
    change_suspension(row, end=D("2026-05-15"), actor=director, reason="提前解除暂缓执行")
    assert fresh(case).limit_due == expected_limit((start, D("2026-05-15")))
    # extended (院长 approved more than 3 months — the measure checks that, not the case module)
    change_suspension(row, end=D("2026-07-31"), actor=director, reason="院长批准延长暂缓执行")
    assert fresh(case).limit_due == expected_limit((start, D("2026-07-31"))) > deferred
    assert AuditEvent.objects.filter(action="cases.suspension.change").count() == 2

    remove_suspension(row, actor=director, reason="暂缓执行通知撤回")
    assert fresh(case).limit_due == plain and not CaseSuspension.objects.filter(case=case).exists()
    removed = AuditEvent.objects.get(action="cases.suspension.remove")
    assert removed.before["origin"] == ORIGIN and removed.reason == "暂缓执行通知撤回"


def test_an_open_deferral_stops_the_clock_until_it_ends(
    world: Any, cases: dict[str, EnforcementCase]
) -> None:
    case = cases[N1]
    actor = world.user("city.director")
    row = add_suspension(case, kind="deferred", start=D("2026-04-01"), end=None, origin=ORIGIN, actor=actor)
    stored = fresh(case)
    assert (stored.limit_due, stored.suspended_since) == (None, D("2026-04-01"))
    change_suspension(row, end=D("2026-04-30"), actor=actor, reason="暂缓期满")
    stored = fresh(case)
    assert stored.suspended_since is None
    assert stored.limit_due == expected_limit((D("2026-04-01"), D("2026-04-30")))


def test_adding_the_same_period_twice_changes_nothing(world: Any, cases: dict[str, EnforcementCase]) -> None:
    case = cases[N1]
    args = {"kind": "deferred", "start": D("2026-04-01"), "end": D("2026-04-30"), "origin": ORIGIN}
    first = add_suspension(case, **args, actor=None)
    again = add_suspension(case, **args, actor=None)
    assert first.pk == again.pk and CaseSuspension.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="cases.suspension.add").count() == 1


def test_invalid_periods_are_refused_in_chinese(world: Any, cases: dict[str, EnforcementCase]) -> None:
    case = cases[N1]
    with pytest.raises(ServiceError, match="结束日期.*早于起始日期"):
        add_suspension(
            case, kind="deferred", start=D("2026-05-01"), end=D("2026-04-30"), origin=ORIGIN, actor=None
        )
    with pytest.raises(ServiceError, match="须写明来源"):
        add_suspension(case, kind="deferred", start=D("2026-05-01"), end=None, origin="  ", actor=None)
    with pytest.raises(ServiceError, match="未知的不计入期间类型"):
        add_suspension(case, kind="holiday", start=D("2026-05-01"), end=None, origin=ORIGIN, actor=None)
    with pytest.raises(ServiceError, match="早于本案立案日期"):
        add_suspension(case, kind="deferred", start=D("2026-02-01"), end=None, origin=ORIGIN, actor=None)
    row = add_suspension(case, kind="deferred", start=D("2026-05-01"), end=None, origin=ORIGIN, actor=None)
    with pytest.raises(ServiceError, match="早于起始日期"):
        change_suspension(row, end=D("2026-04-01"), actor=None, reason="录错")
    with pytest.raises(ServiceError, match="理由"):
        change_suspension(row, end=D("2026-06-01"), actor=None, reason=" ")
    with pytest.raises(ServiceError, match="理由"):
        remove_suspension(row, actor=None, reason="")
    assert CaseSuspension.objects.filter(case=case).count() == 1
    assert fresh(case).suspended_since == D("2026-05-01")


def test_an_events_reimport_keeps_the_measures_periods(
    world: Any, cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    case = cases[N1]
    deferral = (D("2026-05-01"), D("2026-05-31"))
    add_suspension(case, kind="deferred", start=deferral[0], end=deferral[1], origin=ORIGIN, actor=None)
    suspension = (D("2026-04-01"), D("2026-04-10"))
    events = [f"{N1},立案,2026-03-02,,", f"{N1},中止执行,2026-04-01,2026-04-10,被执行人申请"]
    import_file(write(tmp_path, EVENT_HEADER, events, "e1.csv"), actor=None)
    rows = set(CaseSuspension.objects.filter(case=case).values_list("kind", "start", "origin"))
    assert rows == {("suspended", suspension[0], ""), ("deferred", deferral[0], ORIGIN)}
    # both count: the imported 中止 and the measure's 暂缓执行
    assert fresh(case).limit_due == expected_limit(suspension, deferral)
    # the next export no longer has the 中止: the imported period goes, the measure's stays
    import_file(write(tmp_path, EVENT_HEADER, events[:1], "e2.csv"), actor=None)
    rows = set(CaseSuspension.objects.filter(case=case).values_list("kind", "start", "origin"))
    assert rows == {("deferred", deferral[0], ORIGIN)}
    assert fresh(case).limit_due == expected_limit(deferral)


def test_a_case_file_reimport_keeps_the_measures_periods(
    world: Any, cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    case = cases[N1]
    deferral = (D("2026-05-01"), D("2026-06-30"))
    add_suspension(case, kind="deferred", start=deferral[0], end=deferral[1], origin=ORIGIN, actor=None)
    # a newer export with a changed amount: the case row is rewritten by the set-based merge
    result = import_cases(write(tmp_path, CASE_HEADER, case_lines(amount=2000), "cases2.csv"), actor=None)
    assert result.updated == 1
    stored = fresh(case)
    assert stored.amount_applied == 2000 and CaseSuspension.objects.filter(case=case, origin=ORIGIN).exists()
    assert stored.limit_due == expected_limit(deferral) != expected_limit()


def test_imported_periods_cannot_be_changed_or_removed_here(
    world: Any, cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    events = [f"{N1},暂缓执行,2026-04-01,2026-04-20,当事人提供担保"]
    import_file(write(tmp_path, EVENT_HEADER, events, "e.csv"), actor=None)
    imported = CaseSuspension.objects.get(case=cases[N1])
    assert imported.origin == ""
    with pytest.raises(ServiceError, match="来自流程节点导入"):
        change_suspension(imported, end=D("2026-06-30"), actor=None, reason="延长")
    with pytest.raises(ServiceError, match="来自流程节点导入"):
        remove_suspension(imported, actor=None, reason="撤回")
    imported.refresh_from_db()
    assert imported.end == D("2026-04-20")
    assert fresh(cases[N1]).limit_due == expected_limit((D("2026-04-01"), D("2026-04-20")))


def test_art7a_scan_does_not_count_a_deferred_case_overdue(
    world: Any, cases: dict[str, EnforcementCase]
) -> None:
    case = cases[N1]
    plain = expected_limit()
    assert plain is not None
    today = dt.date.fromordinal(plain.toordinal() + 3)  # three days past the plain limit
    run_scans(today=today)
    candidate = ScanCandidate.objects.get(case=case, rule="art7a")
    assert candidate.state == "new" and candidate.due_date == plain
    deferral = (D("2026-04-01"), D("2026-06-30"))
    add_suspension(case, kind="deferred", start=deferral[0], end=deferral[1], origin=ORIGIN, actor=None)
    moved = fresh(case).limit_due
    assert moved == expected_limit(deferral) and moved is not None and moved > today
    run_scans(today=today)
    candidate.refresh_from_db()
    assert candidate.state == "resolved"
    assert not ScanCandidate.objects.filter(case=case, rule="art7a").exclude(state="resolved").exists()
    # the deferral withdrawn: overdue again (the same due date reopens the candidate)
    remove_suspension(CaseSuspension.objects.get(case=case), actor=None, reason="撤回")
    run_scans(today=today)
    candidate.refresh_from_db()
    assert candidate.state == "new"


def test_the_detail_page_names_where_each_period_came_from(
    world: Any, cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    case = cases[N1]
    import_file(write(tmp_path, EVENT_HEADER, [f"{N1},中止执行,2026-04-01,2026-04-10,"], "e.csv"), actor=None)
    add_suspension(
        case, kind="deferred", start=D("2026-05-01"), end=D("2026-05-31"), origin=ORIGIN, actor=None
    )
    html = client_for(world, "a.director").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    section = html.split('id="case-suspensions"', 1)[1].split("</div>", 1)[0]
    assert "暂缓执行 2026-05-01至2026-05-31" in section and f"来源：{ORIGIN}" in section
    assert "中止执行 2026-04-01至2026-04-10" in section and "来源：流程节点导入" in section
    assert fresh(case).limit_due.isoformat() in html.split('id="limit-due"', 1)[1][:300]


def test_no_view_calls_the_measure_services() -> None:
    """The measures' write path is the supervision service (which checks roles): no view, API
    view or admin module calls these functions directly."""
    root = Path(__file__).resolve().parents[1] / "src" / "zhijian"
    names = ("add_suspension", "change_suspension", "remove_suspension", "grant_case", "revoke_case_grant")
    offenders = [
        f"{path.relative_to(root)}: {name}"
        for path in root.rglob("*.py")
        if path.name.endswith("views.py") or path.name == "admin.py" or "api" in path.parts
        for name in names
        if name in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


# --- B. 指定执行 / 提级执行: one case opened to one more court ------------------------------------


@pytest.fixture
def granted(world: Any, cases: dict[str, EnforcementCase]) -> CaseGrant:
    """N1 (court A) designated to court B by the city court."""
    return grant_case(
        cases[N1],
        world.courts["b"],
        reason="指定执行",
        origin="指定执行决定 测中法执监〔2026〕3号",
        actor=world.user("city.director"),
    )


def status(client: Client, case: EnforcementCase) -> int:
    return client.get(reverse("cases:case_detail", args=[case.pk])).status_code


def test_a_grant_opens_exactly_one_case_to_the_receiving_court(
    world: Any, cases: dict[str, EnforcementCase], granted: CaseGrant
) -> None:
    b = client_for(world, "b.director")
    assert status(b, cases[N1]) == 200
    assert status(b, cases[N2]) == 404  # the neighbouring case of the same original court
    assert status(b, cases[NB]) == 200  # its own case, as before
    assert status(client_for(world, "x.director"), cases[N1]) == 404  # a third court (other city)
    assert status(client_for(world, "a.director"), cases[N1]) == 200  # the original court, as before
    html = b.get(reverse("cases:case_detail", args=[cases[N1].pk])).content.decode()
    assert 'id="grant-banner"' in html and "测中法执监〔2026〕3号" in html
    assert "cases.csv" not in html  # not the original court's import
    a_html = (
        client_for(world, "a.director")
        .get(reverse("cases:case_detail", args=[cases[N1].pk]))
        .content.decode()
    )
    assert 'id="case-grants"' in a_html and "测试乙基层" in a_html and 'id="grant-banner"' not in a_html
    event = AuditEvent.objects.get(action="cases.grant.add")
    assert event.court_id == cases[N1].court_id and event.after["court"] == world.courts["b"].pk

    revoke_case_grant(granted, actor=world.user("city.director"), reason="指定执行决定撤销")
    assert granted.revoked_at is not None
    assert status(b, cases[N1]) == 404
    assert AuditEvent.objects.filter(action="cases.grant.revoke").count() == 1
    revoke_case_grant(granted, actor=None, reason="再次撤销")  # already revoked: nothing happens
    assert AuditEvent.objects.filter(action="cases.grant.revoke").count() == 1


def test_the_receiving_court_does_not_see_the_original_courts_other_data(
    world: Any, cases: dict[str, EnforcementCase], granted: CaseGrant
) -> None:
    run_scans(today=dt.date(2026, 12, 31))  # every case is an Art. 7(a) candidate by then
    assert ScanCandidate.objects.filter(case=cases[N1]).exists()
    b = client_for(world, "b.director")
    listing = b.get(reverse("cases:case_list")).content.decode()
    table = listing.split('id="case-table"', 1)[1]
    assert NB in table and N1 not in table and N2 not in table
    card = listing.split('id="granted-cases"', 1)[1].split("</table>", 1)[0]
    assert N1 in card and N2 not in card
    only = b.get(reverse("cases:case_list"), {"granted": "1"}).content.decode()
    table = only.split('id="case-table"', 1)[1]
    assert N1 in table and N2 not in table and NB not in table
    # candidates: neither on the scan page nor on the case page
    assert N1 not in b.get(reverse("cases:scan"), {"state": "new"}).content.decode()
    detail = b.get(reverse("cases:case_detail", args=[cases[N1].pk])).content.decode()
    assert 'id="case-candidates"' not in detail
    # the original court's import records
    record = CaseImport.objects.get(file_name="cases.csv")
    assert b.get(reverse("cases:import_detail", args=[record.pk])).status_code == 404
    assert "cases.csv" not in b.get(reverse("cases:import_list")).content.decode()
    # search finds the granted case, not its neighbour
    assert N1 in b.get(reverse("core:search"), {"q": "测0101执1号"}).content.decode()
    assert N2 not in b.get(reverse("core:search"), {"q": "测0101执2号"}).content.decode()


def test_write_attempts_through_a_grant_are_refused(
    world: Any, cases: dict[str, EnforcementCase], granted: CaseGrant, tmp_path: Path
) -> None:
    b_director = world.user("b.director")
    assert access_case(b_director, cases[N1].pk).pk == cases[N1].pk
    with pytest.raises(PermissionDenied, match=GRANT_READ_ONLY):
        access_case(b_director, cases[N1].pk, write=True)
    with pytest.raises(Http404):
        access_case(b_director, cases[N2].pk, write=True)
    assert access_case(world.user("a.director"), cases[N1].pk, write=True).pk == cases[N1].pk
    # the receiving court cannot import the case's nodes (nor its case row): not its court's number
    path = write(tmp_path, EVENT_HEADER, [f"{N1},中止执行,2026-04-01,2026-04-10,"], "b.csv")
    with pytest.raises(EventsRefused) as exc:
        import_events(path, actor=b_director)
    assert "无权导入该法院的案件" in exc.value.case_import.errors[0]["reason"]
    assert not CaseSuspension.objects.filter(case=cases[N1]).exists()


def test_the_receiving_court_may_reveal_the_parties_audited(
    world: Any, cases: dict[str, EnforcementCase], granted: CaseGrant
) -> None:
    party = CaseParty.objects.create(
        case=cases[N1], role="respondent", name="某某", id_number="220602199001011234"
    )
    neighbour = CaseParty.objects.create(
        case=cases[N2], role="respondent", name="他人", id_number="220602199001015678"
    )
    b = client_for(world, "b.director")
    detail = b.get(reverse("cases:case_detail", args=[cases[N1].pk])).content.decode()
    assert "220602199001011234" not in detail  # masked on the page
    assert reverse("cases:party_reveal", args=[party.pk, "id_number"]) in detail
    response = b.post(reverse("cases:party_reveal", args=[party.pk, "id_number"]))
    assert response.status_code == 200 and "220602199001011234" in response.content.decode()
    event = AuditEvent.objects.get(action="cases.party.reveal")
    assert event.actor_id == world.user("b.director").pk and event.after["via_grant"] == ["测试乙基层"]
    assert event.court_id == cases[N1].court_id
    assert b.post(reverse("cases:party_reveal", args=[neighbour.pk, "id_number"])).status_code == 404
    revoke_case_grant(granted, actor=None, reason="撤销")
    assert b.post(reverse("cases:party_reveal", args=[party.pk, "id_number"])).status_code == 404
    assert AuditEvent.objects.filter(action="cases.party.reveal").count() == 1


def test_grants_are_idempotent_and_one_live_per_case_and_court(
    world: Any, cases: dict[str, EnforcementCase], granted: CaseGrant
) -> None:
    again = grant_case(cases[N1], world.courts["b"], reason="指定执行", origin="", actor=None)
    assert again.pk == granted.pk and AuditEvent.objects.filter(action="cases.grant.add").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseGrant.objects.create(case=cases[N1], court=world.courts["b"], reason="重复")
    # 提级执行: the city court takes the same case up — a second grant, to another court
    up = grant_case(cases[N1], world.courts["city"], reason="提级执行", origin="", actor=None)
    assert up.pk != granted.pk
    revoke_case_grant(granted, actor=None, reason="改为提级执行")
    renewed = grant_case(cases[N1], world.courts["b"], reason="重新指定执行", origin="", actor=None)
    assert (
        renewed.pk != granted.pk
        and CaseGrant.objects.filter(case=cases[N1], court=world.courts["b"]).count() == 2
    )
    with pytest.raises(ServiceError, match="本来就是本案的执行法院"):
        grant_case(cases[N1], world.courts["a"], reason="指定执行", origin="", actor=None)
    with pytest.raises(ServiceError, match="事由"):
        grant_case(cases[N2], world.courts["b"], reason=" ", origin="", actor=None)


def test_the_receiving_courts_home_page_points_to_its_granted_cases(
    world: Any, cases: dict[str, EnforcementCase], granted: CaseGrant
) -> None:
    html = client_for(world, "b.director").get(reverse("core:home")).content.decode()
    assert "指定或提级由本院执行的未结案件 1 件" in html
    assert (
        "指定或提级由本院执行"
        not in client_for(world, "a.director").get(reverse("core:home")).content.decode()
    )
