"""Case numbers (案号) of enforcement cases: parse, validate, normalise. Pure Python.

Format (《关于人民法院案件案号的若干规定》, in force 2016-01-01; DOMAIN.md §7):
``（收案年度）法院代字 类型代字 案件编号 号``, e.g. ``（2016）吉0602执123号``.

Accepted loosely — full-width or half-width brackets and digits, 〔〕/［］ brackets, stray spaces —
and normalised to the canonical full-width-bracket form. Refused with a precise Chinese reason:
not an enforcement type (e.g. 民初), an unknown court code (the known ones are listed), a year
outside 2016 … the current year, a missing or zero sequence number, anything before or after.
Old-style numbers (…字第…号) are recognised as legacy: acceptable in related-case fields, refused
as a case's own number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

# 类型代字 of category 10 执行类案件 (DOMAIN.md §7.3)
ENFORCEMENT_TYPES: dict[str, str] = {
    "执": "首次执行",
    "执恢": "恢复执行",
    "执保": "财产保全执行",
    "执异": "执行异议",
    "执复": "执行复议",
    "执监": "执行监督",
    "执协": "执行协调",
    "执他": "其他执行",
}
FIRST_YEAR = 2016  # the format took effect on 2016-01-01

_BRACKETS = str.maketrans(
    {"〔": "(", "〕": ")", "［": "(", "］": ")", "[": "(", "]": ")", "【": "(", "】": ")"}
)
_SPACES = re.compile(r"\s+")
_LEGACY = re.compile(r"字第\d+号")
_SHAPE = re.compile(r"^(?P<pre>.*?)\((?P<year>\d+)\)(?P<body>.*)$")
# 法院代字: 最高法, or a province character with 0, 2 (intermediate) or 4 (basic) digits;
# 类型代字: Chinese characters other than 号.
_BODY = re.compile(
    r"^(?P<court>最高法|[\u4e00-\u9fff](?:\d{4}|\d{2})?)"
    r"(?P<type>(?:(?!号)[\u4e00-\u9fff])*)(?P<seq>\d*)(?P<hao>号?)(?P<rest>.*)$"
)


# Fast path: a number already in the canonical form (full-width brackets, ASCII digits, nothing
# else) and of an enforcement type. A match that passes the checks in ``parse`` is exactly what
# the full path returns; anything else takes the full path (and its precise reason).
_CANONICAL = re.compile(
    r"（(\d{4})）(最高法|[\u4e00-\u9fff](?:\d{4}|\d{2})?)(执[恢保异复监协他]?)(\d+)号", re.ASCII
)
# a text the full path would leave as it is apart from the brackets (already clean)
_CLEAN = re.compile(r"[（）0-9\u4e00-\u9fff]+", re.ASCII)


class CaseNumberError(ValueError):
    """A case number that cannot be accepted; ``reason`` is the Chinese explanation."""

    def __init__(self, reason: str, *, legacy: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.legacy = legacy


@dataclass(frozen=True)
class CaseNumber:
    year: int
    court_code: str
    type_code: str
    seq: int

    @property
    def normalized(self) -> str:
        return f"（{self.year}）{self.court_code}{self.type_code}{self.seq}号"

    @property
    def type_name(self) -> str:
        return ENFORCEMENT_TYPES[self.type_code]

    def __str__(self) -> str:
        return self.normalized


@dataclass(frozen=True)
class LegacyCaseNumber:
    """An old-style number (…字第…号): kept as text, e.g. as an original case number."""

    text: str

    @property
    def normalized(self) -> str:
        return self.text


def clean_text(text: str) -> str:
    """Full-width digits and brackets to half-width (NFKC), other brackets to (), no spaces."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "").translate(_BRACKETS))


def parse(
    text: str,
    *,
    known_courts: Mapping[str, str],
    current_year: int,
    allow_legacy: bool = False,
) -> CaseNumber | LegacyCaseNumber:
    """Parse ``text`` into a ``CaseNumber`` (or a ``LegacyCaseNumber`` with ``allow_legacy``).
    ``known_courts`` maps 法院代字 to court names. Raises ``CaseNumberError``."""
    fast = _canonical(text, known_courts, current_year)
    if fast is not None:
        return fast
    raw = (text or "").strip()
    value = clean_text(raw)
    if not value:
        raise CaseNumberError("案号为空。")
    if _LEGACY.search(value):
        if allow_legacy:
            return LegacyCaseNumber(raw)
        raise CaseNumberError(
            f"“{raw}”是2016年以前的旧式案号（……字第……号），只能作为关联案号或原案号，不能作为案件本身的案号。",
            legacy=True,
        )
    shape = _SHAPE.match(value)
    if shape is None:
        raise CaseNumberError(f"“{raw}”缺少用括号括起的收案年度，案号应形如“（2016）吉0602执123号”。")
    if shape["pre"]:
        raise CaseNumberError(f"案号前有多余的内容“{shape['pre']}”。")
    year = int(shape["year"])
    if len(shape["year"]) != 4 or not FIRST_YEAR <= year <= current_year:
        raise CaseNumberError(f"收案年度“{shape['year']}”不在{FIRST_YEAR}年至{current_year}年之间。")
    body = _BODY.match(shape["body"])
    if body is None or not body["court"]:
        raise CaseNumberError(f"年度之后应为法院代字（如“吉0602”），而不是“{shape['body'][:6]}”。")
    court, type_code, seq_text, hao, rest = (
        body["court"],
        body["type"],
        body["seq"],
        body["hao"],
        body["rest"],
    )
    if court not in known_courts:
        known = "、".join(sorted(known_courts, key=lambda c: (len(c), c)))
        raise CaseNumberError(f"法院代字“{court}”不是已知的法院。已知的法院代字：{known}。")
    if not type_code:
        raise CaseNumberError("缺少类型代字（如“执”“执恢”“执异”）。")
    if type_code not in ENFORCEMENT_TYPES:
        allowed = "、".join(ENFORCEMENT_TYPES)
        raise CaseNumberError(f"“{type_code}”不是执行类案件的类型代字（应为{allowed}之一）。")
    if not seq_text:
        raise CaseNumberError("缺少案件编号（类型代字之后的数字）。")
    seq = int(seq_text)
    if seq == 0:
        raise CaseNumberError("案件编号不能为0。")
    if not hao:
        raise CaseNumberError(f"案号应以“号”结尾{f'，而不是“{rest}”' if rest else ''}。")
    if rest:
        raise CaseNumberError(f"“号”之后有多余的内容“{rest}”。")
    return CaseNumber(year, court, type_code, seq)


def _canonical(text: str, known_courts: Mapping[str, str], current_year: int) -> CaseNumber | None:
    match = _CANONICAL.fullmatch(text) if text else None
    if match is None:
        return None
    year, court, type_code, seq = int(match[1]), match[2], match[3], int(match[4])
    if FIRST_YEAR <= year <= current_year and court in known_courts and seq:
        return CaseNumber(year, court, type_code, seq)
    return None


def related_number(text: str, *, known_courts: Mapping[str, str], current_year: int) -> str:
    """A related or original case number (关联案号/原案号, already stripped): normalised when it
    is an enforcement case number, kept as written otherwise (a legacy …字第…号, another type
    such as 民初, a court outside this installation)."""
    fast = _canonical(text, known_courts, current_year)
    if fast is not None:
        return fast.normalized
    if _CLEAN.fullmatch(text):
        return text  # clean and not a valid enforcement number: the full path would refuse it
    try:
        return parse(text, known_courts=known_courts, current_year=current_year, allow_legacy=True).normalized
    except CaseNumberError:
        return text
