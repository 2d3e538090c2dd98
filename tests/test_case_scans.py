"""Detection scans: Art. 7(a) and Art. 8 candidates just inside and just outside their limits,
the installation's own court excluded, decisions in bulk, dismissals that stick until the facts
change, read-only for basic courts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhijian.audit.models import AuditEvent
from zhijian.cases.dues import NODE_CHECKS
from zhijian.cases.models import EnforcementCase, ScanCandidate
from zhijian.cases.scans import decide, run_scans

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 28)
D = dt.date.fromisoformat


def case(
    world: Any, key: str, seq: int, *, filed: str, due: str | None, status: str = "open"
) -> EnforcementCase:
    court = world.courts[key]
    return EnforcementCase.objects.create(
        number=f"（2026）{court.code}执{seq}号", year=2026, court=court, type_code="执", seq=seq, status=status,
        filed_on=D(filed), limit_due=D(due) if due else None, limit_rule="CASE_LIMIT",
    )  # fmt: skip


def rules_of(c: EnforcementCase) -> set[str]:
    return set(ScanCandidate.objects.filter(case=c).values_list("rule", flat=True))


def test_art7a_just_inside_and_just_outside(world: Any) -> None:
    late = case(world, "a", 1, filed="2026-05-26", due="2026-11-27")  # due yesterday → candidate
    on_time = case(world, "a", 2, filed="2026-05-28", due="2026-11-28")  # due today → not yet
    done = case(world, "a", 3, filed="2026-01-05", due="2026-07-06", status="concluded")
    run_scans(today=TODAY)
    assert rules_of(late) == {"art7a"} and rules_of(on_time) == set() and rules_of(done) == set()


def test_art8_just_inside_and_just_outside(world: Any) -> None:
    # 12 months from 2025-11-27 end on 2026-11-27 (the start day not counted): exceeded today
    old = case(world, "a", 1, filed="2025-11-27", due=None)
    younger = case(world, "a", 2, filed="2025-11-28", due=None)  # its 12 months end today
    run_scans(today=TODAY)
    assert rules_of(old) == {"art8_long"} and rules_of(younger) == set()


def test_the_installations_own_court_is_never_a_candidate(world: Any) -> None:
    own = case(world, "city", 1, filed="2024-01-05", due="2024-07-05")
    run_scans(today=TODAY)
    assert rules_of(own) == set()


def test_a_resolved_candidate_reopens_when_the_case_qualifies_again(world: Any) -> None:
    c = case(world, "a", 1, filed="2026-05-26", due="2026-11-27")
    run_scans(today=TODAY)
    EnforcementCase.objects.filter(pk=c.pk).update(status="concluded")  # recorded by mistake
    run_scans(today=TODAY)
    assert ScanCandidate.objects.get(case=c).state == "resolved"
    EnforcementCase.objects.filter(pk=c.pk).update(status="open")  # corrected by the next export
    result = run_scans(today=TODAY + dt.timedelta(days=1))
    assert ScanCandidate.objects.get(case=c).state == "new" and result["art7a"]["new"] == 1


def test_a_dismissal_sticks_until_the_facts_change(world: Any) -> None:
    c = case(world, "a", 1, filed="2026-05-26", due="2026-11-27")
    run_scans(today=TODAY)
    candidate = ScanCandidate.objects.get(case=c)
    assert (
        decide([candidate.pk], actor=world.user("city.officer"), state="dismissed", reason="已和解，待核实")
        == 1
    )
    run_scans(today=TODAY + dt.timedelta(days=1))
    candidate.refresh_from_db()
    assert candidate.state == "dismissed" and ScanCandidate.objects.filter(case=c).count() == 1
    # the facts change: a new due date (an approved extension) → the old candidate is gone, a new one appears later
    EnforcementCase.objects.filter(pk=c.pk).update(limit_due=D("2026-12-10"))
    run_scans(today=TODAY + dt.timedelta(days=2))
    candidate.refresh_from_db()
    assert candidate.state == "resolved"
    run_scans(today=D("2026-12-11"))
    assert ScanCandidate.objects.filter(case=c, state="new", due_date=D("2026-12-10")).exists()
    # concluding resolves it
    EnforcementCase.objects.filter(pk=c.pk).update(status="concluded")
    run_scans(today=D("2026-12-12"))
    assert not ScanCandidate.objects.filter(case=c, state="new").exists()


def test_bulk_decisions_by_selection_and_by_filter(world: Any) -> None:
    for i in range(1, 4):
        case(world, "a", i, filed="2026-05-26", due="2026-11-27")
    case(world, "b", 9, filed="2026-05-26", due="2026-11-27")
    run_scans(today=TODAY)
    client = Client()
    client.force_login(world.user("city.officer"))
    ids = list(ScanCandidate.objects.filter(court=world.courts["a"]).values_list("pk", flat=True))[:2]
    client.post(reverse("cases:scan_decide"), {"ids": ids, "decision": "confirmed", "scope": "selected"})
    assert ScanCandidate.objects.filter(state="confirmed").count() == 2
    response = client.post(
        reverse("cases:scan_decide"),
        {
            "decision": "dismissed",
            "scope": "filter",
            "court": world.courts["b"].pk,
            "state": "new",
            "reason": "",
        },
        follow=True,
    )
    assert "排除线索须填写理由" in response.content.decode()
    client.post(
        reverse("cases:scan_decide"),
        {
            "decision": "dismissed",
            "scope": "filter",
            "court": world.courts["b"].pk,
            "state": "new",
            "reason": "已裁定中止",
        },
    )
    assert ScanCandidate.objects.get(court=world.courts["b"]).state == "dismissed"
    # the filter applied to court b only: court a's third candidate is untouched
    assert ScanCandidate.objects.filter(court=world.courts["a"], state="new").count() == 1
    assert AuditEvent.objects.filter(action="cases.candidates.decide").count() == 2


def test_basic_courts_see_their_candidates_read_only(world: Any) -> None:
    case(world, "a", 1, filed="2026-05-26", due="2026-11-27")
    case(world, "b", 2, filed="2026-05-26", due="2026-11-27")
    run_scans(today=TODAY)
    client = Client()
    client.force_login(world.user("a.director"))
    html = client.get(reverse("cases:scan")).content.decode()
    assert "测0101执1号" in html and "测0102执2号" not in html and 'name="ids"' not in html
    assert (
        client.post(
            reverse("cases:scan_decide"), {"ids": [1], "decision": "dismissed", "reason": "x"}
        ).status_code
        == 403
    )
    assert "本院有 1 件案件被检测为超期未执结、应作未作或久拖不结" in client.get("/").content.decode()
    city = Client()
    city.force_login(world.user("city.director"))
    home = city.get("/").content.decode()
    assert "测试甲基层：1 条检测线索待确认" in home and "测试乙基层：1 条检测线索待确认" in home


def test_scan_command_and_audit(world: Any, capsys: Any) -> None:
    from django.core.management import call_command

    case(world, "a", 1, filed="2024-01-05", due="2024-07-05")
    call_command("scan", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["art7a"]["new"] == 1 and out["art8_long"]["new"] == 1
    assert AuditEvent.objects.filter(action="cases.scan").exists()


def test_the_scan_page_does_not_query_per_row(world: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(1, 31):
        case(world, "a", i, filed="2026-05-26", due="2026-11-27")
    run_scans(today=TODAY)
    ids = list(ScanCandidate.objects.values_list("pk", flat=True))
    decide(ids, actor=world.user("city.officer"), state="confirmed", reason="")
    client = Client()
    client.force_login(world.user("city.officer"))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("cases:scan"), {"state": "confirmed"}).status_code == 200


@pytest.mark.parametrize("check", NODE_CHECKS, ids=lambda c: c.key)
def test_each_node_check_just_inside_and_just_outside(world: Any, check: Any) -> None:
    late = case(world, "a", 1, filed="2026-03-02", due=None)
    on_time = case(world, "a", 2, filed="2026-03-02", due=None)
    recorded = case(world, "a", 3, filed="2026-03-02", due=None)
    own = case(world, "city", 4, filed="2026-03-02", due=None)
    yesterday, today = TODAY - dt.timedelta(days=1), TODAY
    for c, due, done in ((late, yesterday, None), (on_time, today, None), (recorded, yesterday, D("2026-11-20")),
                         (own, yesterday, None)):  # fmt: skip
        EnforcementCase.objects.filter(pk=c.pk).update(**{check.due_field: due, check.done_field: done})
    run_scans(today=TODAY)
    assert rules_of(late) == {check.scan_rule}
    assert rules_of(on_time) == set() and rules_of(recorded) == set() and rules_of(own) == set()
    # the act is recorded later: the candidate is resolved on the next scan
    EnforcementCase.objects.filter(pk=late.pk).update(**{check.done_field: TODAY})
    run_scans(today=TODAY + dt.timedelta(days=1))
    assert ScanCandidate.objects.get(case=late).state == "resolved"


def test_art8_obstacle_and_art13_lists(world: Any) -> None:
    obstacle = case(world, "a", 1, filed="2026-09-01", due=None)
    once = case(world, "a", 2, filed="2026-09-01", due=None)
    twice = case(world, "a", 3, filed="2026-09-01", due=None, status="concluded")
    own = case(world, "city", 4, filed="2026-09-01", due=None)
    EnforcementCase.objects.filter(pk=obstacle.pk).update(obstacle_since=D("2026-10-01"))
    EnforcementCase.objects.filter(pk=once.pk).update(petition_count=1, last_petition_on=D("2026-10-01"))
    EnforcementCase.objects.filter(pk=twice.pk).update(petition_count=2, last_petition_on=D("2026-10-05"))
    EnforcementCase.objects.filter(pk=own.pk).update(
        corrected_on=D("2026-10-09"), leadership_since=D("2026-10-10"), media_since=D("2026-10-11"),
        obstacle_since=D("2026-10-01"),
    )  # fmt: skip
    run_scans(today=TODAY)
    assert rules_of(obstacle) == {"art8_obstacle"} and rules_of(once) == set()
    assert rules_of(twice) == {"art13_petitions"}, "concluded cases are still evaluated"
    # the installation's own court: in the Art. 13 lists, never an Art. 8 candidate
    assert rules_of(own) == {"art13_corrected", "art13_leadership", "art13_media"}
    # a new petition is a new fact: a new candidate next to the dismissed one
    first = ScanCandidate.objects.get(case=twice)
    decide([first.pk], actor=world.user("city.evaluator"), state="dismissed", reason="已评查")
    EnforcementCase.objects.filter(pk=twice.pk).update(petition_count=3, last_petition_on=D("2026-11-27"))
    run_scans(today=TODAY)
    assert ScanCandidate.objects.filter(case=twice, state="new", due_date=D("2026-11-27")).exists()


def test_an_evaluator_decides_art13_candidates_only(world: Any) -> None:
    late = case(world, "a", 1, filed="2026-05-26", due="2026-11-27")
    EnforcementCase.objects.filter(pk=late.pk).update(petition_count=2, last_petition_on=D("2026-10-05"))
    run_scans(today=TODAY)
    ids = list(ScanCandidate.objects.filter(case=late).values_list("pk", flat=True))
    assert len(ids) == 2
    assert decide(ids, actor=world.user("city.evaluator"), state="confirmed", reason="") == 1
    assert set(ScanCandidate.objects.filter(case=late, state="confirmed").values_list("rule", flat=True)) == {
        "art13_petitions"
    }


def test_candidates_export_is_scoped_and_audited(world: Any) -> None:
    mine = case(world, "a", 1, filed="2026-05-26", due="2026-11-27")
    other = case(world, "b", 2, filed="2026-05-26", due="2026-11-27")
    run_scans(today=TODAY)
    client = Client()
    client.force_login(world.user("a.director"))
    response = client.get(reverse("cases:scan_export"), {"format": "csv"})
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode(
        "utf-8-sig"
    )
    assert mine.number in text and other.number not in text
    assert AuditEvent.objects.filter(action="cases.candidates.export").exists()
