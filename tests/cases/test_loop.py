"""The case loop through its services: intake, routing, handling, closing, rating, reopening."""
from datetime import timedelta

import pytest

from weizhili.audit.models import AuditEntry
from weizhili.cases.models import Card, Case, Event, FollowUp, Status, Supervision, Tier
from weizhili.cases.services import (
    RESIDENT_ACTOR,
    Actor,
    CaseError,
    case_create,
    case_me_too,
    case_transition,
    similar_open_cases,
)

from .conftest import T0

pytestmark = pytest.mark.django_db


def _new(tree, categories, **kw):
    return case_create(place=tree["east_household"], category=categories["sanitation"],
                       description="楼道里堆满了杂物，影响通行", now=T0, **kw)


def test_a_new_case_is_routed_to_the_building_leader(tree, categories, leader):
    case = _new(tree, categories)
    assert case.status == Status.DISPATCHED
    assert case.tier == Tier.COMPOUND and case.compound == tree["east_compound"]
    assert case.assignee == leader
    # three system steps after the creation, each on the timeline
    assert list(case.events.values_list("action", flat=True)) == ["create", "accept", "register", "dispatch"]
    # sanitation: 3 working days from Monday 09:00 → end of Thursday; compound tier SLA 2 working days
    assert case.due_at.date().isoformat() == "2026-03-05"
    assert case.tier_due_at.date().isoformat() == "2026-03-04"
    assert case.case_due_at == case.due_at
    assert AuditEntry.objects.filter(action="case.dispatch", object_id=str(case.pk)).exists()


def test_full_loop_to_closing_and_rating(tree, categories, leader, staff):
    case = _new(tree, categories)
    me = Actor(leader)
    case = case_transition(case_id=case.pk, action="sign", actor=me, data={"contacted": True}, now=T0)
    case = case_transition(case_id=case.pk, action="report", actor=me, note="已清理", now=T0 + timedelta(hours=3))
    sec = Actor(staff["secretary"])
    case = case_transition(case_id=case.pk, action="verify", actor=sec, now=T0 + timedelta(hours=4))
    case = case_transition(case_id=case.pk, action="close", actor=sec, now=T0 + timedelta(hours=5))
    assert case.status == Status.CLOSED and case.closed_on_time and case.resolved_tier == Tier.COMPOUND
    case = case_transition(case_id=case.pk, action="rate", actor=RESIDENT_ACTOR,
                           data={"satisfaction": "satisfied", "resolved": True}, now=T0 + timedelta(days=1))
    assert case.status == Status.CLOSED and case.first_satisfaction == "satisfied"
    assert FollowUp.objects.get(case=case).resolved


def test_not_satisfied_reopens_with_a_new_round_and_then_supervision(tree, categories, leader, staff):
    case = _new(tree, categories)
    for action, actor, note in [("sign", leader, ""), ("report", leader, "处理了"), ("verify", staff["secretary"], ""),
                                ("close", staff["secretary"], "")]:
        case = case_transition(case_id=case.pk, action=action, actor=Actor(actor), note=note, now=T0)
    case = case_transition(case_id=case.pk, action="rate", actor=RESIDENT_ACTOR,
                           data={"satisfaction": "unsatisfied", "resolved": False}, note="没解决", now=T0)
    assert case.status == Status.DISPATCHED and case.round == 2 and case.closed_at is None
    assert case.first_satisfaction == "unsatisfied"
    assert not Supervision.objects.filter(case=case).exists()
    later = T0 + timedelta(days=1)
    for action, actor, note in [("sign", leader, ""), ("report", leader, "再次处理"), ("verify", staff["secretary"], ""),
                                ("close", staff["secretary"], "")]:
        case = case_transition(case_id=case.pk, action=action, actor=Actor(actor), note=note, now=later)
    case = case_transition(case_id=case.pk, action="rate", actor=RESIDENT_ACTOR,
                           data={"satisfaction": "unsatisfied", "resolved": False}, note="还是不行", now=later)
    assert case.round == 3
    assert Supervision.objects.filter(case=case, reason="unsatisfied").count() == 1
    assert FollowUp.objects.filter(case=case).count() == 2
    with pytest.raises(CaseError):  # one rating per round
        case_transition(case_id=case.pk, action="rate", actor=RESIDENT_ACTOR,
                        data={"satisfaction": "satisfied", "resolved": True}, now=later)


