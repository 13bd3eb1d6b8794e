"""The case workflow as data: one table of transitions (source states, target, label, who may).

`services.case_transition` is the only code that changes a case's status, and it checks this table first."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from weizhili.accounts.models import Role
from weizhili.accounts.permissions import CASE_USERS, HANDLERS, STAFF, SUPERVISORS

from .models import OPEN_STATUSES, RUNNING_STATUSES, Status, Tier

SYSTEM = "system"      # the periodic sweep
RESIDENT = "resident"  # whoever holds the case's tracking link

# Who may do what: the role groups of the permission registry (accounts/permissions.py).
ANYONE_IN_SCOPE = CASE_USERS

# The tier a role works at: a user acts on a case only at or below their own tier.
ROLE_TIER = {Role.STREET_CADRE: Tier.STREET, Role.COMMUNITY_WORKER: Tier.COMMUNITY,
             Role.BRANCH_SECRETARY: Tier.COMPOUND, Role.BUILDING_LEADER: Tier.COMPOUND}
TIER_RANK = {Tier.COMPOUND: 0, Tier.COMMUNITY: 1, Tier.STREET: 2}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change (an action on the case, e.g. urge or rate)
    label: str
    roles: frozenset
    note_required: bool = False
    tier_bound: bool = True      # the actor must work at the case's tier or above
    assignee_may: bool = False   # the case's assignee may, whatever their tier
    public: bool = True          # shown on the resident's tracking page
    once_per_round: str = ""     # a case field the action sets: once it is set, the action is not offered again
    # Its note is written to the resident (a reply, the result, why a report is not taken up) and shown on the
    # tracking page; every other note is internal: the page shows the step, not the words.
    note_public: bool = False


_OPEN = tuple(OPEN_STATUSES)
_RUNNING = tuple(RUNNING_STATUSES)

TABLE: dict[str, Transition] = {t.action: t for t in [
    Transition("accept", (Status.SUBMITTED,), Status.ACCEPTED, _("受理"), HANDLERS | {SYSTEM}),
    Transition("register", (Status.ACCEPTED,), Status.REGISTERED, _("立案"), HANDLERS | {SYSTEM}),
    Transition("reject", (Status.SUBMITTED, Status.ACCEPTED, Status.REGISTERED, Status.DISPATCHED), Status.REJECTED, _("不予受理"), STAFF,
               note_required=True, note_public=True),
    Transition("dispatch", (Status.REGISTERED,), Status.DISPATCHED, _("派遣"), HANDLERS | {SYSTEM}),
    Transition("sign", (Status.DISPATCHED,), Status.HANDLING, _("签收"), HANDLERS, assignee_may=True),
    Transition("contact", (Status.HANDLING,), None, _("已联系居民"), HANDLERS, assignee_may=True,
               once_per_round="contacted_at"),
    Transition("report", (Status.HANDLING,), Status.REPORTED, _("反馈办理结果"), HANDLERS, note_required=True,
               assignee_may=True, note_public=True),
    Transition("verify", (Status.REPORTED,), Status.VERIFIED, _("核查通过"), STAFF),
    Transition("verify_fail", (Status.REPORTED,), Status.HANDLING, _("核查不通过，返工"), STAFF,
               note_required=True),
    Transition("close", (Status.VERIFIED,), Status.CLOSED, _("结案"), STAFF),
    Transition("rate", (Status.CLOSED,), None, _("评价"), HANDLERS | {RESIDENT}, tier_bound=False),
    Transition("reopen", (Status.CLOSED,), Status.DISPATCHED, _("重办"), STAFF | {SYSTEM}, note_required=True),
    # 问题复发: the resident holding the tracking link, after a (basically) satisfied rating, within the street's
    # reopen window (StreetPolicy.reopen_window_days); the service checks both.
    Transition("resident_reopen", (Status.CLOSED,), Status.DISPATCHED, _("问题复发，居民申请重办"), {RESIDENT},
               note_required=True, tier_bound=False),
    # 不合理诉求: approved as unreasonable, the case leaves every rate's denominator (rules-and-metrics.md).
    Transition("exempt", _OPEN + (Status.CLOSED, Status.PARKED), None, _("认定为不合理诉求（不计入考核）"),
               SUPERVISORS, note_required=True, public=False),
    Transition("return", (Status.DISPATCHED,), Status.REGISTERED, _("退回"), HANDLERS, note_required=True,
               assignee_may=True),
    Transition("escalate", _RUNNING, Status.DISPATCHED, _("上报上一级"), HANDLERS | {SYSTEM}, note_required=True,
               assignee_may=True),
    Transition("request_extension", (Status.DISPATCHED, Status.HANDLING), None, _("申请延期"), HANDLERS,
               note_required=True, assignee_may=True, public=False),
    Transition("approve_extension", (Status.DISPATCHED, Status.HANDLING), None, _("批准延期"), SUPERVISORS,
               public=False),
    Transition("park", _RUNNING, Status.PARKED, _("挂起"), SUPERVISORS, note_required=True),
    Transition("resume", (Status.PARKED,), None, _("恢复办理"), SUPERVISORS),
    Transition("merge", _OPEN, Status.MERGED, _("合并到重复诉求"), STAFF),
    Transition("urge", _OPEN, None, _("催办"), ANYONE_IN_SCOPE | {RESIDENT}, tier_bound=False, public=False),
    Transition("supervise", _OPEN, None, _("督办"), SUPERVISORS, note_required=True, public=False),
    Transition("note", _OPEN + (Status.CLOSED, Status.PARKED), None, _("备注"), HANDLERS, tier_bound=False,
               note_required=True, public=False),
    Transition("reply", _OPEN + (Status.CLOSED, Status.PARKED), None, _("答复居民"), HANDLERS, tier_bound=False,
               note_required=True, note_public=True),
    Transition("add_info", _OPEN + (Status.PARKED,), None, _("居民补充信息"), {RESIDENT}, note_required=True),
    Transition("card", _RUNNING, None, _("亮牌警示"), {SYSTEM}, public=False),
]}


def allowed(user, case, action: str) -> tuple[bool, str]:
    """Whether `user` may take `action` on `case` now (the case is already known to be in their scope)."""
    transition = TABLE.get(action)
    if transition is None:
        return False, _("未知操作")
    if case.status not in transition.sources:
        return False, _("当前状态（%(status)s）不能执行“%(action)s”") % {
            "status": case.get_status_display(), "action": transition.label}
    if transition.once_per_round and getattr(case, transition.once_per_round):
        return False, _("本轮已执行过“%(action)s”") % {"action": transition.label}
    if user is None:
        return False, _("请先登录")
    if user in (SYSTEM, RESIDENT):
        return (user in transition.roles), ("" if user in transition.roles else _("无权执行该操作"))
    if transition.assignee_may and case.assignee_id is not None and case.assignee_id == user.pk:
        return True, ""
    if user.role not in transition.roles:
        return False, _("您的角色不能执行“%(action)s”") % {"action": transition.label}
    if transition.tier_bound and TIER_RANK[ROLE_TIER.get(user.role, Tier.COMPOUND)] < TIER_RANK[case.tier]:
        return False, _("该诉求已上报至%(tier)s层级，由上一级处理") % {"tier": case.get_tier_display()}
    return True, ""


def actions_for(user, case) -> list[Transition]:
    return [t for t in TABLE.values() if t.action != "card" and user not in (SYSTEM, RESIDENT)
            and allowed(user, case, t.action)[0]]
