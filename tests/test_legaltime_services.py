"""Rules as data (effective dates, versions), deadlines, recompute on calendar and rule changes,
the pages (calculator, board, holiday and rule admin) and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhijian.audit.models import AuditEvent
from zhijian.core.exceptions import ServiceError
from zhijian.legaltime import services
from zhijian.legaltime.arrangement import Entry, parse_arrangement
from zhijian.legaltime.models import CalendarStamp, Deadline, TimeLimitRule

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat

# A made-up 2027 arrangement for tests only (the real one is announced in late 2026):
# New Year 1/1 (Fri) – 1/3 off, and 1/4 (Mon) also off in this fiction.
FICTIONAL_2027 = "2027-01-01~2027-01-04 休 元旦\n2027-02-10~2027-02-16 休 春节\n2027-02-20 班 春节"


@pytest.fixture
def rules(db: Any) -> None:
    services.seed_rules()


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def make(world: Any, start: str, *, court: str = "a", owner: str = "a.contact", **kwargs: Any) -> Deadline:
    kwargs.setdefault("length", 5)
    kwargs.setdefault("unit", "days")
    return services.create_deadline(
        actor=world.user(owner),
        title=kwargs.pop("title", f"测试期限 {start}"),
        court=world.courts[court],
        owner=world.user(owner),
        start_date=D(start),
        **kwargs,
    )


def test_seeded_rules_cover_the_issue_defaults(rules: None) -> None:
    get = lambda code: TimeLimitRule.objects.get(code=code)  # noqa: E731
    assert (get("SUP_LETTER").length, get("SUP_LETTER").unit) == (5, "days")
    assert (get("CASE_LIMIT").length, get("CASE_LIMIT").unit, get("CASE_LIMIT").case_types) == (
        6,
        "months",
        "执,执恢",
    )
    assert (get("CASE_LIMIT_NONLIT").length, get("CASE_LIMIT_NONLIT").non_litigation) == (3, True)
    assert get("CASE_LIMIT_OBJECTION").length == 15 and get("CASE_LIMIT_RECONSIDERATION").length == 30
    assert not TimeLimitRule.objects.filter(case_types__contains="执保").exists()  # 执保: none by default
    # conflicts: the binding interpretation is the default, the stricter internal rule a second row
    assert get("NODE_NOTICE").is_default and not get("NODE_NOTICE_3D").is_default
    assert get("NODE_CLUE_CHECK").is_default and not get("NODE_CLUE_CHECK_5D").is_default
    assert services.seed_rules() == 0  # idempotent


def test_a_rule_deadline_records_its_version_and_basis(world: Any, rules: None) -> None:
    deadline = make(world, "2026-09-28", rule_code="SUP_LETTER")
    assert deadline.due_date == D("2026-10-08") and deadline.rule is not None and deadline.rule.version == 1
    assert "第五条" in deadline.basis and any("国庆节放假" in s for s in deadline.explanation)


def test_expedited_selects_the_shortened_rule(world: Any, rules: None) -> None:
    normal = make(world, "2026-09-14", rule_code="NODE_CLUE_CHECK")  # 7 days → 9/21 Mon
    urgent = make(world, "2026-09-14", rule_code="NODE_CLUE_CHECK", expedited=True)  # 3 days → 9/17 Thu
    assert (normal.due_date, urgent.due_date) == (D("2026-09-21"), D("2026-09-17"))


def test_rule_revision_applies_by_the_start_events_date(world: Any, rules: None) -> None:
    old = make(world, "2026-09-28", rule_code="SUP_LETTER")  # start before the new version
    late = make(world, "2026-10-13", rule_code="SUP_LETTER")  # 10/13 + 5 = 10/18 Sun → 10/19 Mon
    assert late.due_date == D("2026-10-19")
    rule = TimeLimitRule.objects.get(code="SUP_LETTER")
    new, moved = services.revise_rule(
        rule, actor=world.user("city.admin"), effective_from=D("2026-10-01"), reason="测试：改为7日", length=7
    )
    assert (new.version, new.length, moved) == (2, 7, 1)
    old.refresh_from_db()
    late.refresh_from_db()
    assert old.due_date == D("2026-10-08") and old.rule.version == 1  # type: ignore[union-attr]
    assert late.rule == new and late.length == 7 and late.due_date == D("2026-10-20")  # 10/13 + 7 = 10/20 Tue
    # back-filled: a start before the revision still gets version 1, after it version 2
    assert services.rule_in_force("SUP_LETTER", D("2026-09-30")).version == 1
    assert services.rule_in_force("SUP_LETTER", D("2026-10-01")).version == 2
    event = AuditEvent.objects.filter(action="legaltime.rule.revise").get()
    assert event.after["deadlines_moved"] == 1 and event.reason == "测试：改为7日"


def test_rule_revision_is_for_administrators_and_needs_a_later_date(world: Any, rules: None) -> None:
    rule = TimeLimitRule.objects.get(code="SUP_LETTER")
    with pytest.raises(Exception, match="系统管理员"):
        services.revise_rule(
            rule, actor=world.user("city.director"), effective_from=D("2026-10-01"), reason="x", length=7
        )
    with pytest.raises(ServiceError, match="晚于"):
        services.revise_rule(
            rule, actor=world.user("city.admin"), effective_from=D("2016-01-01"), reason="x", length=7
        )
    assert TimeLimitRule.objects.filter(code="SUP_LETTER").count() == 1


def test_entering_next_years_arrangement_recomputes_provisional_deadlines(world: Any) -> None:
    deadline = make(world, "2026-12-29")  # 12/29 + 5 = 2027-01-03 Sun → weekends-only 1/4 (暂定)
    assert deadline.due_date == D("2027-01-04") and deadline.provisional
    untouched = make(world, "2026-09-28")  # 10/8, nothing to do with 2027
    version = services.calendar_version()
    entries, errors = parse_arrangement(FICTIONAL_2027, 2027)
    assert not errors
    moves = services.plan_recompute(services.open_deadlines(), override=services.Override(2027, entries))
    assert [(m.deadline.pk, m.old_due, m.new_due, m.new_provisional) for m in moves] == [
        (deadline.pk, D("2027-01-04"), D("2027-01-05"), False)
    ]
    _, moved = services.save_holiday_year(
        actor=world.user("city.admin"), year=2027, entries=entries, source="测试"
    )
    assert moved == 1 and services.calendar_version() == version + 1
    deadline.refresh_from_db()
    untouched.refresh_from_db()
    assert (deadline.due_date, deadline.provisional) == (D("2027-01-05"), False)  # 1/1–1/4 off → 1/5 Tue
    assert untouched.due_date == D("2026-10-08")
    event = AuditEvent.objects.filter(action="legaltime.calendar.save").get()
    assert event.after["deadlines_moved"] == 1
    assert services.get_calendar().knows(2027)


def test_every_process_follows_the_calendar_stamp(world: Any) -> None:
    before = services.get_calendar()
    assert not before.knows(2027)
    entries, _ = parse_arrangement(FICTIONAL_2027, 2027)
    services.save_holiday_year(actor=None, year=2027, entries=entries)
    after = services.get_calendar()
    assert after is not before and after.knows(2027)
    # another process bumping the stamp (here: by hand) makes this one rebuild too
    CalendarStamp.objects.filter(pk=1).update(version=999)
    assert services.get_calendar() is not after


def test_an_entered_year_replaces_the_package_and_the_preview_matches_the_save(world: Any) -> None:
    """The entry form is pre-filled with the whole year; what is saved is the year."""
    from zhijian.legaltime.views import existing_entries

    added = make(world, "2026-11-23", title="加一天")  # 11/28 Sat → 11/30 Mon
    removed = make(world, "2026-09-28", title="删国庆")  # 10/3 → 10/8
    entries = [e for e in existing_entries(2026) if e.date.month != 10 or e.is_working]  # drop 10/1–10/7
    entries.append(Entry(D("2026-11-30"), False, "测试假日"))
    entries.sort(key=lambda e: e.date)
    planned = {
        m.deadline.title: m.new_due
        for m in services.plan_recompute(services.open_deadlines(), override=services.Override(2026, entries))
    }
    assert planned == {"加一天": D("2026-12-01"), "删国庆": D("2026-10-05")}  # 10/3 Sat → 10/5 Mon
    services.save_holiday_year(actor=None, year=2026, entries=entries)
    added.refresh_from_db()
    removed.refresh_from_db()
    assert (added.due_date, removed.due_date) == (D("2026-12-01"), D("2026-10-05"))
    assert services.get_calendar().is_working_day(D("2026-10-01"))


def test_a_courts_local_holiday_moves_only_that_courts_deadlines(world: Any) -> None:
    a = make(world, "2026-11-23", court="a", owner="a.contact")
    b = make(world, "2026-11-23", court="b", owner="b.director")
    services.save_holiday_year(
        actor=None,
        year=2026,
        entries=[Entry(D("2026-11-30"), False, "自治县条例假日")],
        court=world.courts["a"],
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.due_date, b.due_date) == (D("2026-12-01"), D("2026-11-30"))


def test_extension_is_added_to_the_unrolled_end(world: Any) -> None:
    deadline = make(world, "2026-11-16")  # 11/16 + 5 = 11/21 Sat → 11/23 Mon
    assert deadline.due_date == D("2026-11-23")
    services.extend_deadline(
        deadline, actor=world.user("a.contact"), length=3, unit="days", reason="材料未齐"
    )
    deadline.refresh_from_db()
    assert deadline.due_date == D("2026-11-24")  # unrolled 11/21 + 3 = 11/24 Tue
    ext = deadline.extensions.get()
    assert ext.previous_due == D("2026-11-23") and ext.approved_by == world.user("a.contact")


def test_only_the_owner_of_a_manual_deadline_or_a_director_extends(world: Any) -> None:
    deadline = make(world, "2026-11-16")
    with pytest.raises(Exception, match="局长"):
        services.extend_deadline(deadline, actor=world.user("a.handler"), length=1, unit="days", reason="x")
    services.extend_deadline(
        deadline, actor=world.user("a.director"), length=1, unit="days", reason="局长批准"
    )
    services.extend_deadline(
        deadline, actor=world.user("city.director"), length=1, unit="days", reason="中院局长批准"
    )
    assert deadline.extensions.count() == 2


def test_suspension_stops_the_clock_and_resumption_adds_the_interval(world: Any) -> None:
    deadline = make(world, "2026-11-02", length=30)  # 12/2 Wed
    assert deadline.due_date == D("2026-12-02")
    services.suspend_deadline(
        deadline, actor=world.user("a.contact"), start=D("2026-11-10"), reason="中止执行"
    )
    deadline.refresh_from_db()
    assert deadline.due_date is None and deadline.suspended_since == D("2026-11-10")
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False):
        assert services.deadline_status(deadline) == "suspended"
    with pytest.raises(ServiceError):
        services.suspend_deadline(
            deadline, actor=world.user("a.contact"), start=D("2026-11-11"), reason="again"
        )
    services.resume_deadline(deadline, actor=world.user("a.contact"), end=D("2026-11-19"))
    deadline.refresh_from_db()
    assert deadline.due_date == D("2026-12-14")  # 12/2 + 10 days (11/10–11/19) = 12/12 Sat → 12/14 Mon


def test_statuses_follow_today(world: Any) -> None:
    deadline = make(world, "2026-11-16")  # due 11/23 Mon
    at = lambda day: time_machine.travel(dt.datetime.fromisoformat(f"{day}T09:00:00+08:00"), tick=False)  # noqa: E731
    with at("2026-11-18"):  # Wed: two working days later is 11/20 → not yet soon
        assert services.deadline_status(deadline) == "pending"
    with at("2026-11-19"):  # Thu: +2 working days = 11/23 → 即将到期
        assert services.deadline_status(deadline) == "due_soon"
    with at("2026-11-24"):
        assert services.deadline_status(deadline) == "overdue"
    services.complete_deadline(deadline, actor=world.user("a.contact"), on=D("2026-11-23"))
    deadline.refresh_from_db()
    assert services.deadline_status(deadline) == "met"
    late = make(world, "2026-11-02")
    services.complete_deadline(late, actor=world.user("a.contact"), on=D("2026-11-20"))
    late.refresh_from_db()
    assert services.deadline_status(late) == "met_late"
    with pytest.raises(ServiceError, match="已由他人办结"):
        services.complete_deadline(late, actor=world.user("a.contact"))
    provisional = make(world, "2026-12-29")
    with at("2026-11-28"):
        assert services.deadline_status(provisional) == "provisional"


def test_another_courts_deadline_cannot_be_touched(world: Any) -> None:
    deadline = make(world, "2026-11-16", court="b", owner="b.director")
    with pytest.raises(Exception, match="无权"):
        services.complete_deadline(deadline, actor=world.user("a.contact"))
    client = client_for(world, "a.contact")
    assert client.post(reverse("legaltime:deadline_complete", args=[deadline.pk])).status_code == 404
    deadline.refresh_from_db()
    assert deadline.completed_on is None


# --- pages --------------------------------------------------------------------------------------


def test_calculator_page_explains_a_rule(world: Any, rules: None) -> None:
    rule = TimeLimitRule.objects.get(code="SUP_LETTER")
    html = (
        client_for(world, "city.officer")
        .get(reverse("legaltime:calculator"), {"start": "2026-09-28", "rule": rule.pk})
        .content.decode()
    )
    assert "2026年10月8日" in html and "10月3日–7日 国庆节放假" in html and "第五条" in html


def test_calculator_warns_about_an_unknown_year_and_shows_a_provisional_date(world: Any) -> None:
    html = (
        client_for(world, "a.handler")
        .get(reverse("legaltime:calculator"), {"start": "2026-12-29", "length": 5, "unit": "days"})
        .content.decode()
    )
    assert "2027年节假日安排尚未录入，请系统管理员录入" in html and "暂定" in html and "2027年1月4日" in html


def test_calculator_refuses_bad_input_in_chinese(world: Any) -> None:
    html = (
        client_for(world, "a.handler")
        .get(reverse("legaltime:calculator"), {"start": "2026-02-30"})
        .content.decode()
    )
    assert "有效的日期" in html or "输入一个有效的日期" in html
    html = (
        client_for(world, "a.handler")
        .get(reverse("legaltime:calculator"), {"start": "2026-02-01"})
        .content.decode()
    )
    assert "请选择期限规则，或填写期限长度和单位" in html


def test_holiday_admin_validates_previews_and_saves(world: Any) -> None:
    make(world, "2026-12-29")
    client = client_for(world, "city.admin")
    url = reverse("legaltime:holiday_calendar")
    bad = client.post(
        url,
        {
            "year": 2027,
            "text": "2027-01-01 休 元旦\n2027-01-01 休 重复\n2027-01-05 班 周二\nxyz",
            "action": "save",
        },
    )
    html = bad.content.decode()
    assert "未保存" in html and "与第 1 行重复" in html and "本来就是工作日" in html and "无法识别" in html
    assert not services.get_calendar().knows(2027)
    empty = client.post(url, {"year": 2027, "text": "# nothing", "action": "preview"})
    assert "没有录入任何节假日" in empty.content.decode()
    preview = client.post(url, {"year": 2027, "text": FICTIONAL_2027, "action": "preview"})
    html = preview.content.decode()
    assert "保存后将变化的期限" in html and "2027-01-05" in html and 'id="month-grid"' in html
    assert not services.get_calendar().knows(2027)  # a preview saves nothing
    saved = client.post(url, {"year": 2027, "text": FICTIONAL_2027, "source": "测试通知", "action": "save"})
    assert saved.status_code == 302
    assert services.get_calendar().knows(2027)


def test_holiday_admin_is_for_administrators(world: Any) -> None:
    for name in ("city.director", "a.director", "city.leader"):
        assert client_for(world, name).get(reverse("legaltime:holiday_calendar")).status_code == 403


def test_rule_revision_page(world: Any, rules: None) -> None:
    rule = TimeLimitRule.objects.get(code="SUP_LETTER")
    url = reverse("legaltime:rule_revise", args=[rule.pk])
    assert client_for(world, "city.director").get(url).status_code == 403
    client = client_for(world, "city.admin")
    data = {
        "name": rule.name,
        "length": 7,
        "unit": "days",
        "expedited_length": "",
        "expedited_unit": "",
        "basis_document": rule.basis_document,
        "basis_article": rule.basis_article,
        "extension_approver": "",
        "conflict_note": "",
        "is_default": "on",
        "effective_from": "2027-01-01",
        "reason": "新规定",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert TimeLimitRule.objects.get(code="SUP_LETTER", version=2).length == 7


def test_board_filters_and_export(world: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC), tick=False):
        overdue = make(world, "2026-10-12", title="已超期的")  # 10/17 Sat → 10/19
        make(world, "2026-11-20", title="未到期的", length=20)  # 12/10
        client = client_for(world, "city.director")
        html = client.get(reverse("legaltime:board"), {"status": "overdue"}).content.decode()
        assert "已超期的" in html and "未到期的" not in html
        html = client.get(reverse("legaltime:board"), {"sort": "-due"}).content.decode()
        assert html.index("未到期的") < html.index("已超期的")
        response = client.get(reverse("legaltime:board_export"))
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[0][0] == "事项" and {r[0] for r in rows[1:]} == {"已超期的", "未到期的"}
        assert overdue.pk


def test_staff_create_a_manual_deadline_and_leaders_cannot(world: Any) -> None:
    client = client_for(world, "city.officer")
    response = client.post(
        reverse("legaltime:deadline_create"),
        {"title": "向市人大报告", "start_date": "2026-09-28", "length": 5, "unit": "days"},
    )
    assert response.status_code == 302
    deadline = Deadline.objects.get(title="向市人大报告")
    assert deadline.owner == world.user("city.officer") and deadline.court == world.courts["city"]
    assert deadline.due_date == D("2026-10-08")
    assert client_for(world, "city.leader").get(reverse("legaltime:deadline_create")).status_code == 403
    missing = client.post(reverse("legaltime:deadline_create"), {"title": "x", "start_date": "2026-09-28"})
    assert "请选择期限规则，或填写期限长度和单位" in missing.content.decode()


def test_admin_home_warns_from_october_while_next_year_is_missing(world: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 9, 30, 9, tzinfo=dt.UTC), tick=False):
        assert "2027年节假日安排尚未录入" not in client_for(world, "city.admin").get("/").content.decode()
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        assert "2027年节假日安排尚未录入" in client_for(world, "city.admin").get("/").content.decode()
        assert "2027年节假日安排尚未录入" not in client_for(world, "city.officer").get("/").content.decode()


# --- CLI ----------------------------------------------------------------------------------------


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    from zhijian.cli import main

    code = 0
    try:
        main(["zhijian", "deadline", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.django_db(transaction=True)
def test_cli_deadline(capsys: Any) -> None:
    services.seed_rules()
    code, out, _ = run_cli(capsys, "2026-09-28", "--days", "5", "--json")
    data = json.loads(out)
    assert code == 0 and data["due"] == "2026-10-08" and data["steps"]
    code, out, _ = run_cli(capsys, "2026-09-28", "--workdays", "5", "--json")
    assert json.loads(out)["due"] == "2026-10-10"
    code, out, _ = run_cli(capsys, "2026-01-31", "--months", "1", "--json")
    assert json.loads(out)["due"] == "2026-02-28"
    code, out, _ = run_cli(capsys, "2026-09-28", "--rule", "SUP_LETTER", "--json")
    data = json.loads(out)
    assert data["due"] == "2026-10-08" and data["rule"]["code"] == "SUP_LETTER"
    code, out, _ = run_cli(capsys, "2026-09-28", "--rule", "SUP_LETTER")
    assert code == 0 and out.startswith("届满日：2026-10-08")
    code, _, err = run_cli(capsys, "2026-12-29", "--days", "5")
    assert code == 2 and "2027年节假日安排尚未录入，请系统管理员录入" in err
    code, out, _ = run_cli(capsys, "2026-12-29", "--days", "5", "--json")
    assert code == 2 and "2027年" in json.loads(out)["error"]
    code, _, err = run_cli(capsys, "2026-02-30", "--days", "5")
    assert code == 2 and "不是有效日期" in err
    code, _, err = run_cli(capsys, "2026-09-28", "--rule", "NOPE")
    assert code == 2 and "SUP_LETTER" in err


def test_local_holidays_are_entered_per_court_through_the_page(world: Any) -> None:
    a = make(world, "2026-11-23", court="a", owner="a.contact")  # 11/30 Mon
    b = make(world, "2026-11-23", court="b", owner="b.director")
    client = client_for(world, "city.admin")
    url = reverse("legaltime:holiday_calendar")
    data = {
        "year": 2026,
        "court": world.courts["a"].pk,
        "text": "2026-11-30 休 自治县成立纪念日",
        "source": "自治条例",
    }
    preview = client.post(url, {**data, "action": "preview"}).content.decode()
    assert "测试期限 2026-11-23" in preview and "2026-12-01" in preview
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.due_date, b.due_date) == (D("2026-12-01"), D("2026-11-30"))
    assert services.get_calendar().is_working_day(D("2026-11-30"))  # the national calendar is unchanged
    # another city's court is not offered to this administrator
    foreign = client.post(url, {**data, "court": world.courts["x"].pk, "action": "save"})
    assert foreign.status_code == 200 and "选择一个有效的选项" in foreign.content.decode()
    from zhijian.legaltime.models import HolidayYear

    assert not HolidayYear.objects.filter(court=world.courts["x"]).exists()


# --- regressions from the code review --------------------------------------------------------


def test_only_home_court_administrators_change_system_wide_settings(world: Any, rules: None) -> None:
    entries, _ = parse_arrangement(FICTIONAL_2027, 2027)
    with pytest.raises(Exception, match="本系统所属法院"):
        services.save_holiday_year(actor=world.user("x.admin"), year=2027, entries=entries)
    with pytest.raises(Exception, match="本系统所属法院"):
        services.revise_rule(
            TimeLimitRule.objects.get(code="SUP_LETTER"),
            actor=world.user("x.admin"),
            effective_from=D("2027-01-01"),
            reason="x",
            length=7,
        )
    assert not services.get_calendar().knows(2027)
    # the other city's administrator may still enter its own courts' local holidays
    services.save_holiday_year(
        actor=world.user("x.admin"),
        year=2026,
        entries=[Entry(D("2026-11-30"), False, "地方")],
        court=world.courts["x"],
    )
    page = client_for(world, "x.admin").get(reverse("legaltime:holiday_calendar")).content.decode()
    assert '<option value="">全国</option>' not in page


def test_preview_shows_only_deadlines_the_administrator_may_see(world: Any) -> None:
    make(world, "2026-12-29", court="x", owner="x.director", title="外市机密事项")
    make(world, "2026-12-29", court="a", owner="a.contact", title="本市事项")
    html = (
        client_for(world, "city.admin")
        .post(
            reverse("legaltime:holiday_calendar"), {"year": 2027, "text": FICTIONAL_2027, "action": "preview"}
        )
        .content.decode()
    )
    assert "本市事项" in html and "外市机密事项" not in html and "测试外市基层" not in html
    assert "另有 1 项其他法院的期限" in html


def test_the_posted_court_wins_over_the_page_address(world: Any) -> None:
    client = client_for(world, "city.admin")
    url = reverse("legaltime:holiday_calendar") + f"?year=2027&court={world.courts['a'].pk}"
    client.post(url, {"year": 2027, "court": "", "text": FICTIONAL_2027, "action": "save"})
    from zhijian.legaltime.models import HolidayYear

    assert HolidayYear.objects.filter(year=2027, court__isnull=True).exists()
    assert not HolidayYear.objects.filter(court=world.courts["a"]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_save_never_reaches_the_cache(world: Any) -> None:
    from django.db import transaction

    entries, _ = parse_arrangement("2027-03-03 休 回滚的假日\n2027-01-01 休 元旦", 2027)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.save_holiday_year(actor=None, year=2027, entries=entries)
        assert services.get_calendar().knows(2027)  # visible inside the transaction
        raise RuntimeError("rolled back")
    assert not services.get_calendar().knows(2027)
    good, _ = parse_arrangement("2027-01-01 休 元旦", 2027)
    services.save_holiday_year(actor=None, year=2027, entries=good)  # the same version number again
    cal = services.get_calendar()
    assert cal.knows(2027) and cal.is_working_day(D("2027-03-03")) and not cal.is_working_day(D("2027-01-01"))


def test_suspension_rules(world: Any) -> None:
    deadline = make(world, "2026-11-02", length=10)  # 11/12 Thu
    with pytest.raises(ServiceError, match="晚于起算日"):
        services.suspend_deadline(deadline, actor=world.user("a.contact"), start=D("2026-11-02"), reason="x")
    with pytest.raises(ServiceError, match="届满"):
        services.suspend_deadline(deadline, actor=world.user("a.contact"), start=D("2026-11-13"), reason="x")
    assert deadline.intervals.count() == 0


def test_extensions_follow_the_rule(world: Any, rules: None) -> None:
    letter = make(world, "2026-09-28", rule_code="SUP_LETTER")
    with pytest.raises(ServiceError, match="不能延长"):
        services.extend_deadline(letter, actor=world.user("city.director"), length=1, unit="days", reason="x")
    review = make(world, "2026-11-02", rule_code="CASE_LIMIT_RECONSIDERATION")
    services.extend_deadline(
        review, actor=world.user("a.director"), length=20, unit="days", reason="院长批准"
    )
    with pytest.raises(ServiceError, match="不得超过30日"):
        services.extend_deadline(
            review, actor=world.user("a.director"), length=11, unit="days", reason="再延"
        )
    with pytest.raises(ServiceError, match="请按此单位"):
        services.extend_deadline(
            review, actor=world.user("a.director"), length=1, unit="months", reason="再延"
        )
    services.extend_deadline(
        review, actor=world.user("a.director"), length=10, unit="days", reason="院长批准"
    )
    assert [e.approver_title for e in review.extensions.all()] == ["院长", "院长"]


def test_completion_dates_are_checked(world: Any) -> None:
    deadline = make(world, "2026-11-02")
    with pytest.raises(ServiceError, match="早于起算日"):
        services.complete_deadline(deadline, actor=world.user("a.contact"), on=D("2026-11-01"))
    with pytest.raises(ServiceError, match="晚于今天"):
        services.complete_deadline(deadline, actor=world.user("a.contact"), on=D("2099-01-01"))


def test_the_calculator_counts_the_users_local_holidays(world: Any) -> None:
    services.save_holiday_year(
        actor=None, year=2026, entries=[Entry(D("2026-11-30"), False, "自治县假日")], court=world.courts["a"]
    )
    params = {"start": "2026-11-25", "length": 5, "unit": "days"}
    local = client_for(world, "a.contact").get(reverse("legaltime:calculator"), params).content.decode()
    other = client_for(world, "b.director").get(reverse("legaltime:calculator"), params).content.decode()
    assert "2026年12月1日" in local and "2026年11月30日</b>" in other


def test_due_soon_of_zero_working_days_does_not_crash(world: Any, settings: Any) -> None:
    settings.ZHIJIAN_DUE_SOON_WORKDAYS = 0
    deadline = make(world, "2026-11-16")
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), tick=False):
        assert services.deadline_status(deadline) == "due_soon"


def test_rule_versions_follow_the_start_date_property(world: Any, rules: None) -> None:
    """For any revision date and any start, the deadline uses version 2 exactly when the start
    falls on or after the revision date."""
    from django.db import transaction
    from hypothesis import given, settings
    from hypothesis import strategies as st

    dates = st.dates(min_value=dt.date(2017, 1, 1), max_value=dt.date(2026, 6, 30))

    @settings(max_examples=40, deadline=None)
    @given(effective=dates, start=dates)
    def check(effective: dt.date, start: dt.date) -> None:
        with transaction.atomic():
            rule = TimeLimitRule.objects.get(code="SUP_LETTER", version=1)
            services.revise_rule(rule, actor=None, effective_from=effective, reason="p", length=9)
            deadline = make(world, start.isoformat(), rule_code="SUP_LETTER")
            assert deadline.length == (9 if start >= effective else 5)
            transaction.set_rollback(True)

    check()


def test_recompute_after_a_holiday_change_property(world: Any) -> None:
    """Whatever single day is added as a holiday, every open deadline ends where a fresh
    computation on the new calendar says."""
    from django.db import transaction
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from zhijian.legaltime.periods import PeriodSpec, Unit, compute_due
    from zhijian.legaltime.views import existing_entries

    base = existing_entries(2026)
    starts = st.dates(min_value=dt.date(2026, 1, 2), max_value=dt.date(2026, 11, 30))

    @settings(max_examples=25, deadline=None)
    @given(
        holiday=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
        start=starts,
        length=st.integers(min_value=1, max_value=20),
    )
    def check(holiday: dt.date, start: dt.date, length: int) -> None:
        with transaction.atomic():
            deadline = make(world, start.isoformat(), length=length)
            entries = [e for e in base if e.date != holiday] + [Entry(holiday, False, "加")]
            services.save_holiday_year(actor=None, year=2026, entries=sorted(entries, key=lambda e: e.date))
            deadline.refresh_from_db()
            expected = compute_due(
                start, PeriodSpec(length, Unit.DAYS), services.build_calendar(), allow_provisional=True
            )
            assert (deadline.due_date, deadline.provisional) == (expected.due, expected.provisional)
            transaction.set_rollback(True)

    check()


def test_recompute_deadlines_command(world: Any, capsys: Any) -> None:
    from django.core.management import call_command

    deadline = make(world, "2026-11-16")
    Deadline.objects.filter(pk=deadline.pk).update(due_date=D("2026-01-01"))  # stale
    call_command("recompute_deadlines", "--json", reason="升级")
    assert json.loads(capsys.readouterr().out) == {"moved": 1}
    deadline.refresh_from_db()
    assert deadline.due_date == D("2026-11-23")
    assert AuditEvent.objects.filter(action="legaltime.calendar.recompute").exists()


def test_the_board_does_not_query_per_row(world: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        make(world, "2026-11-16", title=f"批量{i}")
    client = client_for(world, "city.director")
    client.get(reverse("legaltime:board"))  # warm the calendar cache
    with django_assert_max_num_queries(25):
        assert client.get(reverse("legaltime:board")).status_code == 200
