"""What a walk through the pages as court users found: search without brackets, a clear year
filter, an evaluator's starting view, a refused decision that keeps the form, scans after an
import, the case's own candidates, and home warnings that count cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhijian.cases.importer import import_file
from zhijian.cases.models import EnforcementCase, ScanCandidate
from zhijian.cases.scans import run_scans
from zhijian.legaltime.services import seed_rules

pytestmark = pytest.mark.django_db
HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的,执行到位金额,申请执行人,被执行人"


def make(world: Any, key: str, seq: int, **columns: Any) -> EnforcementCase:
    court = world.courts[key]
    return EnforcementCase.objects.create(
        number=f"（2026）{court.code}执{seq}号", year=2026, court=court, type_code="执", seq=seq,
        status="open", filed_on=dt.date(2026, 3, 2), **columns,
    )  # fmt: skip


def login(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_case_numbers_without_brackets_are_found_and_a_bad_year_is_explained(world: Any) -> None:
    make(world, "a", 1234)
    client = login(world, "a.handler")
    page = client.get(reverse("cases:case_list"), {"q": "2026测0101执1234"}).content.decode()
    assert "（2026）测0101执1234号" in page
    page = client.get(reverse("cases:case_list"), {"year": "abc"}).content.decode()
    assert "收案年度应为四位数字" in page
    page = client.get(reverse("cases:case_list"), {"year": "2026年"}).content.decode()
    assert "（2026）测0101执1234号" in page and "收案年度应为四位数字" not in page
    hits = client.get(reverse("core:search"), {"q": "2026测0101执1234"}).content.decode()
    assert "（2026）测0101执1234号" in hits


def test_an_evaluator_starts_with_the_art13_lists(world: Any) -> None:
    make(world, "a", 1, limit_due=dt.date(2026, 9, 2))
    make(world, "a", 2, petition_count=2, last_petition_on=dt.date(2026, 10, 1))
    run_scans(today=dt.date(2026, 11, 28))
    page = login(world, "city.evaluator").get(reverse("cases:scan")).content.decode()
    assert "（2026）测0101执2号" in page and "（2026）测0101执1号" not in page
    assert "列入重点评查" in page
    page = login(world, "city.officer").get(reverse("cases:scan")).content.decode()
    assert "（2026）测0101执1号" in page and "（2026）测0101执2号" in page


def test_a_refused_dismissal_keeps_the_choice_and_the_ticks(world: Any) -> None:
    make(world, "a", 1, limit_due=dt.date(2026, 9, 2))
    run_scans(today=dt.date(2026, 11, 28))
    pk = ScanCandidate.objects.get().pk
    client = login(world, "city.officer")
    response = client.post(
        reverse("cases:scan_decide"),
        {"ids": [pk], "decision": "dismissed", "scope": "selected", "reason": "", "back": "state=new"},
    )
    assert "d=dismissed" in response["Location"] and f"sel={pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "排除线索须填写理由" in page
    assert f'value="{pk}" aria-label="选择 （2026）测0101执1号" checked' in page
    assert '<option value="dismissed" selected>' in page
    ok = client.post(reverse("cases:scan_decide"), {"ids": [pk], "decision": "dismissed", "reason": "已和解"})
    assert "已排除 1 条线索" in client.get(ok["Location"]).content.decode()


def test_an_import_runs_the_scans_and_the_case_page_lists_its_candidates(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    seed_rules()
    path = tmp_path / "c.csv"
    path.write_bytes((HEADER + "\n（2025）测0101执9号,2025-03-03,张三,在办,,,1,0,甲,乙\n").encode("gb18030"))
    with django_capture_on_commit_callbacks(execute=True):
        import_file(path, actor=world.user("a.handler"))
    case = EnforcementCase.objects.get()
    assert set(ScanCandidate.objects.filter(case=case).values_list("rule", flat=True)) >= {"art7a"}
    page = login(world, "a.handler").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'id="case-candidates"' in page and "超过执行期限未执结" in page


def test_basic_court_warnings_count_cases_not_candidates(world: Any) -> None:
    make(
        world,
        "a",
        1,
        limit_due=dt.date(2026, 9, 2),
        notice_due=dt.date(2026, 3, 12),
        events_as_of=dt.date(2026, 11, 1),
    )
    make(world, "a", 2, petition_count=2, last_petition_on=dt.date(2026, 10, 1))
    run_scans(today=dt.date(2026, 11, 28))
    assert ScanCandidate.objects.count() == 3
    page = login(world, "a.director").get(reverse("core:home")).content.decode()
    assert "本院有 1 件案件被检测为超期未执结、应作未作或久拖不结" in page
