from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from zhijian.core.access import acting_user, view_access
from zhijian.core.exceptions import ServiceError

from . import services
from .access import access_court, access_user
from .choices import Role
from .forms import DesignateContactForm
from .models import Court, User


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
