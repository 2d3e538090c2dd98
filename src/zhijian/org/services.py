"""Every change to courts, users, roles, designated contacts, persons and grants.

Each function checks the actor's permission, writes the change and its audit event in one
transaction. ``actor=None`` is the system itself (demo loader, management commands); views and
the admin always pass the signed-in user.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhijian.audit.services import record, snapshot
from zhijian.core.exceptions import ServiceError

from .choices import Role
from .models import AccessGrant, Court, CourtLevel, Person, RoleAssignment, User
from .scoping import administered_court_ids, is_system_admin

COURT_FIELDS = (
    "code",
    "name",
    "short_name",
    "level",
    "division_code",
    "parent",
    "supervisor",
    "is_active",
    "sort_order",
)
USER_FIELDS = (
    "username",
    "full_name",
    "court",
    "phone",
    "title",
    "email",
    "is_active",
    "is_staff",
    "is_demo",
)


# --- permission predicates --------------------------------------------------------------------


def can_administer(actor: User | None, court: Court | None) -> bool:
    """System administrators administer their court and the courts below it."""
    if actor is None or actor.is_superuser:
        return True
    if court is None or not actor.has_role(Role.ADMIN):
        return False
    return court.pk in administered_court_ids(actor)


def _require_can_manage_user(actor: User | None, user: User) -> None:
    _require(can_administer(actor, user.court))
    if user.is_superuser and not (actor is None or actor.is_superuser):
        raise PermissionDenied("只有超级管理员可以管理超级管理员账号。")


def can_designate_contact(actor: User | None, court: Court) -> bool:
    """Art. 4: the basic court's own 执行局长 designates its contact; administrators may too."""
    if can_administer(actor, court):
        return True
    assert actor is not None
    return actor.court_id == court.pk and actor.has_role(Role.BASIC_DIRECTOR)


def _require(allowed: bool, message: str = "您无权执行此操作。") -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- courts -----------------------------------------------------------------------------------


def _validate_court_links(court: Court) -> None:
    for field in ("parent", "supervisor"):
        seen: set[int] = set()
        node = getattr(court, field)
        while node is not None:
            if node.pk == court.pk or node.pk in seen:
                raise ServiceError("上级法院或监督法院不能形成循环。", field=field)
            seen.add(node.pk)
            node = getattr(node, field)


