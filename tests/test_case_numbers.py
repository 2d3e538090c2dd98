"""Case numbers (案号): every accepted form normalises; every rejected form says why in Chinese."""

from __future__ import annotations

import json
from typing import Any

import pytest

from zhijian.cases.numbers import CaseNumber, CaseNumberError, LegacyCaseNumber, parse

COURTS = {
    "吉": "吉林省高级人民法院",
    "吉06": "吉林省白山市中级人民法院",
    "吉0602": "白山市浑江区人民法院",
    "吉0681": "临江市人民法院",
}


def p(text: str, **kwargs: Any) -> CaseNumber | LegacyCaseNumber:
    return parse(text, known_courts=COURTS, current_year=2026, **kwargs)


@pytest.mark.parametrize(
    ("text", "normalized", "type_code", "seq"),
    [
        ("（2016）吉0602执123号", "（2016）吉0602执123号", "执", 123),  # canonical
        ("(2016)吉0602执123号", "（2016）吉0602执123号", "执", 123),  # half-width brackets
        ("（２０１６）吉０６０２执１２３号", "（2016）吉0602执123号", "执", 123),  # full-width digits
        (" ( 2016 ) 吉 0602 执 123 号 ", "（2016）吉0602执123号", "执", 123),  # stray spaces
        ("（2016）吉0602执\u3000123号", "（2016）吉0602执123号", "执", 123),  # ideographic space
        ("〔2020〕吉06执恢5号", "（2020）吉06执恢5号", "执恢", 5),  # 〔〕 brackets, intermediate court
        ("［2026］吉0681执保1号", "（2026）吉0681执保1号", "执保", 1),
        ("[2019]吉0602执异77号", "（2019）吉0602执异77号", "执异", 77),
        ("（2021）吉06执复3号", "（2021）吉06执复3号", "执复", 3),
        ("（2022）吉执监12号", "（2022）吉执监12号", "执监", 12),  # high court
        ("（2023）吉06执协2号", "（2023）吉06执协2号", "执协", 2),
        ("（2024）吉06执他9号", "（2024）吉06执他9号", "执他", 9),
        ("（2016）吉0602执0123号", "（2016）吉0602执123号", "执", 123),  # leading zero dropped
    ],
)
def test_accepted_forms_normalise(text: str, normalized: str, type_code: str, seq: int) -> None:
    number = p(text)
    assert isinstance(number, CaseNumber)
    assert (number.normalized, number.type_code, number.seq) == (normalized, type_code, seq)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "案号为空"),
        ("   ", "案号为空"),
        ("（2016）吉0602民初12号", "“民初”不是执行类案件的类型代字"),
        ("（2016）吉0602刑终1号", "“刑终”不是执行类案件的类型代字"),
        ("（2016）吉0602执行5号", "“执行”不是执行类案件的类型代字"),
        ("（2016）吉0699执5号", "法院代字“吉0699”不是已知的法院。已知的法院代字：吉、吉06、吉0602、吉0681"),
        ("（2016）京0101执5号", "法院代字“京0101”不是已知的法院"),
        ("（2015）吉0602执5号", "收案年度“2015”不在2016年至2026年之间"),
        ("（2027）吉0602执5号", "收案年度“2027”不在2016年至2026年之间"),
        ("（16）吉0602执5号", "收案年度“16”不在2016年至2026年之间"),
        ("（2016）吉0602执号", "缺少案件编号"),
        ("（2016）吉0602执0号", "案件编号不能为0"),
        ("（2016）吉0602执12", "案号应以“号”结尾"),
        ("（2016）吉0602执12号之一", "“号”之后有多余的内容“之一”"),
        ("（2016）吉0602执12号（补）", "“号”之后有多余的内容"),
        ("原（2016）吉0602执12号", "案号前有多余的内容“原”"),
        ("2016吉0602执12号", "缺少用括号括起的收案年度"),
        ("（2016）0602执12号", "年度之后应为法院代字"),
        ("（2016）吉060212号", "缺少类型代字"),
        ("（2014）吉0602执字第5号", "旧式案号"),
        ("(2010)白山法执字第123号", "旧式案号"),
    ],
)
def test_rejected_forms_say_why(text: str, reason: str) -> None:
    with pytest.raises(CaseNumberError) as exc:
        p(text)
    assert reason in exc.value.reason


def test_legacy_numbers_are_accepted_only_where_allowed() -> None:
    with pytest.raises(CaseNumberError) as exc:
        p("（2014）吉0602执字第5号")
    assert exc.value.legacy
    legacy = p("（2014）吉0602执字第5号", allow_legacy=True)
    assert isinstance(legacy, LegacyCaseNumber) and legacy.normalized == "（2014）吉0602执字第5号"
    # a modern number is still parsed normally where legacy is allowed
    assert isinstance(p("（2016）吉0602执1号", allow_legacy=True), CaseNumber)


@pytest.mark.django_db(transaction=True)
def test_cli_parses_and_refuses(capsys: Any) -> None:
    from zhijian.cli import main
    from zhijian.org.loaders import load_default_courts

    load_default_courts()
    main(["zhijian", "parse-case-number", "(2016)吉0602执１２３号", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "year": 2016,
        "court_code": "吉0602",
        "court": "白山市浑江区人民法院",
        "type_code": "执",
        "type": "首次执行",
        "seq": 123,
        "normalized": "（2016）吉0602执123号",
    }
    with pytest.raises(SystemExit) as exc:
        main(["zhijian", "parse-case-number", "（2016）吉0602民初12号"])
    assert exc.value.code == 2 and "不是执行类案件" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["zhijian", "parse-case-number", "（2016）吉0699执1号", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert exc.value.code == 2 and "吉0602" in out["error"]