@pytest.mark.parametrize("action", ["close", "verify", "rate", "resume", "approve_extension"])
def test_invalid_transitions_are_refused_and_change_nothing(tree, categories, leader, staff, action):
    case = _new(tree, categories)
    events = Event.objects.count()
    with pytest.raises(CaseError) as err:
        case_transition(case_id=case.pk, action=action, actor=Actor(staff["street"]), now=T0,
                        data={"satisfaction": "satisfied"})
    assert "不能执行" in str(err.value) or "没有" in str(err.value)
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED
    assert Event.objects.count() == events


def test_roles_and_tiers_are_enforced(tree, categories, leader, staff, personas):
    case = _new(tree, categories)
    with pytest.raises(CaseError):  # a resident account is no handler
        case_transition(case_id=case.pk, action="sign", actor=Actor(staff["resident"]), now=T0)
    with pytest.raises(CaseError):  # a grid worker can urge, not handle
        case_transition(case_id=case.pk, action="sign", actor=Actor(personas["grid_worker"]), now=T0)
    case = case_transition(case_id=case.pk, action="escalate", actor=Actor(leader), note="需要社区协调", now=T0)
    assert case.tier == Tier.COMMUNITY and case.assignee is None and case.escalations == 1
    with pytest.raises(CaseError) as err:  # now above the secretary's tier
        case_transition(case_id=case.pk, action="sign", actor=Actor(staff["secretary"]), now=T0)
    assert "上一级" in str(err.value)
    case = case_transition(case_id=case.pk, action="sign", actor=Actor(staff["community"]), now=T0)
    assert case.status == Status.HANDLING


def test_note_is_required_where_the_table_says_so(tree, categories, leader):
    case = _new(tree, categories)
    with pytest.raises(CaseError):
        case_transition(case_id=case.pk, action="escalate", actor=Actor(leader), note="  ", now=T0)
    assert Case.objects.get(pk=case.pk).tier == Tier.COMPOUND


def test_stale_form_is_refused(tree, categories, leader):
    case = _new(tree, categories)
    case_transition(case_id=case.pk, action="sign", actor=Actor(leader), now=T0)
    with pytest.raises(CaseError) as err:
        case_transition(case_id=case.pk, action="sign", actor=Actor(leader), now=T0, expected_status="dispatched")
    assert "状态已变化" in str(err.value)


def test_return_within_two_working_days_only(tree, categories, leader, staff):
    case = _new(tree, categories)
    late = T0 + timedelta(days=3)  # Thursday: past the 2-working-day window
    with pytest.raises(CaseError):
        case_transition(case_id=case.pk, action="return", actor=Actor(leader), note="不归我管", now=late)
    case = case_transition(case_id=case.pk, action="return", actor=Actor(leader), note="不归我管",
                           now=T0 + timedelta(days=1))
    assert case.status == Status.REGISTERED and case.assignee is None and case.due_at is None
    case = case_transition(case_id=case.pk, action="dispatch", actor=Actor(staff["secretary"]),
                           data={"handler_kind": "property"}, now=T0 + timedelta(days=1))
    # the new unit gets a fresh clock; the case clock keeps running
    assert case.due_at.date().isoformat() == "2026-03-06" and case.case_due_at.date().isoformat() == "2026-03-05"


