"""The administrators' back office (Django admin), court-scoped, with every save and delete
going through ``org.services`` so that it is checked and audited like any other change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from zhijian.core.access import acting_user
from zhijian.core.exceptions import ServiceError

from . import services
from .choices import Role
from .models import AccessGrant, Court, CourtLevel, Person, User
from .scoping import administered_court_ids


class ZhijianAdminSite(admin.AdminSite):
    site_header = "执监 · 系统管理"
    site_title = "执监系统管理"
    index_title = "系统管理"
    site_url = "/"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or user.has_role(Role.ADMIN)))

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:  # type: ignore[override]
        """Passwords are changed through the product's own page (checked and audited)."""
        from django.shortcuts import redirect

        return redirect("accounts:password_change")

    def get_urls(self) -> list[Any]:
        # No "view on site" shortcut (/admin/r/<ct>/<pk>/): it answers for objects outside the
        # administrator's courts and so reveals that they exist.
        return [u for u in super().get_urls() if getattr(u, "name", None) != "view_on_site"]


admin_site = ZhijianAdminSite(name="admin")


def is_admin(request: HttpRequest) -> bool:
    return admin_site.has_permission(request)


class ServiceModelAdmin(admin.ModelAdmin):
    """Scoped querysets, role-based permissions, and service errors shown as messages."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request) and (obj is None or self.object_court_writable(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    view_on_site = False

    def object_court_writable(self, request: HttpRequest, obj: Any) -> bool:
        court_id = obj.pk if isinstance(obj, Court) else getattr(obj, "court_id", None)
        return request.user.is_superuser or court_id in administered_court_ids(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # the courts the administrator administers — never widened by grants
        qs = super().get_queryset(request)
        return qs.for_courts(administered_court_ids(request.user))  # type: ignore[attr-defined]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as exc:
            messages.error(request, f"未保存：{exc.message}")
            return HttpResponseRedirect(request.get_full_path())

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        """The object's history is the audit trail, not Django's LogEntry."""
        from django.urls import reverse

        label = self.model._meta.label
        return HttpResponseRedirect(f"{reverse('audit:event_list')}?target={label}:{object_id}")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """All or nothing: one refusal leaves every selected object in place."""
        from django.core.exceptions import PermissionDenied
        from django.db import transaction

        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_model(request, obj)
        except (ServiceError, PermissionDenied) as exc:
            messages.error(request, f"未删除任何对象：{getattr(exc, 'message', None) or exc}")

    def message_user(self, request: HttpRequest, message: Any, *args: Any, **kwargs: Any) -> None:
        # Django reports "deleted N objects" after delete_queryset; don't claim it after a refusal.
        queued = getattr(messages.get_messages(request), "_queued_messages", [])
        if any(m.level == messages.ERROR for m in queued):
            return
        super().message_user(request, message, *args, **kwargs)

    def log_addition(self, *args: Any, **kwargs: Any) -> Any:  # the audit trail replaces LogEntry
        return None

    def log_change(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def log_deletion(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def log_deletions(self, *args: Any, **kwargs: Any) -> Any:
        return None


class ScopedCourtFilter(admin.SimpleListFilter):
    """A court filter that lists only the courts the administrator may see."""

    title = "法院"
    parameter_name = "court"
    court_lookup = "court_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        return [(c.pk, c.short_name) for c in administrable_courts(request)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and str(value).isdigit():
            return queryset.filter(**{self.court_lookup: int(value)})
        return queryset


def administrable_courts(request: HttpRequest) -> QuerySet[Court]:
    return Court.objects.filter(pk__in=administered_court_ids(request.user))


# --- courts -----------------------------------------------------------------------------------


@admin.register(Court, site=admin_site)
class CourtAdmin(ServiceModelAdmin):
    list_display = ("code", "name", "short_name", "level", "supervisor", "contact", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name", "short_name")
    fields = (*services.COURT_FIELDS, "contact", "deputy_contact")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Moving a court in the supervision tree changes who sees it: superusers only.
        if obj is not None and not request.user.is_superuser:
            return ("parent", "supervisor")
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: Court, form: forms.ModelForm, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.COURT_FIELDS if name in form.cleaned_data}
        contact, deputy = form.cleaned_data.get("contact"), form.cleaned_data.get("deputy_contact")
        actor = acting_user(request)
        if change:
            court = Court.objects.get(pk=obj.pk)
            changed = {k: v for k, v in data.items() if getattr(court, k) != v}
            if changed:
                court = services.update_court(court, actor=actor, **changed)
            if (court.contact, court.deputy_contact) != (contact, deputy):
                services.set_designated_contact(court, actor=actor, contact=contact, deputy=deputy)
        else:
            court = services.create_court(actor=actor, **data)
            if contact or deputy:
                services.set_designated_contact(court, actor=actor, contact=contact, deputy=deputy)
        obj.pk = court.pk

    def delete_model(self, request: HttpRequest, obj: Court) -> None:
        services.delete_court(obj, actor=acting_user(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("contact", "deputy_contact"):
            kwargs["queryset"] = User.objects.for_courts(administered_court_ids(request.user)).filter(
                is_active=True
            )
        elif db_field.name in ("parent", "supervisor"):
            kwargs["queryset"] = (
                Court.objects.all() if request.user.is_superuser else administrable_courts(request)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CourtLevel, site=admin_site)
class CourtLevelAdmin(admin.ModelAdmin):
    """Levels are reference data created by ``zhijian init-courts`` / ``zhijian demo``; shown read-only."""

    list_display = ("code", "name", "rank")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- users ------------------------------------------------------------------------------------


class UserAdminForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    new_password = forms.CharField(
        label="设置新密码",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="新建账号必填；修改账号时留空表示不改密码。",
    )

    class Meta:
        model = User
        fields = ("username", "full_name", "court", "title", "phone", "email", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.role_codes)

    def clean_roles(self) -> list[str]:
        roles: list[str] = self.cleaned_data.get("roles", [])
        if not roles:
            raise ValidationError("请至少选择一个角色。")
        return roles

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        court = data.get("court")
        if court is not None and data.get("roles"):
            from .services import _clean_roles

            try:
                _clean_roles(data["roles"], court)
            except ServiceError as exc:
                self.add_error("roles", exc.message)
        return data

    def clean_new_password(self) -> str:
        password: str = self.cleaned_data.get("new_password", "")
        if not self.instance.pk and not password:
            raise ValidationError("新建账号必须设置初始密码。")
        if password:
            validate_password(password, self.instance)
        return password


@admin.register(User, site=admin_site)
class UserAdmin(ServiceModelAdmin):
    form = UserAdminForm
    list_display = ("username", "full_name", "court", "roles_display", "is_active", "last_login")
    list_filter = ("is_active", "role_assignments__role", ScopedCourtFilter)
    search_fields = ("username", "full_name")
    fields = (
        "username",
        "full_name",
        "court",
        "roles",
        "title",
        "phone",
        "email",
        "is_active",
        "new_password",
    )

    @admin.display(description="角色")
    def roles_display(self, obj: User) -> str:
        return "、".join(obj.role_labels)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request).prefetch_related("role_assignments")
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "court":
            kwargs["queryset"] = administrable_courts(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        data = dict(form.cleaned_data)
        roles = data.pop("roles", [])
        password = data.pop("new_password", "")
        actor = acting_user(request)
        if change:
            current = User.objects.get(pk=obj.pk)
            changed = {k: v for k, v in data.items() if getattr(current, k) != v}
            user = services.update_user(current, actor=actor, roles=roles, **changed)
            if password:
                services.set_user_password(user, actor=actor, password=password)
        else:
            user = services.create_user(actor=actor, roles=roles, password=password, **data)
        obj.pk = user.pk

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.delete_user(obj, actor=acting_user(request))


# --- persons and grants -----------------------------------------------------------------------


@admin.register(Person, site=admin_site)
class PersonAdmin(ServiceModelAdmin):
    list_display = ("name", "court", "user", "note")
    list_filter = (ScopedCourtFilter,)
    search_fields = ("name",)
    fields = ("court", "name", "note", "user")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("court",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "court":
            kwargs["queryset"] = administrable_courts(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.for_courts(administered_court_ids(request.user))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Person, form: forms.ModelForm, change: bool) -> None:
        actor = acting_user(request)
        data = form.cleaned_data
        if change:
            person = Person.objects.get(pk=obj.pk)
            changes = {k: data[k] for k in ("name", "note") if getattr(person, k) != data[k]}
            if changes:
                person = services.update_person(person, actor=actor, **changes)
        else:
            person = services.create_person(
                actor=actor, court=data["court"], name=data["name"], note=data["note"]
            )
        if person.user != data.get("user"):
            services.link_person(person, actor=actor, user=data.get("user"))
        obj.pk = person.pk

    def delete_model(self, request: HttpRequest, obj: Person) -> None:
        services.delete_person(obj, actor=acting_user(request))


class AccessGrantForm(forms.ModelForm):
    class Meta:
        model = AccessGrant
        fields = ("user", "court", "allow_write", "reason", "valid_from", "valid_until")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", "失效时间必须晚于生效时间。")
        if not (data.get("reason") or "").strip():
            self.add_error("reason", "请填写授权事由。")
        return data


@admin.register(AccessGrant, site=admin_site)
class AccessGrantAdmin(ServiceModelAdmin):
    form = AccessGrantForm
    list_display = ("user", "court", "allow_write", "reason", "valid_from", "valid_until", "revoked_at")
    list_filter = (ScopedCourtFilter, "allow_write")
    fields = ("user", "court", "allow_write", "reason", "valid_from", "valid_until")
    actions = ["revoke_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = AccessGrant.objects.select_related("user", "court")
        if request.user.is_superuser:
            return qs
        return qs.filter(court_id__in=administered_court_ids(request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "court":
            kwargs["queryset"] = administrable_courts(request)
        elif db_field.name == "user":
            # Cross-city grants are made by an administrator who sees both courts (or a superuser).
            kwargs["queryset"] = (
                User.objects.for_courts(administered_court_ids(request.user))
                .filter(is_active=True)
                .select_related("court")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: AccessGrant, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        grant = services.create_grant(
            actor=acting_user(request),
            user=data["user"],
            court=data["court"],
            reason=data["reason"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            allow_write=data["allow_write"],
        )
        obj.pk = grant.pk

    @admin.action(description="撤销所选授权")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[AccessGrant]) -> None:
        done = 0
        for grant in queryset.filter(revoked_at__isnull=True):
            try:
                services.revoke_grant(grant, actor=acting_user(request))
                done += 1
            except ServiceError as exc:
                messages.error(request, exc.message)
        messages.success(request, f"已撤销 {done} 项授权。")
