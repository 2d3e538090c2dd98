"""Revealing a party's masked identity or phone number, one value at a time, audited.

Who may: anyone who may see the case (court scoping, or a live 指定/提级执行 grant to a court
they see: the receiving court now enforces the case and must reach its parties) and whose
account is not read-only.
Seeing a party's full 证件号码 or 联系电话 is an act done for a purpose (contacting the party,
checking an identity), not browsing, so 院领导（查阅）and accounts without a role see only the
masked form. Every reveal is one audit event ``cases.party.reveal`` naming the case, the party
and the field — never the value; a reveal through a grant also names the granted court(s), and
is recorded in the case's court's log like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from zhijian.audit.services import record
from zhijian.core.access import NOT_FOUND
from zhijian.core.exceptions import ServiceError
from zhijian.org.scoping import is_read_only, visible_court_ids

from .access import cases_visible_to, seen_only_by_grant
from .masking import FIELD_LABELS
from .models import CaseParty, EnforcementCase

if TYPE_CHECKING:
    from zhijian.org.models import User

REVEAL_DENIED = "只读账号不能查看完整的证件号码和联系电话。"


def can_reveal(actor: User | None) -> bool:
    return actor is not None and not is_read_only(actor)


def reveal_party(party: CaseParty, *, actor: User, field: str) -> str:
    """The full value of ``party``'s ``field`` (``id_number`` or ``phone``), audited.

    Raises ``Http404`` when the actor may not see the case, ``PermissionDenied`` for a read-only
    account, ``ServiceError`` for an unknown field or an empty value."""
    if field not in FIELD_LABELS:
        raise ServiceError("未知的字段。")
    if not cases_visible_to(actor).filter(pk=party.case_id).exists():
        raise Http404(NOT_FOUND)
    if not can_reveal(actor):
        raise PermissionDenied(REVEAL_DENIED)
    value: str = getattr(party, field)
    if not value:
        raise ServiceError(f"该当事人没有{FIELD_LABELS[field]}。")
    case = EnforcementCase.objects.select_related("court").get(pk=party.case_id)
    after: dict[str, Any] = {
        "party": party.pk,
        "party_name": party.name,
        "role": party.get_role_display(),
        "field": field,
        "field_label": FIELD_LABELS[field],
    }
    if seen_only_by_grant(actor, case):
        after["via_grant"] = sorted(
            case.grants.live()
            .filter(court_id__in=visible_court_ids(actor))
            .values_list("court__short_name", flat=True)
        )
    with transaction.atomic():
        record("cases.party.reveal", actor=actor, target=case, court=case.court, after=after)
    return value
