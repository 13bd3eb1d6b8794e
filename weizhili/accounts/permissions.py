"""One permission registry: `can_<action>(user, obj) -> (allowed, reason)`. Scope checks come first
(selectors), these answer what a user may do with an object already in scope."""
from django.utils.translation import gettext_lazy as _

from .models import ADMIN_ROLES, Role


def can_unmask(user, person=None) -> tuple[bool, str]:
    if not user.is_authenticated:
        return False, _("请先登录")
    if user.has_perm("people.unmask_person"):
        return True, ""
    return False, _("您的角色无权查看完整个人信息")


def can_import_places(user) -> tuple[bool, str]:
    if user.is_superuser or user.role in (Role.SYSTEM_ADMIN, Role.STREET_CADRE):
        return True, ""
    return False, _("只有街道干部和系统管理员可以导入区划")


def can_read_audit(user) -> tuple[bool, str]:
    if user.is_superuser or user.role in (Role.AUDIT_ADMIN, Role.SECURITY_ADMIN):
        return True, ""
    return False, _("只有审计管理员和安全管理员可以查看审计日志")


def can_manage_accounts(user) -> tuple[bool, str]:
    if user.is_superuser or user.role == Role.SYSTEM_ADMIN:
        return True, ""
    return False, _("只有系统管理员可以管理账号")


def can_unlock_accounts(user) -> tuple[bool, str]:
    if user.is_superuser or user.role == Role.SECURITY_ADMIN:
        return True, ""
    return False, _("只有安全管理员可以解锁账号")


def is_admin(user) -> bool:
    return user.is_superuser or user.role in ADMIN_ROLES
