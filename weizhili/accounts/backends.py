"""Model permissions that follow from a user's role, so the admin works per role without hand-made groups.
What each permission may touch is still bounded by the user's data scope (the admin classes apply it)."""
from django.contrib.auth.backends import BaseBackend

from .models import Role

_EDIT = ("view", "add", "change")
_VIEW = ("view",)
PLACES = ["places.place", "places.placealias"]
PEOPLE = ["people.person"]
PARTY = ["party.partyorg", "party.partymember", "party.committeemember", "party.servicestation",
         "party.roletype", "party.roleholder"]
BRANCH = ["party.partymember", "party.committeemember", "party.roleholder"]
CASE_RULES = ["cases.category", "cases.streetpolicy", "cases.calendaroverride", "cases.replytemplate"]
CASES = ["cases.case"]
HOTLINE_RULES = ["hotline.categorymapping", "hotline.columnmapping"]
HOTLINE_MODELS = ["hotline.categorymodel"]


def _perms(models: list[str], actions: tuple[str, ...]) -> set[str]:
    out = set()
    for label in models:
        app, model = label.split(".")
        out |= {f"{app}.{action}_{model}" for action in actions}
    return out


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(_perms(PLACES + PARTY + PEOPLE + CASE_RULES, _EDIT) | _perms(CASES, _VIEW)),
    Role.STREET_CADRE: frozenset(_perms(PLACES + PARTY + PEOPLE + CASE_RULES + HOTLINE_RULES, _EDIT)
                                 | _perms(CASES + HOTLINE_MODELS, _VIEW)
                                 | {"people.unmask_person"}),
    Role.COMMUNITY_WORKER: frozenset(_perms(PARTY + PEOPLE, _EDIT) | _perms(PLACES + CASES, _VIEW)
                                     | {"people.unmask_person"}),
    Role.BRANCH_SECRETARY: frozenset(_perms(BRANCH, _EDIT) | _perms(["party.partyorg"] + PEOPLE + PLACES, _VIEW)),
}


class RolePermissionBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(ROLE_PERMISSIONS.get(getattr(user_obj, "role", ""), ()))

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
