"""Model permissions that follow from a user's role, so the admin works per role without hand-made groups.
They are derived from the permission registry's one table (`permissions.RULES`, each rule's `perms`); what each
permission may touch is still bounded by the user's data scope (the admin classes apply it)."""
from django.contrib.auth.backends import BaseBackend

from .models import Role
from .permissions import role_permissions

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {role: role_permissions(role) for role in Role}


class RolePermissionBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(ROLE_PERMISSIONS.get(getattr(user_obj, "role", ""), ()))

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
