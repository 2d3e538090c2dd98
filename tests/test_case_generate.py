"""Synthetic exports: deterministic, realistic, and importable by the real importer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zhijian.cases.generate import write_export
from zhijian.cases.models import CaseParty, EnforcementCase


def test_the_same_seed_gives_the_same_file(tmp_path: Path) -> None:
    a = write_export(tmp_path / "a.csv", 300, seed=7).read_bytes()
    b = write_export(tmp_path / "b.csv", 300, seed=7).read_bytes()
    c = write_export(tmp_path / "c.csv", 300, seed=8).read_bytes()
    assert a == b and a != c
    text = a.decode("gb18030")
    assert text.startswith("案号,立案日期,承办人") and text.count("\n") == 301


@pytest.mark.django_db(transaction=True)
def test_generated_cases_import_cleanly_across_the_seven_courts(capsys: Any, tmp_path: Path) -> None:
    from zhijian.cli import main
    from zhijian.legaltime.services import seed_rules
    from zhijian.org.loaders import load_default_courts

    load_default_courts()
    seed_rules()
    main(
        [
            "zhijian",
            "generate-cases",
            "--count",
            "700",
            "--seed",
            "3",
            "--output",
            str(tmp_path / "g.csv"),
            "--events",
            "--import",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert out["import"] == {"state": "done", "created": 700, "updated": 0, "rejected": 0}
    assert out["import_events"]["state"] == "done" and out["import_events"]["rejected"] == 0
    assert out["import_events"]["created"] > 400  # the 执/执恢 cases
    # events produce suspensions, petitions and node due dates; 执复 results mark 复议纠错
    assert EnforcementCase.objects.exclude(notice_due=None).exists()
    assert EnforcementCase.objects.filter(petition_count__gte=1).exists()
    assert EnforcementCase.objects.exclude(investigation_done_due=None).exists()
    assert CaseParty.objects.exclude(id_number="").exists()
    courts = set(EnforcementCase.objects.values_list("court__code", flat=True))
    assert courts == {"吉06", "吉0602", "吉0605", "吉0621", "吉0622", "吉0623", "吉0681"}
    assert (
        EnforcementCase.objects.filter(status="concluded").exists()
        and EnforcementCase.objects.filter(status="open").exists()
    )
    assert EnforcementCase.objects.exclude(limit_due=None).exists()
    handler = EnforcementCase.objects.exclude(handler=None).first()
    assert handler is not None and handler.handler is not None
    assert all("\u4e00" <= ch <= "\u9fff" for ch in handler.handler.name)  # a Chinese name