def create_court(*, actor: User | None, **fields: Any) -> Court:
    supervisor = fields.get("supervisor")
    _require(actor is None or actor.is_superuser or can_administer(actor, supervisor))
    with transaction.atomic():
        court = Court(**fields)
        try:
            court.full_clean()
        except ValidationError as exc:
            raise ServiceError("".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        court.save()
        record("org.court.create", actor=actor, target=court, after=snapshot(court, COURT_FIELDS))
    return court


def update_court(court: Court, *, actor: User | None, reason: str = "", **changes: Any) -> Court:
    _require(can_administer(actor, court))
    if "code" in changes and changes["code"] != court.code and not (actor is None or is_system_admin(actor)):
        # ZHIJIAN_HOME_COURTS names courts by code: renaming a code is a system-wide change.
        raise PermissionDenied("法院代字只能由本系统所属法院的系统管理员修改。")
    if "supervisor" in changes and changes["supervisor"] != court.supervisor:
        # Moving a court in the supervision tree changes who may see it: administrators of the
        # court's current supervisor cannot hand it elsewhere; only a superuser or the system may.
        _require(actor is None or actor.is_superuser, "只有超级管理员可以变更监督关系。")
    with transaction.atomic():
        court = Court.objects.select_for_update().get(pk=court.pk)
        before = snapshot(court, COURT_FIELDS)
        for name, value in changes.items():
            if name not in COURT_FIELDS:
                raise ServiceError(f"字段 {name} 不能在此修改。")
            setattr(court, name, value)
        try:
            court.full_clean()
        except ValidationError as exc:
            raise ServiceError("".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        _validate_court_links(court)
        after = snapshot(court, COURT_FIELDS)
        if after == before:
            return court
        court.save()
        record("org.court.update", actor=actor, target=court, before=before, after=after, reason=reason)
    return court


def delete_court(court: Court, *, actor: User | None) -> None:
    _require(actor is None or actor.is_superuser, "只有超级管理员可以删除法院。")
    with transaction.atomic():
        if court.users.exists() or court.supervised.exists() or court.children.exists():
            raise ServiceError("该法院仍有用户或下级法院，不能删除；可将其停用。")
        before = snapshot(court, COURT_FIELDS)
        supervisor, label, pk = court.supervisor, str(court), court.pk
        _delete(court)
        record(
            "org.court.delete", actor=actor, court=supervisor, before={**before, "id": pk}, target_repr=label
        )


def _delete(obj: Any) -> None:
    """Delete, turning a protected reference into a Chinese refusal (the transaction rolls back)."""
    from django.db.models import ProtectedError, RestrictedError

    try:
        obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ServiceError("该对象仍被其他记录引用，不能删除；可将其停用。") from exc


def ensure_level(code: str, name: str, rank: int) -> CourtLevel:
    level, _ = CourtLevel.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
    return level


def set_designated_contact(
    court: Court, *, actor: User | None, contact: User | None, deputy: User | None = None, reason: str = ""
) -> Court:
    """Designate the court's 执行监督联络专人 (Art. 4) and optional deputy."""
    _require(can_designate_contact(actor, court), "只有本院执行局长或系统管理员可以指定联络专人。")
    if not court.is_basic and (contact is not None or deputy is not None):
        raise ServiceError("第四条的执行监督联络专人只在基层法院指定。")
    for person, label in ((contact, "联络专人"), (deputy, "联络专人（副）")):
        if person is None:
            continue
        if person.court_id != court.pk:
            raise ServiceError(f"{label}必须是{court.short_name}的用户。")
        if not person.is_active:
            raise ServiceError(f"{label}的账号已停用。")
    if contact is not None and deputy is not None and contact.pk == deputy.pk:
        raise ServiceError("联络专人与副联络专人不能是同一人。")
    with transaction.atomic():
        court = Court.objects.select_for_update().get(pk=court.pk)
        before = snapshot(court, ("contact", "deputy_contact"))
        court.contact = contact
        court.deputy_contact = deputy
        after = snapshot(court, ("contact", "deputy_contact"))
        if before == after:
            return court
        court.save(update_fields=["contact", "deputy_contact"])
        granted = []
        for person in (contact, deputy):
            if person is not None and not person.has_role(Role.CONTACT):
                RoleAssignment.objects.get_or_create(user=person, role=Role.CONTACT)
                person.forget_cached_scope()
                granted.append(person.username)
        if granted:
            after["contact_role_granted_to"] = granted
        record("org.court.contact", actor=actor, target=court, before=before, after=after, reason=reason)
        from .signals import contact_changed

        # the supervision app moves open items to the new contact in this same transaction
        contact_changed.send(sender=Court, court=court)
    return court


# --- users and roles --------------------------------------------------------------------------


# Roles that belong to a court supervising others (a city court), and to a basic court.
SUPERVISOR_COURT_ROLES = {
    Role.OFFICER,
    Role.DIRECTOR,
    Role.EVALUATOR,
    Role.LEADER,
    Role.PRESIDENT,
    Role.ADMIN,
}
BASIC_COURT_ROLES = {Role.CONTACT, Role.BASIC_DIRECTOR}


def _clean_roles(roles: Iterable[str], court: Court | None = None) -> set[str]:
    result = set()
    for role in roles:
        if role not in Role.values:
            raise ServiceError(f"未知角色：{role}")
        result.add(role)
    if court is not None:
        supervises = court.supervised.exists()
        wrong = [Role(r).label for r in sorted(result) if (r in SUPERVISOR_COURT_ROLES and not supervises)]
        if wrong:
            raise ServiceError(
                f"{court.short_name}不监督其他法院，不能授予：{'、'.join(wrong)}。", field="roles"
            )
        wrong = [Role(r).label for r in sorted(result) if r in BASIC_COURT_ROLES and not court.is_basic]
        if wrong:
            raise ServiceError(
                f"{'、'.join(wrong)}是基层法院的角色，不能授予{court.short_name}的用户。", field="roles"
            )
    return result


def _user_snapshot(user: User) -> dict[str, Any]:
    data = snapshot(user, USER_FIELDS)
    data["roles"] = sorted(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    return data


def create_user(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    court: Court | None,
    roles: Iterable[str] = (),
    password: str | None = None,
    check_password: bool = True,
    **fields: Any,
) -> User:
    _require(can_administer(actor, court) or (actor is not None and actor.is_superuser))
    role_set = _clean_roles(roles, court)
    if court is None and not fields.get("is_superuser"):
        raise ServiceError("用户必须属于一个法院。", field="court")
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(f"用户名“{username}”已被使用。", field="username")
    with transaction.atomic():
        user = User(username=username, full_name=full_name, court=court, **fields)
        user.is_staff = user.is_staff or Role.ADMIN in role_set
        if password:
            if check_password:
                try:
                    validate_password(password, user)
                except ValidationError as exc:
                    raise ServiceError("".join(exc.messages), field="password") from exc
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        RoleAssignment.objects.bulk_create(RoleAssignment(user=user, role=r) for r in sorted(role_set))
        record("org.user.create", actor=actor, target=user, after=_user_snapshot(user))
    return user


def update_user(
    user: User, *, actor: User | None, roles: Iterable[str] | None = None, reason: str = "", **changes: Any
) -> User:
    _require_can_manage_user(actor, user)
    if "court" in changes and changes["court"] != user.court:
        _require(can_administer(actor, changes["court"]), "您无权把用户调入该法院。")
    if actor is not None and actor.pk == user.pk and changes.get("is_active") is False:
        raise ServiceError("不能停用自己的账号。")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = _user_snapshot(user)
        for name, value in changes.items():
            if name not in USER_FIELDS:
                raise ServiceError(f"字段 {name} 不能在此修改。")
            setattr(user, name, value)
        if roles is not None:
            role_set = _clean_roles(roles, user.court)
            if (
                actor is not None
                and actor.pk == user.pk
                and Role.ADMIN not in role_set
                and not actor.is_superuser
            ):
                raise ServiceError("不能取消自己的系统管理员角色。")
            RoleAssignment.objects.filter(user=user).exclude(role__in=role_set).delete()
            existing = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
            RoleAssignment.objects.bulk_create(
                RoleAssignment(user=user, role=r) for r in sorted(role_set - existing)
            )
            user.is_staff = Role.ADMIN in role_set or user.is_superuser
        user.save()
        user.forget_cached_scope()
        if not user.is_active or before["court"] != user.court_id:
            # a designated contact who leaves the court or is disabled no longer holds the post
            kept = [user.court_id] if user.is_active and user.court_id is not None else []
            for field in ("contact", "deputy_contact"):
                for court in Court.objects.filter(**{field: user}).exclude(pk__in=kept):
                    Court.objects.filter(pk=court.pk).update(**{field: None})
                    record(
                        "org.court.contact",
                        actor=actor,
                        target=court,
                        before={field: user.pk},
                        after={field: None},
                        reason="联络专人调离或停用",
                    )
        after = _user_snapshot(user)
        if after != before:
            record("org.user.update", actor=actor, target=user, before=before, after=after, reason=reason)
    return user


def set_user_password(user: User, *, actor: User | None, password: str, reason: str = "") -> User:
    """Set a password (an administrator's reset, or the user's own change). Never audited in clear."""
    own = actor is not None and actor.pk == user.pk
    if not own:
        _require_can_manage_user(actor, user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("".join(exc.messages), field="password") from exc
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(
            "accounts.password.change" if own else "org.user.password_reset",
            actor=actor,
            target=user,
            reason=reason,
        )
    return user


def delete_user(user: User, *, actor: User | None) -> None:
    _require_can_manage_user(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise ServiceError("不能删除自己的账号。")
    with transaction.atomic():
        before = _user_snapshot(user)
        court, label, pk = user.court, str(user), user.pk
        _delete(user)
        record(
            "org.user.delete", actor=actor, court=court, before=before, target_repr=label, deleted=(user, pk)
        )


# --- persons (people who appear in case data) -------------------------------------------------


def create_person(*, actor: User | None, court: Court, name: str, note: str = "") -> Person:
    _require(can_administer(actor, court))
    name = name.strip()
    if not name:
        raise ServiceError("姓名不能为空。", field="name")
    with transaction.atomic():
        person = Person.objects.create(court=court, name=name, note=note)
        record(
            "org.person.create", actor=actor, target=person, after=snapshot(person, ("court", "name", "note"))
        )
    return person


def link_person(person: Person, *, actor: User | None, user: User | None, reason: str = "") -> Person:
    """Link a case-data person to a login account of the same court (or unlink with None)."""
    _require(can_administer(actor, person.court))
    if user is not None and user.court_id != person.court_id:
        raise ServiceError("只能关联同一法院的账号。")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = snapshot(person, ("user", "name", "note"))
        if user is not None and Person.objects.filter(user=user).exclude(pk=person.pk).exists():
            raise ServiceError("该账号已关联到另一人员。")
        person.user = user
        person.save(update_fields=["user"])
        record(
            "org.person.link",
            actor=actor,
            target=person,
            before=before,
            after=snapshot(person, ("user", "name", "note")),
            reason=reason,
        )
    return person


def update_person(person: Person, *, actor: User | None, reason: str = "", **changes: Any) -> Person:
    _require(can_administer(actor, person.court))
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = snapshot(person, ("name", "note"))
        for name, value in changes.items():
            if name not in ("name", "note"):
                raise ServiceError(f"字段 {name} 不能在此修改。")
            setattr(person, name, value)
        person.save()
        after = snapshot(person, ("name", "note"))
        if after != before:
            record("org.person.update", actor=actor, target=person, before=before, after=after, reason=reason)
    return person


def delete_person(person: Person, *, actor: User | None) -> None:
    _require(can_administer(actor, person.court))
    with transaction.atomic():
        before = snapshot(person, ("court", "name", "user"))
        court, label, pk = person.court, str(person), person.pk
        _delete(person)
        record(
            "org.person.delete",
            actor=actor,
            court=court,
            before=before,
            target_repr=label,
            deleted=(person, pk),
        )


PERSON_FIELDS = ("court", "name", "note", "user")
MAX_AUDITED_NUMBERS = 200
_NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _case_model() -> Any:
    """``cases.EnforcementCase``, imported lazily: org must not import cases at module level."""
    from zhijian.cases.models import EnforcementCase

    return EnforcementCase


def person_case_counts(person_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Person id → (cases as handler, of which flagged 承办人同名待核)."""
    from django.db.models import Count, Q

    rows = (
        _case_model()
        .objects.filter(handler_id__in=list(person_ids))
        .values("handler_id")
        .annotate(n=Count("id"), ambiguous=Count("id", filter=Q(handler_ambiguous=True)))
        .order_by()
    )
    return {row["handler_id"]: (row["n"], row["ambiguous"]) for row in rows}


def merge_persons(keep: Person, other: Person, *, actor: User | None, reason: str = "") -> int:
    """Merge ``other`` into ``keep`` (the same person recorded twice): every case with handler
    ``other`` moves to ``keep``, ``keep`` takes over ``other``'s login account if it has none,
    and ``other`` is deleted. Returns the number of cases moved."""
    _require(can_administer(actor, keep.court) and can_administer(actor, other.court))
    if keep.pk == other.pk:
        raise ServiceError("不能把人员与自己合并。", field="other")
    if keep.court_id != other.court_id:
        raise ServiceError("只能合并同一法院的人员。", field="other")
    with transaction.atomic():
        locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, other.pk])}
        if len(locked) != 2:
            raise ServiceError("该人员已被合并或删除，请刷新页面。")
        keep, other = locked[keep.pk], locked[other.pk]
        if keep.user_id and other.user_id and keep.user_id != other.user_id:
            raise ServiceError(
                "两人分别关联了不同的登录账号，不能合并；如确为同一人，请先取消其中一人的账号关联。",
                field="other",
            )
        kept_before, merged_before = snapshot(keep, PERSON_FIELDS), snapshot(other, PERSON_FIELDS)
        moved = int(
            _case_model().objects.filter(handler=other).update(handler=keep, updated_at=timezone.now())
        )
        if other.user_id and not keep.user_id:
            account = other.user
            other.user = None
            other.save(update_fields=["user"])
            keep.user = account
            keep.save(update_fields=["user"])
        other_pk, label = other.pk, str(other)
        _delete(other)
        record(
            "org.person.merge",
            actor=actor,
            target=keep,
            before={"kept": kept_before, "merged": {**merged_before, "id": other_pk, "label": label}},
            after={**snapshot(keep, PERSON_FIELDS), "merged_id": other_pk, "cases_moved": moved},
            reason=reason,
        )
    return moved


def parse_case_numbers(text: str) -> list[str]:
    """Case numbers pasted one per line (or separated by commas, 、 or ；), normalised as stored:
    full-width brackets, no spaces, full-width digits made half-width."""
    from zhijian.cases.numbers import clean_text

    numbers: list[str] = []
    for part in _NUMBER_SEPARATORS.split(text or ""):
        number = clean_text(part).replace("(", "（").replace(")", "）")
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def split_person(
    person: Person,
    *,
    actor: User | None,
    note: str,
    case_ids: Iterable[int] = (),
    case_numbers: Iterable[str] = (),
    reason: str = "",
) -> tuple[Person, int]:
    """Two people of the same name at one court were recorded as one: create a new person with
    the same name and a distinguishing ``note``, and move the chosen cases of ``person`` (by id,
    or by case number) to it, clearing their 承办人同名待核 flag. Returns (new person, moved)."""
    _require(can_administer(actor, person.court))
    note = " ".join((note or "").split())
    if not note:
        raise ServiceError("请填写新人员的备注（如所在团队、工号），以区分同名的两人。", field="note")
    if len(note) > 200:
        raise ServiceError("备注不能超过 200 个字。", field="note")
    ids = {int(i) for i in case_ids}
    numbers = list(dict.fromkeys(case_numbers))
    if not ids and not numbers:
        raise ServiceError("请勾选或粘贴要移到新人员名下的案件。", field="cases")
    EnforcementCase = _case_model()
    with transaction.atomic():
        person = Person.objects.select_for_update().select_related("court").get(pk=person.pk)
        if note == person.note:
            raise ServiceError("新人员的备注与原人员相同，请填写能区分两人的备注。", field="note")
        from django.db.models import Q

        chosen = EnforcementCase.objects.filter(handler=person).filter(Q(pk__in=ids) | Q(number__in=numbers))
        found = dict(chosen.values_list("number", "pk"))
        missing = [n for n in numbers if n not in found]
        if missing:
            shown = "、".join(missing[:10]) + (f" 等 {len(missing)} 个" if len(missing) > 10 else "")
            raise ServiceError(f"以下案号不是{person.name}承办的案件：{shown}。", field="cases")
        if ids - set(found.values()):
            raise ServiceError("勾选的案件已不在该人员名下，请刷新页面后重新选择。", field="cases")
        new = Person.objects.create(court=person.court, name=person.name, note=note)
        moved_numbers = sorted(found)
        moved = int(
            EnforcementCase.objects.filter(pk__in=found.values()).update(
                handler=new, handler_ambiguous=False, updated_at=timezone.now()
            )
        )
        record(
            "org.person.split",
            actor=actor,
            target=new,
            before={"person": person.pk, "name": person.name, "note": person.note},
            after={
                **snapshot(new, PERSON_FIELDS),
                "split_from": person.pk,
                "cases_moved": moved,
                "case_numbers": moved_numbers[:MAX_AUDITED_NUMBERS],
            },
            reason=reason,
        )
    return new, moved


# --- grants -----------------------------------------------------------------------------------

GRANT_FIELDS = ("user", "court", "allow_write", "reason", "valid_from", "valid_until", "revoked_at")


def create_grant(
    *,
    actor: User | None,
    user: User,
    court: Court,
    reason: str,
    valid_until: dt.datetime,
    valid_from: dt.datetime | None = None,
    allow_write: bool = False,
) -> AccessGrant:
    """Extend ``user``'s visibility to ``court`` until ``valid_until``. The granting
    administrator must administer the court being opened."""
    _require(can_administer(actor, court), "您只能授权查看您管理范围内的法院。")
    valid_from = valid_from or timezone.now()
    if not reason.strip():
        raise ServiceError("请填写授权事由。", field="reason")
    if valid_until <= valid_from:
        raise ServiceError("失效时间必须晚于生效时间。", field="valid_until")
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            user=user,
            court=court,
            reason=reason.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            allow_write=allow_write,
            granted_by=actor,
        )
        record(
            "org.grant.create", actor=actor, target=grant, court=court, after=snapshot(grant, GRANT_FIELDS)
        )
    user.forget_cached_scope()
    return grant


def revoke_grant(grant: AccessGrant, *, actor: User | None, reason: str = "") -> AccessGrant:
    _require(can_administer(actor, grant.court))
    with transaction.atomic():
        updated = AccessGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated != 1:
            raise ServiceError("该授权已被撤销。")
        grant.refresh_from_db()
        record(
            "org.grant.revoke",
            actor=actor,
            target=grant,
            court=grant.court,
            after=snapshot(grant, GRANT_FIELDS),
            reason=reason,
        )
    return grant