def test_extension_requested_before_the_deadline_and_approved(tree, categories, leader, staff):
    case = _new(tree, categories)
    with pytest.raises(CaseError):
        case_transition(case_id=case.pk, action="request_extension", actor=Actor(leader), note="等配件",
                        data={"days": 11}, now=T0)
    case = case_transition(case_id=case.pk, action="request_extension", actor=Actor(leader), note="等配件",
                           data={"days": 2}, now=T0)
    with pytest.raises(CaseError):  # the requester cannot approve
        case_transition(case_id=case.pk, action="approve_extension", actor=Actor(leader), now=T0)
    case = case_transition(case_id=case.pk, action="approve_extension", actor=Actor(staff["community"]), now=T0)
    assert case.due_at.date().isoformat() == "2026-03-09"  # Thu + 2 working days = Mon
    assert case.extensions == 1 and case.card == Card.NONE
    after = T0 + timedelta(days=30)
    with pytest.raises(CaseError):  # past the deadline: too late to ask
        case_transition(case_id=case.pk, action="request_extension", actor=Actor(leader), note="再等等",
                        data={"days": 1}, now=after)


def test_merge_duplicates_follow_the_parent(tree, categories, leader, staff):
    parent = _new(tree, categories)
    child = _new(tree, categories)
    child = case_transition(case_id=child.pk, action="merge", actor=Actor(staff["secretary"]),
                            data={"parent": parent.pk}, now=T0)
    assert child.status == Status.MERGED and child.parent == parent
    assert Case.objects.get(pk=parent.pk).me_too == 1
    for action, actor, note in [("sign", leader, ""), ("report", leader, "好了"), ("verify", staff["secretary"], ""),
                                ("close", staff["secretary"], "")]:
        parent = case_transition(case_id=parent.pk, action=action, actor=Actor(actor), note=note, now=T0)
    child = Case.objects.get(pk=child.pk)
    assert child.closed_at == parent.closed_at and child.resolved_tier == Tier.COMPOUND


def test_me_too_and_similar_cases(tree, categories, leader):
    case = _new(tree, categories)
    assert similar_open_cases(place=tree["east_building"], category=categories["sanitation"]) == [case]
    assert similar_open_cases(place=tree["west_household"], category=categories["sanitation"]) == []
    case_me_too(case=case, phone="13900001111", now=T0)
    assert Case.objects.get(pk=case.pk).me_too == 1


def test_park_and_resume_returns_to_the_same_state(tree, categories, leader, staff):
    case = _new(tree, categories)
    case = case_transition(case_id=case.pk, action="sign", actor=Actor(leader), now=T0)
    case = case_transition(case_id=case.pk, action="park", actor=Actor(staff["community"]), note="等待施工", now=T0)
    assert case.status == Status.PARKED
    case = case_transition(case_id=case.pk, action="resume", actor=Actor(staff["community"]), now=T0)
    assert case.status == Status.HANDLING


def test_deadlines_count_in_local_time_whatever_the_input_zone(tree, categories, leader):
    """07:30 in Jinan on Tuesday is still Monday in UTC: the start day must be Tuesday."""
    from datetime import UTC, datetime

    utc_now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # Tuesday 2026-03-03 07:30 Asia/Shanghai
    case = case_create(place=tree["east_household"], category=categories["sanitation"],
                       description="楼道灯坏了好几天", now=utc_now)
    from django.utils import timezone

    assert timezone.localtime(case.due_at).date().isoformat() == "2026-03-06"  # Tue + 3 working days = Fri


def test_grid_worker_reports_count_for_the_worker(client, tree, categories, personas):
    from django.urls import reverse

    grid = personas["grid_worker"]
    case_create(place=tree["east_household"], category=categories["parking"], description="消防通道被车辆占用",
                source="grid", actor=Actor(grid), now=T0)
    case_create(place=tree["east_household"], category=categories["parking"], description="路口有车辆违停",
                source="resident", now=T0)
    client.force_login(grid)
    body = client.get(reverse("cases:queue"), {"view": "reported"}).content.decode()
    assert "共 1 件" in body
    home = client.get("/").content.decode()
    assert "本月上报" in home
