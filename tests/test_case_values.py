"""Values in case-flow exports: every date, amount, status and encoding form the issue names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhijian.cases.values import detect_encoding, header_unit_scale, parse_amount, parse_date, parse_status

D = dt.date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-03-07", D(2016, 3, 7)),
        ("2016/3/7", D(2016, 3, 7)),
        ("2016.3.7", D(2016, 3, 7)),
        ("2016年3月7日", D(2016, 3, 7)),
        ("2016-03-07 00:00:00", D(2016, 3, 7)),
        ("２０１６－０３－０７", D(2016, 3, 7)),  # full-width
        (" 2016-03-07 ", D(2016, 3, 7)),
        ("20160307", D(2016, 3, 7)),
        (42436, D(2016, 3, 7)),  # Excel serial
        ("42436", D(2016, 3, 7)),
        (dt.datetime(2016, 3, 7, 0, 0), D(2016, 3, 7)),
        (D(2016, 3, 7), D(2016, 3, 7)),
        ("", None),
        (None, None),
    ],
)
def test_dates(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-02-30", "不存在"),  # impossible: an error, never coerced
        ("2016-13-01", "不存在"),
        ("2016年2月30日", "不存在"),
        ("三月七日", "无法识别"),
        ("2016-3", "无法识别"),
        (42436.5, "无法识别"),
        (123, "无法识别"),
    ],
)
def test_bad_dates(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "header", "expected"),
    [
        ("1234.5", "申请执行标的", Decimal("1234.50")),
        ("1,234.50", "申请执行标的", Decimal("1234.50")),
        ("1234.50元", "申请执行标的", Decimal("1234.50")),
        ("￥1,234.50", "申请执行标的", Decimal("1234.50")),
        ("¥1234", "申请执行标的", Decimal("1234.00")),
        ("１２３４．５", "申请执行标的", Decimal("1234.50")),  # full-width digits
        ("12.5", "申请执行标的（万元）", Decimal("125000.00")),  # scaled by the header's unit
        ("12.5", "标的(万元)", Decimal("125000.00")),
        (3, "执行到位金额（元）", Decimal("3.00")),
        ("", "申请执行标的", None),
    ],
)
def test_amounts(value: object, header: str, expected: Decimal | None) -> None:
    assert parse_amount(value, header_unit_scale(header)) == expected


@pytest.mark.parametrize("value", ["一千元", "12.3.4", "-5", "abc", "1 2 3x"])
def test_bad_amounts(value: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(value)


def test_statuses() -> None:
    assert [parse_status(v) for v in ("未结案", "在办", "执行中", "已结案", "结案", "已执结")] == [
        "open",
        "open",
        "open",
        "concluded",
        "concluded",
        "concluded",
    ]
    assert parse_status("终本", {"终本": "concluded"}) == "concluded"  # an editable alias
    with pytest.raises(ValueError, match="无法识别的案件状态"):
        parse_status("搁置")


def test_encodings() -> None:
    text = "案号,立案日期\n（2016）吉0602执123号,2016-03-07\n"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(text.encode("gb18030")) == "gb18030"
    # a head cut in the middle of a multi-byte character
    assert detect_encoding(text.encode("utf-8")[:4]) == "utf-8"
    assert detect_encoding(text.encode("gb18030")[:3]) == "gb18030"
