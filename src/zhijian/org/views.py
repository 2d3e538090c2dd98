from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from zhijian.core.access import NOT_FOUND, acting_user, view_access
from zhijian.core.exceptions import ServiceError

from . import services
from .access import access_court, access_user
from .choices import Role
from .forms import DesignateContactForm
from .models import Court, Person, User
from .scoping import administered_court_ids


@view_access()
def court_list(request: HttpRequest) -> HttpResponse:
    courts = (
        Court.objects.visible_to(request.user)
        .select_related("level", "supervisor", "contact", "deputy_contact")
        .annotate(user_count=Count("users", filter=Q(users__is_active=True)))
    )
    return render(request, "org/court_list.html", {"courts": courts})


@view_access(obj="court")
def court_detail(request: HttpRequest, pk: int) -> HttpResponse:
    court = access_court(request.user, pk)
    users = User.objects.visible_to(request.user).filter(court=court).prefetch_related("role_assignments")
    can_designate = court.is_basic and services.can_designate_contact(acting_user(request), court)
    supervised = Court.objects.visible_to(request.user).filter(supervisor=court)
    return render(
        request,
        "org/court_detail.html",
        {"court": court, "users": users, "can_designate": can_designate, "supervised": supervised},
    )


@view_access(obj="court", write=True, roles={Role.BASIC_DIRECTOR, Role.ADMIN})
def court_designate_contact(request: HttpRequest, pk: int) -> HttpResponse:
    court = access_court(request.user, pk, write=True)
    if not services.can_designate_contact(acting_user(request), court):
        raise PermissionDenied("只有本院执行局长或系统管理员可以指定联络专人。")
    initial = {"contact": court.contact_id, "deputy": court.deputy_contact_id}
    form = DesignateContactForm(court, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_designated_contact(
                court,
                actor=acting_user(request),
                contact=form.cleaned_data["contact"],
                deputy=form.cleaned_data["deputy"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已更新{court.short_name}的执行监督联络专人。")
            return redirect(court.get_absolute_url())
    return render(request, "org/court_contact_form.html", {"court": court, "form": form})


@view_access()
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.visible_to(request.user).select_related("court").prefetch_related("role_assignments")
    courts = Court.objects.visible_to(request.user)
    court_id = request.GET.get("court", "")
    role = request.GET.get("role", "")
    q = request.GET.get("q", "").strip()
    if court_id.isdigit():
        users = users.filter(court_id=int(court_id))
    if role in Role.values:
        users = users.filter(role_assignments__role=role)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if request.GET.get("inactive") != "1":
        users = users.filter(is_active=True)
    page = Paginator(users.order_by("court__sort_order", "username"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/user_list.html",
        {"page": page, "courts": courts, "roles": Role.choices, "filters": request.GET},
    )


@view_access(obj="user")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = access_user(request.user, pk)
    contact_for = Court.objects.visible_to(request.user).filter(Q(contact=target) | Q(deputy_contact=target))
    return render(request, "org/user_detail.html", {"target": target, "contact_for": contact_for})


# --- persons of the case data (承办人): administrators link, merge and split them ---------------

PERSON_CASES_SHOWN = 500


def _administered_persons(user: User) -> QuerySet[Person]:
    """Persons of the courts the user administers (never courts opened by a grant)."""
    return Person.objects.filter(court_id__in=administered_court_ids(user)).select_related("court", "user")


def _administered_person(user: User, pk: int) -> Person:
    try:
        return _administered_persons(user).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc


def _same_name_keys(persons: list[Person]) -> set[tuple[int, str]]:
    """(court, name) pairs among ``persons`` that more than one person of that court bears."""
    if not persons:
        return set()
    rows = (
        Person.objects.filter(court_id__in={p.court_id for p in persons}, name__in={p.name for p in persons})
        .values("court_id", "name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
    )
    return {(row["court_id"], row["name"]) for row in rows}


@view_access(roles={Role.ADMIN})
def person_list(request: HttpRequest) -> HttpResponse:
    """承办人 as imported from case data, with their cases and a 同名 flag."""
    from django.db.models import Exists, OuterRef

    from zhijian.cases.models import EnforcementCase

    user = acting_user(request)
    persons = _administered_persons(user)
    court_id = request.GET.get("court", "")
    q = request.GET.get("q", "").strip()
    if court_id.isdigit():
        persons = persons.filter(court_id=int(court_id))
    if q:
        persons = persons.filter(name__icontains=q)
    if request.GET.get("same") == "1":
        namesakes = Person.objects.filter(court_id=OuterRef("court_id"), name=OuterRef("name")).exclude(
            pk=OuterRef("pk")
        )
        flagged = EnforcementCase.objects.filter(handler_id=OuterRef("pk"), handler_ambiguous=True)
        persons = persons.filter(Exists(namesakes) | Exists(flagged))
    page = Paginator(persons.order_by("court__sort_order", "name", "pk"), 50).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    counts = services.person_case_counts(p.pk for p in rows)
    same = _same_name_keys(rows)
    for person in rows:
        person.case_count, person.ambiguous_count = counts.get(person.pk, (0, 0))  # type: ignore[attr-defined]
        person.same_name = (person.court_id, person.name) in same  # type: ignore[attr-defined]
    courts = Court.objects.filter(pk__in=administered_court_ids(user))
    return render(
        request,
        "org/person_list.html",
        {"page": page, "rows": rows, "courts": courts, "filters": request.GET},
    )


def _person_context(user: User, person: Person, **extra: Any) -> dict[str, Any]:
    from zhijian.cases.models import EnforcementCase

    cases = list(
        EnforcementCase.objects.filter(handler=person)
        .order_by("-filed_on", "number")
        .only("pk", "number", "filed_on", "status", "handler_ambiguous", "court_id")[: PERSON_CASES_SHOWN + 1]
    )
    namesakes = list(
        Person.objects.filter(court_id=person.court_id)
        .exclude(pk=person.pk)
        .select_related("user")
        .order_by("name", "pk")
    )
    counts = services.person_case_counts([person.pk, *(p.pk for p in namesakes)])
    for other in namesakes:
        other.case_count = counts.get(other.pk, (0, 0))[0]  # type: ignore[attr-defined]
    linked = Person.objects.filter(court_id=person.court_id, user__isnull=False).exclude(pk=person.pk)
    accounts = (
        User.objects.filter(court_id=person.court_id, is_active=True)
        .exclude(pk__in=linked.values("user_id"))
        .order_by("username")
    )
    return {
        "person": person,
        "case_count": counts.get(person.pk, (0, 0))[0],
        "ambiguous_count": counts.get(person.pk, (0, 0))[1],
        "cases": cases[:PERSON_CASES_SHOWN],
        "more_cases": len(cases) > PERSON_CASES_SHOWN,
        "same_name": [p for p in namesakes if p.name == person.name],
        "others": namesakes,
        "accounts": accounts,
        **extra,
    }


@view_access(roles={Role.ADMIN}, obj="person")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    person = _administered_person(user, pk)
    return render(request, "org/person_detail.html", _person_context(user, person))


@view_access(roles={Role.ADMIN}, obj="person", write=True, post_only=True)
def person_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the person to a login account of the same court (an empty choice unlinks)."""
    actor = acting_user(request)
    person = _administered_person(actor, pk)
    choice = request.POST.get("user")
    account: User | None = None
    if choice is None or (choice and not choice.isdigit()):
        messages.error(request, "请选择要关联的登录账号。")
        return redirect("org:person_detail", pk=person.pk)
    if choice:
        account = User.objects.filter(pk=int(choice), court_id=person.court_id).first()
        if account is None:
            messages.error(request, "只能关联同一法院的登录账号。")
            return redirect("org:person_detail", pk=person.pk)
    if account == person.user:
        messages.info(request, "关联未变。")
        return redirect("org:person_detail", pk=person.pk)
    try:
        services.link_person(person, actor=actor, user=account)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if account is None:
            messages.success(request, f"已取消{person.name}与登录账号的关联。")
        else:
            messages.success(
                request, f"已把{person.name}关联到账号 {account.display_name}（{account.username}）。"
            )
    return redirect("org:person_detail", pk=person.pk)


@view_access(roles={Role.ADMIN}, obj="person", write=True, post_only=True)
def person_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another person of the same court into this one."""
    actor = acting_user(request)
    keep = _administered_person(actor, pk)
    other_pk = request.POST.get("other", "")
    other = _administered_persons(actor).filter(pk=int(other_pk)).first() if other_pk.isdigit() else None
    if other is None:
        messages.error(request, "请选择要并入的人员。")
        return redirect("org:person_detail", pk=keep.pk)
    try:
        moved = services.merge_persons(
            keep, other, actor=actor, reason=request.POST.get("reason", "").strip()
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"已把“{other.name}{f'（{other.note}）' if other.note else ''}”并入本人员，移动案件 {moved} 件。",
        )
    return redirect("org:person_detail", pk=keep.pk)


@view_access(roles={Role.ADMIN}, obj="person", write=True, post_only=True)
def person_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the ticked or pasted cases to a new person of the same name."""
    actor = acting_user(request)
    person = _administered_person(actor, pk)
    note = request.POST.get("note", "")
    pasted = request.POST.get("numbers", "")
    ticked = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    try:
        new, moved = services.split_person(
            person,
            actor=actor,
            note=note,
            case_ids=ticked,
            case_numbers=services.parse_case_numbers(pasted),
            reason=request.POST.get("reason", "").strip(),
        )
    except ServiceError as exc:
        context = _person_context(
            actor,
            person,
            split_error=exc.message,
            split_note=note,
            split_numbers=pasted,
            split_ticked=set(ticked),
        )
        return render(request, "org/person_detail.html", context)
    messages.success(request, f"已新建同名人员“{new.name}（{new.note}）”，并把 {moved} 件案件移到其名下。")
    return redirect("org:person_detail", pk=new.pk)


@view_access(roles={Role.ADMIN}, obj="person", write=True, post_only=True)
def person_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the person's 备注 (what tells namesakes apart)."""
    actor = acting_user(request)
    person = _administered_person(actor, pk)
    note = request.POST.get("note")
    if note is None:
        messages.error(request, "请填写备注。")
        return redirect("org:person_detail", pk=person.pk)
    note = " ".join(note.split())
    if len(note) > 200:
        messages.error(request, "备注不能超过 200 个字。")
    elif note != person.note:
        services.update_person(person, actor=actor, note=note)
        messages.success(request, f"已修改{person.name}的备注。")
    return redirect("org:person_detail", pk=person.pk)
