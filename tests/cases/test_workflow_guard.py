"""The workflow guard `allowed`, case by case: each refusal with its own reason, and the exact tier boundary
(found by mutation testing, bench/bench_mutation.py). No database: the guard reads only the case's fields."""
from datetime import UTC, datetime

from weizhili.accounts.models import Role, User
from weizhili.cases.models import Case, Status, Tier
from weizhili.cases.workflow import RESIDENT, ROLE_TIER, SYSTEM, TABLE, actions_for, allowed


def _user(role, pk=1) -> User:
    return User(pk=pk, username=f"u{pk}", role=role)


def _case(status=Status.DISPATCHED, tier=Tier.COMPOUND, assignee_id=None) -> Case:
    return Case(status=status, tier=tier, assignee_id=assignee_id)


def test_an_unknown_action_is_refused():
    assert allowed(_user(Role.STREET_CADRE), _case(), "explode") == (False, "未知操作")


def test_a_wrong_status_names_the_status_and_the_action():
    ok, reason = allowed(_user(Role.STREET_CADRE), _case(Status.SUBMITTED), "close")
    assert not ok and reason == "当前状态（待受理）不能执行“结案”"


def test_no_user_must_log_in():
    assert allowed(None, _case(), "sign") == (False, "请先登录")


def test_the_sweep_and_the_resident_act_only_where_the_table_lets_them():
    assert allowed(SYSTEM, _case(Status.SUBMITTED), "accept") == (True, "")
    assert allowed(SYSTEM, _case(Status.REPORTED), "verify") == (False, "无权执行该操作")
    assert allowed(RESIDENT, _case(Status.CLOSED), "rate") == (True, "")
    assert allowed(RESIDENT, _case(Status.DISPATCHED), "escalate") == (False, "无权执行该操作")


def test_a_role_outside_the_transition_is_refused_with_the_action_named():
    ok, reason = allowed(_user(Role.VOLUNTEER), _case(), "sign")
    assert not ok and reason == "您的角色不能执行“签收”"


def test_the_tier_boundary_is_exact():
    worker = _user(Role.COMMUNITY_WORKER)
    assert allowed(worker, _case(tier=Tier.COMMUNITY), "sign") == (True, "")  # at its own tier
    assert allowed(worker, _case(tier=Tier.COMPOUND), "sign") == (True, "")  # below it
    ok, reason = allowed(worker, _case(tier=Tier.STREET), "sign")  # above it
    assert not ok and reason == "该诉求已上报至街道层级，由上一级处理"
    leader = _user(Role.BUILDING_LEADER)
    assert not allowed(leader, _case(tier=Tier.COMMUNITY), "sign")[0]
    assert allowed(_user(Role.STREET_CADRE), _case(tier=Tier.STREET), "sign") == (True, "")


def test_a_transition_not_bound_to_the_tier_ignores_it():
    leader = _user(Role.BUILDING_LEADER)
    assert allowed(leader, _case(Status.HANDLING, tier=Tier.STREET), "note") == (True, "")


def test_the_assignee_may_act_above_their_tier_only_where_the_transition_says_so():
    leader = _user(Role.BUILDING_LEADER, pk=7)
    mine = _case(Status.HANDLING, tier=Tier.STREET, assignee_id=7)
    assert allowed(leader, mine, "report") == (True, "")  # assignee_may
    assert not allowed(leader, _case(Status.HANDLING, tier=Tier.STREET, assignee_id=8), "report")[0]
    assert not allowed(leader, _case(Status.HANDLING, tier=Tier.STREET), "report")[0]  # nobody assigned
    assert not allowed(leader, _case(Status.REPORTED, tier=Tier.STREET, assignee_id=7), "verify")[0]
    # an assignee whose role is not in the transition still may, where assignee_may holds
    volunteer = _user(Role.VOLUNTEER, pk=9)
    assert allowed(volunteer, _case(Status.DISPATCHED, assignee_id=9), "sign") == (True, "")


def test_actions_offered_are_the_allowed_ones_without_the_sweep_s_card():
    cadre = _user(Role.STREET_CADRE)
    case = _case(Status.HANDLING)
    offered = {t.action for t in actions_for(cadre, case)}
    assert offered == {a for a in TABLE if a != "card" and allowed(cadre, case, a)[0]}
    assert {"report", "contact", "escalate", "note"} <= offered
    assert "card" not in {t.action for t in actions_for(cadre, _case(Status.HANDLING))}
    assert actions_for(SYSTEM, case) == [] and actions_for(RESIDENT, case) == []


def test_an_action_done_once_per_round_is_refused_and_not_offered_again():
    cadre = _user(Role.STREET_CADRE, pk=7)
    case = _case(Status.HANDLING)
    assert allowed(cadre, case, "contact") == (True, "")
    case.contacted_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert allowed(cadre, case, "contact") == (False, "本轮已执行过“已联系居民”")
    case.assignee_id = 7  # not even for the case's own handler
    assert allowed(cadre, case, "contact") == (False, "本轮已执行过“已联系居民”")
    assert "contact" not in {t.action for t in actions_for(cadre, case)}
    assert "report" in {t.action for t in actions_for(cadre, case)}  # the round goes on


def test_every_role_of_a_tier_bound_transition_has_a_tier():
    # the guard's default tier (compound) is thus never used for a person; the sweep and the resident return earlier
    for transition in TABLE.values():
        if transition.tier_bound:
            assert transition.roles - {SYSTEM, RESIDENT} <= ROLE_TIER.keys(), transition.action
