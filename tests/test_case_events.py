"""The events file (流程节点) and the due dates that depend on it: suspensions, extensions,
node checks (Art. 7(b)/(c)), petitions and obstacles; recompute when the legal clock changes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from zhijian.audit.models import AuditEvent
from zhijian.cases.importer import detect_kind, import_file
from zhijian.cases.models import CaseEvent, CasePetition, CaseSuspension, EnforcementCase
from zhijian.cases.recompute import explain
from zhijian.cases.services import ImportRefused, import_cases
from zhijian.legaltime.models import TimeLimitRule
from zhijian.legaltime.services import revise_rule, seed_rules

pytestmark = pytest.mark.django_db
CASE_HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的,执行到位金额,申请执行人,被执行人"
EVENT_HEADER = "案号,节点,开始日期,结束日期,说明"
N1, N2 = "（2026）测0101执1号", "（2026）测0101执2号"


def write(tmp_path: Path, header: str, lines: list[str], name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("gb18030"))
    return path


@pytest.fixture
def cases(world: Any, tmp_path: Path) -> dict[str, EnforcementCase]:
    seed_rules()
    lines = [
        f"{N1},2026-03-02,张三,在办,,,1000,0,王五,某公司",
        f"{N2},2026-03-02,,在办,,,1000,0,王五,某公司",
    ]
    import_cases(write(tmp_path, CASE_HEADER, lines, "cases.csv"), actor=None)
    return {c.number: c for c in EnforcementCase.objects.all()}


EVENTS = [
    f"{N1},立案,2026-03-02,,",
    f"{N1},中止执行,2026-04-01,2026-04-10,被执行人申请",
    f"{N1},发出执行通知书,2026-03-20,,",
    f"{N1},执行信访,2026-06-01,,",
    f"{N1},集体访,2026-07-01,,",
    f"{N1},网络查控,2026-05-06,,",
    f"{N1},神秘节点,2026-05-07,,",
    f"{N2},中止执行,2026-05-01,,",
    f"{N2},执行障碍,2026-04-02,,被执行人下落不明",
]


def test_case_without_events_has_the_limit_and_the_handler_check_only(
    cases: dict[str, EnforcementCase],
) -> None:
    one, two = cases[N1], cases[N2]
    assert one.limit_due == dt.date(2026, 9, 2) and one.notice_due is None
    assert (one.handler_due, one.handler_done) == (dt.date(2026, 3, 9), dt.date(2026, 3, 2))
    assert two.handler is None and (two.handler_due, two.handler_done) == (dt.date(2026, 3, 9), None)


def test_events_file_builds_suspensions_petitions_and_node_dues(
    cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    path = write(tmp_path, EVENT_HEADER, EVENTS, "events.csv")
    assert detect_kind(path) == "events"
    result = import_file(path, actor=None)
    assert (result.kind, result.state, result.created, result.rows) == ("events", "done", 2, 9)
    assert result.options["unknown_nodes"] == {"神秘节点": 1}
    one = EnforcementCase.objects.get(number=N1)
    # 9/2 + 10 excluded days (4/1–4/10, both ends) = 9/12, a Saturday → Monday 9/14
    assert one.limit_due == dt.date(2026, 9, 14) and one.suspended_since is None
    # 执行通知: 10 days from 收到申请 (not imported → 立案 3/2) = 3/12; issued 3/20 (late)
    assert (one.notice_due, one.notice_done) == (dt.date(2026, 3, 12), dt.date(2026, 3, 20))
    # 完成财产调查: 1 month from 5/6 = 6/6, a Saturday → 6/8; not done
    assert (one.investigation_done_due, one.investigation_done_done) == (dt.date(2026, 6, 8), None)
    assert (one.petition_count, one.last_petition_on, one.group_petition) == (2, dt.date(2026, 7, 1), True)
    assert CasePetition.objects.filter(case=one).count() == 2
    two = EnforcementCase.objects.get(number=N2)
    assert two.suspended_since == dt.date(2026, 5, 1)
    # no running period while suspended; a node that fell due before the suspension stays due
    assert two.limit_due is None and two.handler_due == dt.date(2026, 3, 9)
    assert two.obstacle_since == dt.date(2026, 4, 2)
    assert CaseSuspension.objects.get(case=two).end is None
    event = AuditEvent.objects.get(action="cases.import_events")
    assert event.after["unknown_nodes"] == {"神秘节点": 1}
    lines = {line.key: line for line in explain(one)}
    assert "不计入期限的期间" in " ".join(lines["limit"].result.steps)
    assert lines["notice"].late and "自立案日起算" in lines["notice"].start_label


def test_resumption_closes_a_suspension_and_reimport_is_idempotent(
    cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    import_file(write(tmp_path, EVENT_HEADER, EVENTS, "e1.csv"), actor=None)
    again = import_file(write(tmp_path, EVENT_HEADER, EVENTS, "e2.csv"), actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert CaseEvent.objects.count() == 8
    resumed = [*EVENTS, f"{N2},恢复执行,2026-05-11,,"]
    result = import_file(write(tmp_path, EVENT_HEADER, resumed, "e3.csv"), actor=None)
    assert (result.updated, result.unchanged) == (1, 1)
    two = EnforcementCase.objects.get(number=N2)
    # suspended 5/1–5/10 (10 days): 9/2 + 10 = 9/12 (Sat) → 9/14
    assert two.suspended_since is None and two.limit_due == dt.date(2026, 9, 14)


def test_unknown_case_refuses_the_file_and_writes_nothing(
    cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    lines = [*EVENTS, "（2026）测0101执99号,立案,2026-03-02,,", f"{N1},结案,2026-02-30,,"]
    with pytest.raises(ImportRefused) as exc:
        import_file(write(tmp_path, EVENT_HEADER, lines, "bad.csv"), actor=None)
    reasons = " | ".join(f"{e['line']}:{e['reason']}" for e in exc.value.case_import.errors)
    assert "11:案件不存在" in reasons and "12:日期“2026-02-30”不存在" in reasons
    assert not CaseEvent.objects.exists()
    assert EnforcementCase.objects.get(number=N1).limit_due == dt.date(2026, 9, 2)
    skipped = import_file(write(tmp_path, EVENT_HEADER, lines, "bad2.csv"), actor=None, skip_invalid=True)
    # a case with an invalid row is skipped whole: half its nodes would change its dates
    assert (skipped.created, skipped.rejected, skipped.options["skipped_cases"]) == (1, 2, 1)
    assert not CaseEvent.objects.filter(case__number=N1).exists()
    assert CaseEvent.objects.filter(case__number=N2).count() == 2


def test_extension_node_needs_its_days_and_moves_the_limit(
    cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    with pytest.raises(ImportRefused) as exc:
        import_file(
            write(tmp_path, EVENT_HEADER, [f"{N1},延长执行期限,2026-08-20,,经院长批准"], "x.csv"), actor=None
        )
    assert "应写明延长的期间" in exc.value.case_import.errors[0]["reason"]
    import_file(
        write(tmp_path, EVENT_HEADER, [f"{N1},延长执行期限,2026-08-20,,经院长批准延长30日"], "y.csv"),
        actor=None,
    )
    # 9/2 + 30 days = 10/2, inside the National Day holiday (10/1–10/7 in 2026) → 10/8
    assert EnforcementCase.objects.get(number=N1).limit_due == dt.date(2026, 10, 8)


def test_an_older_events_export_does_not_overwrite(cases: dict[str, EnforcementCase], tmp_path: Path) -> None:
    header = EVENT_HEADER + ",数据截至日期"
    import_file(write(tmp_path, header, [f"{N2},中止执行,2026-05-01,,,2026-11-20"], "new.csv"), actor=None)
    older = import_file(
        write(tmp_path, header, [f"{N2},立案,2026-03-02,,,2026-11-01"], "old.csv"), actor=None
    )
    assert older.skipped_older == 1
    assert EnforcementCase.objects.get(number=N2).suspended_since == dt.date(2026, 5, 1)


def test_a_rule_revision_recomputes_the_case_columns(
    cases: dict[str, EnforcementCase], world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rule = TimeLimitRule.objects.get(code="CASE_LIMIT")
    with django_capture_on_commit_callbacks(execute=True):
        revise_rule(
            rule,
            actor=world.user("city.admin"),
            effective_from=dt.date(2026, 1, 1),
            reason="测试：改为3个月",
            length=3,
        )
    assert EnforcementCase.objects.get(number=N1).limit_due == dt.date(2026, 6, 2)


def test_cli_reports_unknown_nodes(cases: dict[str, EnforcementCase], tmp_path: Path, capsys: Any) -> None:
    call_command("import_cases", str(write(tmp_path, EVENT_HEADER, EVENTS, "e.csv")), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "events" and out["unknown_nodes"] == {"神秘节点": 1} and out["created"] == 2


def test_detail_page_shows_the_timeline_and_due_dates_and_the_list_filters_suspended(
    cases: dict[str, EnforcementCase], tmp_path: Path, world: Any
) -> None:
    from django.test import Client
    from django.urls import reverse

    import_file(write(tmp_path, EVENT_HEADER, EVENTS, "e.csv"), actor=None)
    client = Client()
    client.force_login(world.user("a.handler"))
    one = EnforcementCase.objects.get(number=N1)
    page = client.get(reverse("cases:case_detail", args=[one.pk])).content.decode()
    assert "网络查控" not in page and "财产调查启动" in page  # the event's label, not the raw node name
    assert "发出执行通知书" in page and "逾期完成" in page and "完成财产调查" in page
    assert "不计入期限的期间" in page and "信访 2 次（含集体访）" in page
    two = EnforcementCase.objects.get(number=N2)
    page = client.get(reverse("cases:case_detail", args=[two.pk])).content.decode()
    assert "中止中（自2026-05-01）" in page and "执行障碍（自2026-04-02）" in page
    listing = client.get(reverse("cases:case_list"), {"suspended": "1"}).content.decode()
    assert N2 in listing and N1 not in listing


def test_the_deadline_board_counts_overdue_cases_per_court_with_a_link(
    cases: dict[str, EnforcementCase], world: Any
) -> None:
    from django.test import Client
    from django.urls import reverse

    EnforcementCase.objects.filter(number=N1).update(limit_due=dt.date(2026, 1, 5))
    client = Client()
    client.force_login(world.user("city.officer"))
    page = client.get(reverse("legaltime:board")).content.decode()
    assert "超期未结执行案件" in page and f"court={world.courts['a'].pk}&amp;overdue=1" in page
    client.force_login(world.user("b.director"))
    assert "超期未结执行案件" not in client.get(reverse("legaltime:board")).content.decode()


def test_extensions_in_months_and_after_expiry(cases: dict[str, EnforcementCase], tmp_path: Path) -> None:
    # “2026年8月20日” is a date, not a length: the length is “3个月”; 9/2 + 3 months = 12/2
    note = "2026年8月20日院长批准延长3个月"
    import_file(write(tmp_path, EVENT_HEADER, [f"{N1},延长执行期限,2026-08-20,,{note}"], "m.csv"), actor=None)
    assert EnforcementCase.objects.get(number=N1).limit_due == dt.date(2026, 12, 2)
    # approved after the limit expired (9/2): not counted, and the explanation says why
    late = [f"{N1},延长执行期限,2026-09-10,,院长批准延长30日"]
    import_file(write(tmp_path, EVENT_HEADER, late, "late.csv"), actor=None, force=True)
    one = EnforcementCase.objects.get(number=N1)
    assert one.limit_due == dt.date(2026, 9, 2)
    steps = " ".join(next(line for line in explain(one) if line.key == "limit").result.steps)
    assert "晚于当时的届满日" in steps


def test_excluded_periods_other_than_suspension_need_an_end(
    cases: dict[str, EnforcementCase], tmp_path: Path
) -> None:
    with pytest.raises(ImportRefused) as exc:
        import_file(write(tmp_path, EVENT_HEADER, [f"{N1},公告,2026-04-14,,"], "a.csv"), actor=None)
    assert "须填写结束日期" in exc.value.case_import.errors[0]["reason"]
    import_file(write(tmp_path, EVENT_HEADER, [f"{N1},公告,2026-04-14,2026-05-13,"], "b.csv"), actor=None)
    # 9/2 + 30 excluded days = 10/2 (National Day holiday) → 10/8
    assert EnforcementCase.objects.get(number=N1).limit_due == dt.date(2026, 10, 8)


def test_petitions_on_the_same_day_count_once(cases: dict[str, EnforcementCase], tmp_path: Path) -> None:
    lines = [f"{N1},来信,2026-06-01,,", f"{N1},来访,2026-06-01,,", f"{N1},集体访,2026-06-01,,"]
    import_file(write(tmp_path, EVENT_HEADER, lines, "p.csv"), actor=None)
    one = EnforcementCase.objects.get(number=N1)
    assert (one.petition_count, one.group_petition) == (1, True)


def test_only_a_court_above_marks_a_case_corrected(world: Any, tmp_path: Path) -> None:
    seed_rules()
    header = CASE_HEADER + ",原案号"
    lines = [
        f"{N1},2026-03-02,张三,在办,,,1000,0,王五,某公司,",
        "（2026）测0102执复7号,2026-05-06,李四,已结案,2026-06-01,撤销执行裁定,0,0,王五,某公司,（2026）测0101执1号",
        "（2026）测01执复8号,2026-05-06,李四,已结案,2026-06-20,撤销执行裁定,0,0,王五,某公司,（2026）测0101执1号",
    ]
    import_cases(write(tmp_path, header, lines[:2], "c1.csv"), actor=None)
    assert EnforcementCase.objects.get(number=N1).corrected_on is None  # a sibling court cannot
    import_cases(write(tmp_path, header, lines, "c2.csv"), actor=None)
    one = EnforcementCase.objects.get(number=N1)
    assert (one.corrected_on, one.corrected_by) == (dt.date(2026, 6, 20), "（2026）测01执复8号")


def test_another_courts_case_number_is_refused_without_telling_whether_it_exists(
    cases: dict[str, EnforcementCase], tmp_path: Path, world: Any
) -> None:
    lines = [f"{N1},立案,2026-03-02,,", "（2026）测0101执99号,立案,2026-03-02,,"]
    with pytest.raises(ImportRefused) as exc:
        import_file(write(tmp_path, EVENT_HEADER, lines, "x.csv"), actor=world.user("b.director"))
    reasons = {e["reason"] for e in exc.value.case_import.errors}
    assert reasons == {"您无权导入该法院的案件。"}
