"""Phase 1 of the case import: streaming the export and validating every row. No database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from zhijian.cases.rows import map_headers, rows_of, validate_case_row

COURTS = {"吉06": "白山中院", "吉0602": "浑江区法院", "吉0605": "江源区法院"}
HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（万元）,执行到位金额（元）,申请执行人,被执行人,执行依据类型,原案号,备注"
ROWS = [
    '（2016）吉0602执123号,2016-03-07,张三,已结案,2016/5/20,执行完毕,12.5,"125,000.00",王五；赵六,某某公司,民事判决,（2015）白山法民初字第88号,',
    '(2017)吉0605执恢8号,2017年9月1日,李四,执行中,,,"1,234.50",0,刘七,陈八,行政非诉,,',
]


def write_csv(tmp_path: Path, encoding: str, lines: list[str], bom: bool = False) -> Path:
    path = tmp_path / f"cases-{encoding}.csv"
    data = ("\n".join([HEADER, *lines]) + "\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def validate_all(path: Path) -> tuple[list, list]:
    headers, data = rows_of(path)
    good, errors = [], []
    for line, cells in data:
        row, errs = validate_case_row(line, cells, headers, known_courts=COURTS, current_year=2026)
        if row:
            good.append(row)
        errors.extend(errs)
    return good, errors


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)])
def test_every_encoding_reads_the_same(tmp_path: Path, encoding: str, bom: bool) -> None:
    good, errors = validate_all(write_csv(tmp_path, encoding, ROWS, bom))
    assert not errors
    first, second = good
    assert first.number.normalized == "（2016）吉0602执123号" and first.status == "concluded"
    assert first.amount_applied == Decimal("125000.00")  # 12.5 万元
    assert first.amount_recovered == Decimal("125000.00")
    assert first.applicants == ["王五", "赵六"] and first.respondents == ["某某公司"]
    assert first.original_number == "（2015）白山法民初字第88号"  # legacy kept as text
    assert second.number.normalized == "（2017）吉0605执恢8号" and second.non_litigation
    assert second.filed_on == dt.date(2017, 9, 1) and second.status == "open"


def test_xlsx_with_excel_dates_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    ws.append(
        [
            "（2016）吉0602执1号",
            dt.datetime(2016, 3, 7),
            "张三",
            "在办",
            None,
            None,
            3,
            0,
            "甲",
            "乙",
            None,
            None,
            None,
        ]
    )
    ws.append(
        [
            "（2016）吉0602执2号",
            42436,
            "张三",
            "结案",
            "2016-06-01 00:00:00",
            "终结本次执行程序",
            "1.5",
            100.5,
            "甲",
            "乙",
            None,
            None,
            None,
        ]
    )
    wb.save(path)
    good, errors = validate_all(path)
    assert not errors and [r.filed_on for r in good] == [dt.date(2016, 3, 7), dt.date(2016, 3, 7)]
    assert good[0].amount_applied == Decimal("30000.00") and good[1].amount_recovered == Decimal("100.50")
    # a business anomaly is kept on the row, not refused: 终本 within 3 months of filing
    assert any("终结本次执行程序" in a for a in good[1].anomalies)


def test_headers_by_alias_with_unknown_and_missing_columns() -> None:
    mapping = map_headers(
        [
            "执行案号",
            "立案时间",
            "承办法官",
            "状态",
            "结案时间",
            "结案方式",
            "标的额(元)",
            "到位金额",
            "申请人",
            "被执行人",
            "备注",
            "数据截至日期",
        ]
    )
    assert mapping.columns["number"] == "执行案号" and mapping.columns["amount_applied"] == "标的额(元)"
    assert mapping.unknown == ["备注"] and mapping.missing == []
    assert map_headers(["案号", "立案日期"]).missing[:2] == ["承办人", "案件状态"]


def test_every_bad_row_and_every_problem_is_reported(tmp_path: Path) -> None:
    bad = [
        ROWS[0],
        "（2016）吉0602民初12号,2025-02-30,,搁置,,,abc,,甲,乙,,,",  # wrong type, impossible date, bad status, bad amount
        "（2016）吉0699执5号,2016-03-07,张三,在办,,,1,0,甲,乙,,,",  # unknown court
        "（2016）吉0602执6号,2017-01-05,张三,在办,,,1,0,甲,乙,,,",  # filing year differs from the number
    ]
    good, errors = validate_all(write_csv(tmp_path, "gb18030", bad))
    assert len(good) == 1
    by_line: dict[int, list[str]] = {}
    for e in errors:
        by_line.setdefault(e.line, []).append(f"{e.column}:{e.reason}")
    assert sorted(by_line) == [3, 4, 5]
    line3 = " | ".join(by_line[3])
    for expected in (
        "“民初”不是执行类案件",
        "日期“2025-02-30”不存在",
        "无法识别的案件状态",
        "无法识别的金额",
    ):
        assert expected in line3, line3
    assert "法院代字“吉0699”" in by_line[4][0]
    assert "与案号年度（2016）不一致" in by_line[5][0]
    assert str(errors[0]).startswith("第 3 行“案号”列：")
    assert not any("承办人" in reason for reason in by_line[3]), "an empty handler is a fact, not an error"


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="文件是空的"):
        rows_of(path)
