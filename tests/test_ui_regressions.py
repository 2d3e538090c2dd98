"""Problems found by clicking through the demo as court staff, kept fixed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhijian.core.exceptions import ServiceError
from zhijian.legaltime import services
from zhijian.legaltime.models import Deadline, TimeLimitRule
from zhijian.org import services as org_services

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_the_calculator_uses_the_version_in_force_on_the_start_date(world: Any) -> None:
    services.seed_rules()
    v1 = TimeLimitRule.objects.get(code="SUP_LETTER")
    services.revise_rule(v1, actor=None, effective_from=D("2099-01-01"), reason="将来", length=7)
    client = client_for(world, "city.officer")
    html = client.get(
        reverse("legaltime:calculator"), {"start": "2026-11-16", "rule": v1.pk}
    ).content.decode()
    assert "期间：5日" in html and "第1版" in html  # 11/21 Sat → 11/23
    # the dropdown offers the version in force today, and the list says what comes next
    form = client.get(reverse("legaltime:calculator")).content.decode()
    assert "作出督办函：5日" in form and "作出督办函：7日" not in form
    assert "自2099-01-01起施行" in client.get(reverse("legaltime:rule_list")).content.decode()
    assert v1.__class__.objects.get(pk=v1.pk).last_day == D("2098-12-31")


def test_date_inputs_are_prefilled_in_iso_format(world: Any) -> None:
    today = timezone.localdate().isoformat()
    for url in (reverse("legaltime:calculator"), reverse("legaltime:deadline_create")):
        html = client_for(world, "city.officer").get(url).content.decode()
        assert f'value="{today}"' in html and 'type="date"' in html


def test_absurd_dates_and_lengths_get_a_chinese_message_not_a_500(world: Any) -> None:
    client = client_for(world, "city.officer")
    response = client.get(
        reverse("legaltime:calculator"), {"start": "9999-12-20", "length": 1, "unit": "months"}
    )
    assert response.status_code == 200 and "须在2000年至2099年之间" in response.content.decode()
    response = client.post(
        reverse("legaltime:deadline_create"),
        {"title": "x", "start_date": "1900-01-01", "length": 5, "unit": "days"},
    )
    assert response.status_code == 200 and "须在2000年至2099年之间" in response.content.decode()
    with pytest.raises(ServiceError, match="期限长度须在"):
        services.calculate(D("2026-01-01"), length=50, unit="years")
    assert not Deadline.objects.exists()


def test_a_rule_and_a_typed_length_together_are_refused(world: Any) -> None:
    services.seed_rules()
    rule = TimeLimitRule.objects.get(code="SUP_LETTER")
    response = client_for(world, "city.officer").post(
        reverse("legaltime:deadline_create"),
        {"title": "x", "start_date": "2026-11-02", "rule": rule.pk, "length": 10, "unit": "days"},
    )
    assert "期限由规则决定" in response.content.decode() and not Deadline.objects.exists()


def test_a_negative_length_says_so_without_a_misleading_alert(world: Any) -> None:
    html = (
        client_for(world, "city.officer")
        .post(
            reverse("legaltime:deadline_create"),
            {"title": "x", "start_date": "2026-11-02", "length": -3, "unit": "days"},
        )
        .content.decode()
    )
    assert "请选择期限规则，或填写期限长度和单位" not in html and "大于或等于" in html


def test_after_logging_in_again_an_action_url_leads_back_to_its_page(world: Any) -> None:
    deadline = services.create_deadline(
        actor=None, title="x", court=world.courts["city"], start_date=D("2026-11-02"), length=5, unit="days"
    )
    url = reverse("legaltime:deadline_extend", args=[deadline.pk])
    response = Client().post(
        f"{reverse('accounts:login')}?next={url}",
        {"username": "city.director", "password": PASSWORD, "next": url},
    )
    assert response.status_code == 302 and response["Location"] == deadline.get_absolute_url()
    page = client_for(world, "city.director").get(url)
    html = page.content.decode()
    assert page.status_code == 405 and "请从页面上的按钮办理" in html and deadline.get_absolute_url() in html


def test_logout_says_so(world: Any) -> None:
    client = client_for(world, "city.officer")
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "您已安全退出登录" in response.content.decode()
    assert "<title>登录 · 执监</title>" in response.content.decode()


def test_an_empty_login_asks_for_both_fields(db: Any) -> None:
    html = Client().post(reverse("accounts:login"), {"username": "", "password": ""}).content.decode()
    assert "请输入用户名和密码" in html


def test_roles_must_fit_the_court(world: Any) -> None:
    handler = world.users["a.member"]
    with pytest.raises(ServiceError, match="不监督其他法院"):
        org_services.update_user(handler, actor=world.user("city.admin"), roles=["handler", "admin"])
    with pytest.raises(ServiceError, match="基层法院的角色"):
        org_services.update_user(world.users["city.member"], actor=None, roles=["contact"])
    client = client_for(world, "city.admin")
    data = {
        "username": handler.username,
        "full_name": handler.full_name,
        "court": handler.court_id,
        "is_active": "on",
    }
    html = client.post(f"/admin/org/user/{handler.pk}/change/", {**data, "roles": []}).content.decode()
    assert "请至少选择一个角色" in html
    html = client.post(
        f"/admin/org/user/{handler.pk}/change/", {**data, "roles": ["director"]}
    ).content.decode()
    assert "不监督其他法院" in html
    handler.refresh_from_db()
    handler.forget_cached_scope()
    assert handler.role_codes == {"handler"}


def test_dropdowns_have_a_chinese_blank_choice(world: Any) -> None:
    html = (
        client_for(world, "a.director")
        .get(reverse("org:court_contact", args=[world.courts["a"].pk]))
        .content.decode()
    )
    assert "Select an option" not in html
    services.seed_rules()
    rule = TimeLimitRule.objects.get(code="SUP_LETTER")
    html = (
        client_for(world, "city.admin").get(reverse("legaltime:rule_revise", args=[rule.pk])).content.decode()
    )
    assert "Select an option" not in html and "——请选择——" in html


def test_home_shows_the_previous_login_not_this_one(world: Any) -> None:
    client = Client()
    client.post(reverse("accounts:login"), {"username": "city.evaluator", "password": PASSWORD})
    assert "（首次登录）" in client.get("/").content.decode()
    again = Client()
    again.post(reverse("accounts:login"), {"username": "city.evaluator", "password": PASSWORD})
    assert "（首次登录）" not in again.get("/").content.decode()


def test_search_finds_deadlines_in_scope(world: Any) -> None:
    for key in ("a", "b"):
        services.create_deadline(
            actor=None,
            title=f"报告李某某案-{key}",
            court=world.courts[key],
            start_date=D("2026-11-02"),
            length=5,
            unit="days",
        )
    html = client_for(world, "a.contact").get(reverse("core:search"), {"q": "李某某"}).content.decode()
    assert "报告李某某案-a" in html and "报告李某某案-b" not in html


def test_suspension_and_resumption_cannot_be_dated_in_the_future(world: Any) -> None:
    today = timezone.localdate()
    deadline = services.create_deadline(
        actor=None,
        title="x",
        court=world.courts["a"],
        start_date=today - dt.timedelta(days=3),
        length=30,
        unit="days",
    )
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.suspend_deadline(deadline, actor=None, start=today + dt.timedelta(days=5), reason="x")
    services.suspend_deadline(deadline, actor=None, start=today, reason="中止")
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.resume_deadline(deadline, actor=None, end=today + dt.timedelta(days=1))


def test_board_export_is_readable(world: Any) -> None:
    import io

    from openpyxl import load_workbook

    services.create_deadline(
        actor=None,
        title="导出测试",
        court=world.courts["city"],
        start_date=D("2026-11-02"),
        length=5,
        unit="days",
    )
    response = client_for(world, "city.officer").get(reverse("legaltime:board_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width >= 40 and sheet["I1"].value == "中止自"


# --- second walkthrough ---------------------------------------------------------------------


def test_a_back_dated_suspension_of_an_overdue_deadline_needs_a_director(world: Any) -> None:
    today = timezone.localdate()
    deadline = services.create_deadline(
        actor=None, title="x", court=world.courts["a"], owner=world.user("a.contact"),
        start_date=today - dt.timedelta(days=40), length=20, unit="days",
    )  # fmt: skip
    assert deadline.due_date is not None and deadline.due_date < today
    with pytest.raises(Exception, match="须由局长办理"):
        services.suspend_deadline(
            deadline, actor=world.user("a.contact"), start=today - dt.timedelta(days=30), reason="补登"
        )
    services.suspend_deadline(
        deadline, actor=world.user("a.director"), start=today - dt.timedelta(days=30), reason="补登"
    )


def test_a_handler_cannot_extend_a_statutory_deadline_he_created(world: Any) -> None:
    services.seed_rules()
    handler = world.user("a.handler")
    deadline = services.create_deadline(
        actor=handler,
        title="x",
        court=world.courts["a"],
        owner=handler,
        start_date=D("2026-11-02"),
        rule_code="CASE_LIMIT",
    )
    with pytest.raises(Exception, match="局长"):
        services.extend_deadline(deadline, actor=handler, length=3, unit="months", reason="x")
    free = services.create_deadline(
        actor=handler,
        title="y",
        court=world.courts["a"],
        owner=handler,
        start_date=D("2026-11-02"),
        length=5,
        unit="days",
    )
    services.extend_deadline(free, actor=handler, length=1, unit="days", reason="自定期限可自行调整")


@pytest.mark.parametrize(
    ("start", "length", "unit"),
    [("2001-03-01", 5, "days"), ("2060-03-01", 1, "months"), ("2099-12-20", 5, "days")],
)
def test_dates_the_forms_accept_never_give_a_500(world: Any, start: str, length: int, unit: str) -> None:
    client = client_for(world, "city.officer")
    response = client.get(reverse("legaltime:calculator"), {"start": start, "length": length, "unit": unit})
    assert response.status_code == 200 and "暂定" in response.content.decode()
    response = client.post(
        reverse("legaltime:deadline_create"),
        {"title": f"远期{start}", "start_date": start, "length": length, "unit": unit},
    )
    assert response.status_code == 302
    assert Deadline.objects.get(title=f"远期{start}").provisional


def test_several_pending_versions_are_listed_and_revisions_follow_the_latest(world: Any) -> None:
    services.seed_rules()
    v1 = TimeLimitRule.objects.get(code="SUP_LETTER")
    v2, _ = services.revise_rule(v1, actor=None, effective_from=D("2098-01-01"), reason="a", length=7)
    services.revise_rule(v2, actor=None, effective_from=D("2099-01-01"), reason="b", length=8)
    html = client_for(world, "city.admin").get(reverse("legaltime:rule_list")).content.decode()
    assert "第2版（7日）自2098-01-01起施行" in html and "第3版（8日）自2099-01-01起施行" in html
    response = client_for(world, "city.admin").get(reverse("legaltime:rule_revise", args=[v1.pk]))
    latest = TimeLimitRule.objects.get(code="SUP_LETTER", version=3)
    assert response.status_code == 302 and response["Location"] == reverse(
        "legaltime:rule_revise", args=[latest.pk]
    )
    with pytest.raises(ServiceError, match="请在最新的第3版上修订"):
        services.revise_rule(v1, actor=None, effective_from=D("2099-06-01"), reason="c", length=9)


def test_extension_errors_are_specific_and_periods_read_as_months(world: Any) -> None:
    deadline = services.create_deadline(
        actor=None, title="x", court=world.courts["city"], owner=world.user("city.officer"),
        start_date=D("2026-11-02"), length=5, unit="days",
    )  # fmt: skip
    client = client_for(world, "city.director")
    url = reverse("legaltime:deadline_extend", args=[deadline.pk])
    page = client.post(url, {"length": 99999, "unit": "days", "reason": "x"}, follow=True).content.decode()
    assert "未延长。延长：" in page and "小于或等于" in page
    client.post(url, {"length": 1, "unit": "months", "reason": "院长批准"})
    html = client.get(deadline.get_absolute_url()).content.decode()
    assert "<td>1个月</td>" in html


def test_expedited_needs_a_rule(world: Any) -> None:
    response = client_for(world, "city.officer").post(
        reverse("legaltime:deadline_create"),
        {"title": "x", "start_date": "2026-11-02", "length": 5, "unit": "days", "expedited": "on"},
    )
    assert "特事特办只对按规则计算的期限有效" in response.content.decode() and not Deadline.objects.exists()


def test_relogin_explains_the_action_was_not_done(world: Any) -> None:
    deadline = services.create_deadline(
        actor=None, title="x", court=world.courts["city"], start_date=D("2026-11-02"), length=5, unit="days"
    )
    url = reverse("legaltime:deadline_extend", args=[deadline.pk])
    client = Client()
    response = client.post(
        f"{reverse('accounts:login')}?next={url}",
        {"username": "city.director", "password": PASSWORD, "next": url},
        follow=True,
    )
    assert "因登录超时没有办理" in response.content.decode()


def test_the_grant_form_keeps_what_was_typed_on_error(world: Any) -> None:
    client = client_for(world, "city.admin")
    response = client.post(
        "/admin/org/accessgrant/add/",
        {
            "user": world.users["b.member"].pk,
            "court": world.courts["a"].pk,
            "reason": "评查活动",
            "valid_from_0": "2026-12-01",
            "valid_from_1": "00:00:00",
            "valid_until_0": "2026-11-01",
            "valid_until_1": "00:00:00",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "失效时间必须晚于生效时间" in html and "评查活动" in html
