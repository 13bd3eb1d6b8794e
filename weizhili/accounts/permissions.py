"""The one permission registry: `can(user, action, obj=None) -> (allowed, reason)`.

Every "may this user do that" question in the platform is answered from `RULES` below: the pages and menus,
the hotline, the case loop's role groups, the Django admin's model permissions (`backends.py` derives them
from the `perms` of each rule) and the audit and account administration. Data scope is a separate, earlier
filter (`places/scope.py`, used by every selector); a scoped rule additionally requires the user to have a
scope, and, when `obj` is given, that the object lies inside it.

Rooms below `accounts` (places, people, audit) must not import it: they ask `request.user.can("<action>")`
(`User.can` delegates here), with the action's string value; an unknown action raises ValueError.
"""
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from .models import ADMIN_ROLES, Role


class Action(StrEnum):
    # pages of the platform
    BROWSE_PLACES = "places.browse"
    BROWSE_PARTY = "party.browse"
    OPEN_PEOPLE_LEDGER = "people.open_ledger"
    OPEN_MEMBER_LIST = "party.open_member_list"
    SEARCH_BY_IDENTIFIER = "people.search_by_identifier"  # a full phone or ID number
    UNMASK_PERSON = "people.unmask_person"
    OPEN_CASE_QUEUE = "cases.open_queue"
    HANDLE_CASES = "cases.handle"
    REPORT_FOR_RESIDENT = "cases.report_for_resident"
    VIEW_CASE_FIGURES = "cases.view_figures"
    WRITE_PUBLIC_SUMMARY = "cases.write_public_summary"
    VIEW_ATTENTION = "insight.view_attention"  # compounds that still lack a branch
    VIEW_HOTLINE = "hotline.view"
    LOCATE_HOTLINE_ORDER = "hotline.locate_order"
    IMPORT_HOTLINE = "hotline.import"
    # administration
    OPEN_ADMIN_CONSOLE = "accounts.open_admin_console"
    MANAGE_ACCOUNTS = "accounts.manage"
    UNLOCK_ACCOUNTS = "accounts.unlock"
    READ_AUDIT = "audit.read_log"
    IMPORT_PLACES = "places.import"
    IMPORT_PLACES_ANY_STREET = "places.import_any_street"
    # model permissions of the Django admin (what each admin page may show or change; scope still applies)
    ADMIN_EDIT_PLACES = "admin.edit_places"
    ADMIN_VIEW_PLACES = "admin.view_places"
    ADMIN_EDIT_PARTY = "admin.edit_party"
    ADMIN_EDIT_BRANCH = "admin.edit_branch"
    ADMIN_EDIT_PEOPLE = "admin.edit_people"
    ADMIN_VIEW_PEOPLE = "admin.view_people"
    ADMIN_EDIT_CASE_RULES = "admin.edit_case_rules"
    ADMIN_VIEW_CASES = "admin.view_cases"
    ADMIN_EDIT_HOTLINE_RULES = "admin.edit_hotline_rules"


# Role groups: the case loop's transition table (cases/workflow.py) and the rules below are written with these.
ALL_ROLES = frozenset(Role)
ADMINS = frozenset(ADMIN_ROLES)
STAFF = frozenset({Role.STREET_CADRE, Role.COMMUNITY_WORKER, Role.BRANCH_SECRETARY})
HANDLERS = STAFF | {Role.BUILDING_LEADER}
SUPERVISORS = frozenset({Role.STREET_CADRE, Role.COMMUNITY_WORKER})
CASE_USERS = HANDLERS | {Role.GRID_WORKER}


@dataclass(frozen=True)
class Rule:
    roles: frozenset
    reason: str
    scoped: bool = True       # needs a data scope (and `obj`, when given, inside it)
    superuser: bool = False   # a superuser may, whatever their role
    perms: frozenset = frozenset()  # Django model permissions it grants (the admin; see backends.py)


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


def _perms(models: list[str], actions: tuple[str, ...]) -> frozenset[str]:
    out = set()
    for label in models:
        app, model = label.split(".")
        out |= {f"{app}.{action}_{model}" for action in actions}
    return frozenset(out)


def _admin(roles, perms) -> Rule:
    return Rule(frozenset(roles), _("您的角色无权使用此管理页面"), scoped=False, perms=perms)


_LEDGER_REASON = _("您的角色不查看居民台账和党员名册")
_R = Role

