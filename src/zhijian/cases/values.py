"""Parsing the values found in case-flow system exports. Pure Python.

Every parser returns the value or raises ``ValueError`` with a Chinese reason; an impossible
value (2025-02-30) is an error — never coerced, never blank.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?(?:\.0+)?)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?: 0?0:00(?::00)?)?$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug folded in)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(value: object) -> dt.date | None:
    """A date from an export cell: 2016-03-07, 2016/3/7, 2016.3.7, 2016年3月7日,
    ``2016-03-07 00:00:00``, 20160307, an Excel serial (42436) or a date/datetime object.
    Empty → None. Anything else, or a date that does not exist, raises ValueError."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        # fast path: 2016-03-07 (ASCII digits only; anything else, or no such date, goes on)
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = _nfkc(str(value))
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _excel_serial(float(text))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueError(f"日期“{value}”不存在") from None
    raise ValueError(f"无法识别的日期“{value}”（应为 2016-03-07、2016/3/7、2016年3月7日 等形式）")


def _excel_serial(serial: float) -> dt.date:
    if serial != int(serial) or not 20000 <= serial <= 80000:  # 1954 … 2119
        raise ValueError(f"无法识别的日期“{serial:g}”")
    return dt.date.fromordinal(EXCEL_EPOCH.toordinal() + int(serial))


_UNIT_SCALES = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000), "千元": Decimal(1000)}
_AMOUNT = re.compile(r"^[-+]?\d+(\.\d+)?$")
_PLAIN_AMOUNT = re.compile(r"\d+(?:\.\d+)?", re.ASCII)  # 1234.50: nothing to clean, not negative
_FEN = Decimal("0.01")


def header_unit_scale(header: str) -> Decimal:
    """标的（万元） → 10000; 标的(元) → 1; no unit → 1."""
    match = re.search(
        r"[(（]\s*(元|万元|亿元|千元)\s*[)）]", _nfkc(header).replace("(", "（").replace(")", "）")
    )
    return _UNIT_SCALES[match.group(1)] if match else Decimal(1)


def parse_amount(value: object, scale: Decimal = Decimal(1)) -> Decimal | None:
    """1234.5, 1,234.50, 1234.50元, ￥1,234.50, ¥1234, full-width digits; multiplied by the
    header's unit (万元 → ×10000). Empty → None. Result rounded to the fen (0.01)."""
    if value.__class__ is str and _PLAIN_AMOUNT.fullmatch(value):
        return (Decimal(value) * scale).quantize(_FEN)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"无法识别的金额“{value}”")
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
    else:
        text = _nfkc(str(value))
        if not text:
            return None
        text = text.replace(",", "").replace("，", "").replace(" ", "")
        text = re.sub(r"^[¥￥]", "", text)
        text = re.sub(r"(人民币)?元$", "", text)
        text = re.sub(r"^人民币", "", text)
        if not _AMOUNT.match(text):
            raise ValueError(f"无法识别的金额“{value}”")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"无法识别的金额“{value}”") from None
    if amount < 0:
        raise ValueError(f"金额不能为负数（“{value}”）")
    return (amount * scale).quantize(Decimal("0.01"))


STATUS_ALIASES = {
    "未结案": "open",
    "未结": "open",
    "在办": "open",
    "执行中": "open",
    "办理中": "open",
    "已结案": "concluded",
    "结案": "concluded",
    "已执结": "concluded",
    "已结": "concluded",
    "执结": "concluded",
}


def parse_status(value: object, aliases: Mapping[str, str] | None = None) -> str:
    if (
        value.__class__ is str
        and value
        and unicodedata.is_normalized("NFKC", value)
        and value == value.strip()
    ):
        # fast path: a value already in normal form, looked up as the full path would
        found = aliases.get(value) if aliases and value in aliases else STATUS_ALIASES.get(value)
        if found is not None:
            return found
    text = _nfkc(str(value or ""))
    table = {**STATUS_ALIASES, **(aliases or {})}
    if text in table:
        return table[text]
    raise ValueError(f"无法识别的案件状态“{value}”（可识别：{'、'.join(table)}）")


def detect_encoding(head: bytes) -> str:
    """UTF-8 with BOM, UTF-8, or GB18030 (what Chinese Excel writes), from the file's first
    bytes. A cut multi-byte character at the end of ``head`` is tolerated."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ValueError("无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8 和 GB18030/GBK）")
