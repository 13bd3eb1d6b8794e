"""The periodic sweep: escalation by tier SLA, yellow and red cards, all or nothing."""
from datetime import timedelta
from unittest import mock

import pytest

from weizhili.cases import sweep as sweep_module
from weizhili.cases.models import Card, Case, Event, Notification, Status, Supervision, Tier
from weizhili.cases.services import Actor, case_create, case_transition
from weizhili.cases.sweep import sweep

from .conftest import T0

pytestmark = pytest.mark.django_db


def _new(tree, categories, code="sanitation"):
    return case_create(place=tree["east_household"], category=categories[code], description="楼道堆放杂物很多",
                       now=T0)


def test_compound_sla_escalates_to_the_community_then_the_street(tree, categories, leader, personas):
    case = _new(tree, categories)
    assert sweep(now=T0 + timedelta(days=1)).total == 0  # Tuesday: within the 2 working days
    result = sweep(now=T0 + timedelta(days=2, hours=16))  # Thursday 01:00: past end of Wednesday
    assert result.escalated == {Tier.COMMUNITY: 1}
    case.refresh_from_db()
    assert case.tier == Tier.COMMUNITY and case.status == Status.DISPATCHED and case.assignee is None
    assert case.escalations == 1
    event = Event.objects.filter(case=case, action="escalate").get()
    assert event.data["tier"] == "community" and event.actor_label == "system"
    assert Notification.objects.filter(case=case, user=personas["community_worker"]).exists()
    # running the sweep again at the same moment changes nothing: each case steps once
    assert sweep(now=T0 + timedelta(days=2, hours=16)).escalated == {}
    # community SLA: 3 more working days after Thursday (Fri, Mon, Tue): still there on Tuesday …
    assert sweep(now=T0 + timedelta(days=8, hours=14)).escalated == {}
    # … and escalated to the street once Tuesday has ended
    result = sweep(now=T0 + timedelta(days=8, hours=15, minutes=1))
    assert result.escalated == {Tier.STREET: 1}
    case.refresh_from_db()
    assert case.tier == Tier.STREET and case.escalations == 2
    assert Notification.objects.filter(case=case, user=personas["street_cadre"]).exists()


def test_cards_yellow_one_working_day_before_and_red_after(tree, categories, leader, personas):
    case = _new(tree, categories, "repair")
    # at the street tier already, so that no tier escalation resets the clock during this test
    case_transition(case_id=case.pk, action="escalate", actor=Actor(leader), note="需要社区", now=T0)
    case = case_transition(case_id=case.pk, action="escalate", actor=Actor(personas["community_worker"]),
                           note="需要街道", now=T0)
    assert case.tier == Tier.STREET
    case.refresh_from_db()
    due = case.due_at
    assert sweep(now=case.yellow_at - timedelta(seconds=1)).yellow == 0
    assert sweep(now=case.yellow_at).yellow == 1
    assert Case.objects.get(pk=case.pk).card == Card.YELLOW
    result = sweep(now=case.red_at)
    assert result.red == 1
    case.refresh_from_db()
    assert case.card == Card.RED and case.red_at > due
    assert Supervision.objects.filter(case=case, reason="red_card").count() == 1
    sweep(now=case.red_at + timedelta(hours=1))
    assert Supervision.objects.filter(case=case, reason="red_card").count() == 1


def test_a_sweep_that_dies_part_way_leaves_nothing_half_done(tree, categories, leader):
    cases = [_new(tree, categories) for _ in range(3)]
    when = T0 + timedelta(days=2, hours=16)
    # the worker dies right after the first step has written (before its audit row): all of it rolls back
    with mock.patch.object(sweep_module, "audit_record", side_effect=RuntimeError("worker killed")):
        with pytest.raises(RuntimeError):
            sweep(now=when)
    assert set(Case.objects.values_list("tier", flat=True)) == {Tier.COMPOUND}
    assert not Event.objects.filter(action="escalate").exists()
    assert not Case.objects.exclude(sweep_mark="").exists()
    assert sweep(now=when).escalated == {Tier.COMMUNITY: 3}
    assert Event.objects.filter(action="escalate").count() == 3
    assert all(c.escalations == 1 for c in Case.objects.filter(pk__in=[c.pk for c in cases]))


def test_parked_and_closed_cases_are_not_swept(tree, categories, leader, personas):
    parked = _new(tree, categories)
    case_transition(case_id=parked.pk, action="park", actor=Actor(personas["community_worker"]), note="等待",
                    now=T0)
    assert sweep(now=T0 + timedelta(days=30)).total == 0