RULES: dict[Action, Rule] = {
    Action.BROWSE_PLACES: Rule(ALL_ROLES, _("您的账号没有管辖范围")),
    Action.BROWSE_PARTY: Rule(ALL_ROLES, _("您的账号没有管辖范围")),
    # A role sees what its job needs: partner units, volunteers, grid workers and residents keep no ledger.
    Action.OPEN_PEOPLE_LEDGER: Rule(HANDLERS, _LEDGER_REASON, superuser=True),
    Action.OPEN_MEMBER_LIST: Rule(HANDLERS, _LEDGER_REASON, superuser=True),
    Action.SEARCH_BY_IDENTIFIER: Rule(SUPERVISORS, _("只有街道干部和社区工作者可以按完整手机号或身份证号查找"),
                                      superuser=True),
    Action.UNMASK_PERSON: Rule(SUPERVISORS, _("您的角色无权查看完整个人信息"), superuser=True,
                               perms=frozenset({"people.unmask_person"})),
    Action.OPEN_CASE_QUEUE: Rule(CASE_USERS, _("只有办理诉求的工作人员可以使用此页面")),
    Action.HANDLE_CASES: Rule(HANDLERS, _("您的角色不办理诉求")),
    Action.REPORT_FOR_RESIDENT: Rule(CASE_USERS, _("只有网格员和工作人员可以使用此页面")),
    Action.VIEW_CASE_FIGURES: Rule(HANDLERS, _("您的角色不查看诉求指标")),
    Action.WRITE_PUBLIC_SUMMARY: Rule(STAFF, _("只有办理诉求的工作人员可以撰写公开摘要"), scoped=False),
    Action.VIEW_ATTENTION: Rule(SUPERVISORS | {_R.SYSTEM_ADMIN}, _("您的角色不查看此提示"), scoped=False,
                                superuser=True),
    Action.VIEW_HOTLINE: Rule(STAFF, _("您的角色不查看12345热线工单")),
    Action.LOCATE_HOTLINE_ORDER: Rule(SUPERVISORS, _("只有街道干部和社区工作者可以更正工单位置")),
    # A street's whole file: the street's own cadres.
    Action.IMPORT_HOTLINE: Rule(frozenset({_R.STREET_CADRE}), _("只有街道干部可以导入12345工单")),
    Action.OPEN_ADMIN_CONSOLE: Rule(ADMINS, _("只有管理员可以进入管理后台"), scoped=False, superuser=True),
    Action.MANAGE_ACCOUNTS: Rule(frozenset({_R.SYSTEM_ADMIN}), _("只有系统管理员可以管理账号"), scoped=False,
                                 superuser=True),
    Action.UNLOCK_ACCOUNTS: Rule(frozenset({_R.SECURITY_ADMIN}), _("只有安全管理员可以解锁账号"), scoped=False,
                                 superuser=True),
    Action.READ_AUDIT: Rule(frozenset({_R.AUDIT_ADMIN, _R.SECURITY_ADMIN}),
                            _("只有审计管理员和安全管理员可以查看审计日志"), scoped=False, superuser=True),
    Action.IMPORT_PLACES: Rule(frozenset({_R.SYSTEM_ADMIN, _R.STREET_CADRE}), _("只有街道干部和系统管理员可以导入区划"),
                               scoped=False, superuser=True),
    Action.IMPORT_PLACES_ANY_STREET: Rule(frozenset({_R.SYSTEM_ADMIN}), _("只能导入本人管辖范围内的区划"),
                                          scoped=False, superuser=True),
    Action.ADMIN_EDIT_PLACES: _admin({_R.SYSTEM_ADMIN, _R.STREET_CADRE}, _perms(PLACES, _EDIT)),
    Action.ADMIN_VIEW_PLACES: _admin({_R.COMMUNITY_WORKER, _R.BRANCH_SECRETARY}, _perms(PLACES, _VIEW)),
    Action.ADMIN_EDIT_PARTY: _admin({_R.SYSTEM_ADMIN, _R.STREET_CADRE, _R.COMMUNITY_WORKER}, _perms(PARTY, _EDIT)),
    Action.ADMIN_EDIT_BRANCH: _admin({_R.BRANCH_SECRETARY},
                                     _perms(BRANCH, _EDIT) | _perms(["party.partyorg"], _VIEW)),
    Action.ADMIN_EDIT_PEOPLE: _admin({_R.SYSTEM_ADMIN, _R.STREET_CADRE, _R.COMMUNITY_WORKER}, _perms(PEOPLE, _EDIT)),
    Action.ADMIN_VIEW_PEOPLE: _admin({_R.BRANCH_SECRETARY}, _perms(PEOPLE, _VIEW)),
    Action.ADMIN_EDIT_CASE_RULES: _admin({_R.SYSTEM_ADMIN, _R.STREET_CADRE}, _perms(CASE_RULES, _EDIT)),
    Action.ADMIN_VIEW_CASES: _admin({_R.SYSTEM_ADMIN, _R.STREET_CADRE, _R.COMMUNITY_WORKER}, _perms(CASES, _VIEW)),
    Action.ADMIN_EDIT_HOTLINE_RULES: _admin({_R.STREET_CADRE},
                                            _perms(HOTLINE_RULES, _EDIT) | _perms(HOTLINE_MODELS, _VIEW)),
}


def _path_of(obj) -> str | None:
    """The place path an object hangs on: a place itself, or its `place`."""
    path = getattr(obj, "path", None)
    if isinstance(path, str):
        return path
    place = getattr(obj, "place", None)
    return getattr(place, "path", None)


def can(user, action, obj=None) -> tuple[bool, str]:
    """May `user` do `action` (to `obj`)? The reason is a message for the user when not."""
    rule = RULES[Action(action)]
    if user is None or not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser and rule.superuser:
        return True, ""
    if user.role not in rule.roles:
        return False, rule.reason
    if rule.scoped:
        bound = user.scope_path
        if bound is None:
            return False, _("您的账号没有管辖范围")
        if obj is not None:
            path = _path_of(obj)
            if path is None or not path.startswith(bound):
                return False, _("不在您的管辖范围内")
    return True, ""


def allowed(user, action, obj=None) -> bool:
    return can(user, action, obj)[0]


def role_permissions(role: str) -> frozenset[str]:
    """The Django model permissions a role holds: the union of the `perms` of the rules it passes."""
    out: set[str] = set()
    for rule in RULES.values():
        if role in rule.roles:
            out |= rule.perms
    return frozenset(out)
