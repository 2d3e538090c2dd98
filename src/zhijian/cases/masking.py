"""Masking of party identity and phone numbers (证件号码, 联系电话). Pure Python.

Pages, lists, exports and the API show only the masked form; the full value is shown on the
case page one value at a time, on request, and every such request is audited
(``cases.party.reveal``, see ``party_services.reveal_party``).

Rules (the value is NFKC-normalised and stripped of spaces and hyphens for the test, never
for display of the kept characters):

* **ID card, 18 characters** (17 digits and a digit or X): the first 6 (the region) and the last
  4 are kept, the 8 digits of the birth date are masked: ``220602********1234``.
* **ID card, 15 digits** (first generation): the first 6 and the last 3 are kept, the 6 digits
  of the birth date are masked: ``220602******123``.
* **Mobile phone** (11 digits beginning with 1, optionally after +86/86): the first 3 and the
  last 4 are kept: ``138****5678`` (the country prefix is dropped).
* **Anything else** (统一社会信用代码, passports, landlines …): the first 2 and the last 2
  characters are kept when at least 8 characters long (``91**************3X``); the first and the
  last one when 5 to 7 long; shorter values are masked entirely. At least half of any value is
  always masked.

A mask keeps the length of what it hides, so that a masked value still looks like its kind.
"""

from __future__ import annotations

import re
import unicodedata

MASK = "*"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")


def _clean(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-\u3000]", "", text).upper()


def _keep(text: str, head: int, tail: int) -> str:
    return text[:head] + MASK * (len(text) - head - tail) + (text[-tail:] if tail else "")


def mask_generic(value: str) -> str:
    """First 2 and last 2 of 8 or more characters, first and last of 5–7, nothing of fewer."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if len(text) >= 8:
        return _keep(text, 2, 2)
    if len(text) >= 5:
        return _keep(text, 1, 1)
    return MASK * len(text)


def mask_id_number(value: str) -> str:
    """A party's 证件号码, masked (see the module docstring)."""
    text = _clean(value)
    if not text:
        return ""
    if _ID18.match(text):
        return _keep(text, 6, 4)
    if _ID15.match(text):
        return _keep(text, 6, 3)
    return mask_generic(value)


def mask_phone(value: str) -> str:
    """A party's 联系电话, masked (see the module docstring)."""
    text = _clean(value)
    if not text:
        return ""
    mobile = _MOBILE.match(text)
    if mobile:
        return _keep(mobile.group(1), 3, 4)
    return mask_generic(value)


MASKERS = {"id_number": mask_id_number, "phone": mask_phone}
FIELD_LABELS = {"id_number": "证件号码", "phone": "联系电话"}


def mask(field: str, value: str) -> str:
    """Mask ``value`` of the party field ``field`` (``id_number`` or ``phone``)."""
    return MASKERS[field](value)
