"""Accounts in the Django admin (the scope/audit mixins every domain admin uses are in places/admin_scope.py).

Separation of administrators (docs/security.md):
- system administrators (and superusers) add and change accounts, but nobody deletes one (deactivate it
  instead) and only a superuser can grant superuser status;
- security administrators see accounts and unlock them, and change nothing else;
- audit administrators see only the audit log (weizhili/audit/admin.py).
Every admin write leaves an audit row in the same transaction.
"""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from weizhili.audit.services import audit_record
from weizhili.places.admin_scope import ScopedAdminMixin
from weizhili.places.scope import within_scope

from . import services
from .models import User
from .permissions import Action, allowed


def _administers_accounts(user) -> bool:
    """Account administrators: the user list is bounded by their own place node, or unbounded without one."""
    return allowed(user, Action.MANAGE_ACCOUNTS) or allowed(user, Action.UNLOCK_ACCOUNTS)


class AccountChangeForm(UserChangeForm):
    """The change form without the password hash: passwords are reset through the separate password page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("password", None)


class AccountPasswordResetForm(AdminPasswordChangeForm):
    """An administrator's reset: the owner must choose a new password at the next login; the reset is audited."""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.password_changed_at = timezone.now()
        user.must_change_password = not user.is_demo
        if commit:
            with transaction.atomic():
                user.save()
                audit_record(action="user.password_reset", obj=user, detail={"via": "admin"})
        return user


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    form = AccountChangeForm
    change_password_form = AccountPasswordResetForm
    list_display = ("username", "role", "place", "is_active", "is_staff", "is_demo", "locked_display",
                    "totp_confirmed", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_demo", "totp_confirmed")
    list_select_related = ("place",)
    search_fields = ("username", "first_name", "last_name", "email")
    raw_id_fields = ("place", "person")
    actions = ["unlock_users"]
    fieldsets = (
        (None, {"fields": ("username", "password_display")}),
        (_("角色与范围"), {"fields": ("role", "place", "person", "is_demo")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("登录安全"), {"fields": ("must_change_password", "password_changed_at", "failed_logins",
                                    "locked_until", "totp_confirmed")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("角色与范围"), {"fields": ("role", "place", "person", "is_staff")}),
    )
    # Login-security state changes only through the services (unlock action, the owner's own pages).
    readonly_fields = ("password_display", "is_demo", "password_changed_at", "failed_logins", "locked_until",
                       "totp_confirmed", "last_login", "date_joined")
    _SUPERUSER_ONLY = ("is_superuser", "groups", "user_permissions")
    _NOT_ON_ONESELF = ("role", "place", "is_active", "is_staff")

    # -- who may do what ---------------------------------------------------------------------------------
    def has_module_permission(self, request):
        return _administers_accounts(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and self.in_scope(request, obj)

    def has_add_permission(self, request):
        return allowed(request.user, Action.MANAGE_ACCOUNTS)

    def has_change_permission(self, request, obj=None):
        return allowed(request.user, Action.MANAGE_ACCOUNTS) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: audit rows keep pointing at them

    def has_unlock_permission(self, request):
        return allowed(request.user, Action.UNLOCK_ACCOUNTS)

    def limit(self, request, queryset, via=None):
        user = request.user
        if user.is_superuser or queryset.model is not User:
            return super().limit(request, queryset, via)
        queryset = queryset.filter(is_superuser=False)  # superusers are out of reach of everyone else
        if _administers_accounts(user):
            # Accounts are the account administrators' own domain, even for the security administrator,
            # whose `scope_path` is deliberately empty (no personal data): bounded by their node, if any.
            if user.place_id is None:
                return queryset
            return queryset.filter(place__path__startswith=user.place.path)
        return within_scope(queryset, user)

    def _limit_field(self, request, db_field, formfield):
        user = request.user
        if (formfield is not None and not user.is_superuser and _administers_accounts(user)
                and user.place_id is None):
            return formfield  # an account administrator without a node may assign any place or person
        return super()._limit_field(request, db_field, formfield)

    # -- the forms ----------------------------------------------------------------------------------------
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [(name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in self._SUPERUSER_ONLY)})
                for name, opts in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            fields += [f for f in self._NOT_ON_ONESELF if f not in fields]  # no self-promotion
        return fields

    @admin.display(description=_("密码"))
    def password_display(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        state = _("已设置（不显示）") if obj.has_usable_password() else _("未设置")
        return format_html('{} · <a href="../password/">{}</a>', state, _("重置密码"))

    @admin.display(description=_("锁定状态"))
    def locked_display(self, obj):
        if services.user_is_locked(obj):
            return _("锁定至 %(time)s") % {"time": timezone.localtime(obj.locked_until).strftime("%Y-%m-%d %H:%M")}
        return "—"

    # -- writes ---------------------------------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        if obj.is_superuser and not request.user.is_superuser:
            raise PermissionDenied
        if not change:
            obj.password_changed_at = timezone.now()
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    @admin.action(description=_("解锁所选账号"), permissions=["unlock"])
    def unlock_users(self, request, queryset):
        count = 0
        for user in queryset:
            services.user_unlock(user=user)
            count += 1
        self.message_user(request, ngettext("已解锁 %(n)d 个账号。", "已解锁 %(n)d 个账号。", count) % {"n": count})

