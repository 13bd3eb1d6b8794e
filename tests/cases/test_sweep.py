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


@pytest.mark.django_db(transaction=True)
def test_a_login_does_not_wait_for_a_catch_up_sweep(flushable_audit, tree, categories, leader):
    """Each batch chains its audit row and commits, so the audit chain's head is free between batches: another
    connection writes its audit row (a login) while the sweep still has batches to go, without waiting."""
    import threading
    import time

    from django.db import OperationalError, connection, connections, transaction

    from weizhili.audit.models import AuditEntry
    from weizhili.audit.services import audit_record, audit_verify

    for _ in range(3):
        _new(tree, categories)
    when = T0 + timedelta(days=2, hours=16)
    paused, resume = threading.Event(), threading.Event()
    outcome = {}

    def between_batches(step):
        if not paused.is_set():  # after the first committed batch: hold the sweep here
            paused.set()
            resume.wait(30)

    def run():
        try:
            outcome["result"] = sweep(now=when, batch_size=1, on_batch=between_batches)
        except Exception as exc:  # reported by the assertions below
            outcome["error"] = exc
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert paused.wait(30), outcome
        started = time.monotonic()
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":  # a waiting login would fail here instead of hanging
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '3s'")
                audit_record(action="accounts.login", username="someone")
            wrote = True
        except OperationalError:  # PostgreSQL's lock timeout; SQLite's "database table is locked"
            wrote = False
        waited = time.monotonic() - started
    finally:
        resume.set()
        worker.join(60)
    assert wrote and waited < 2, waited
    assert "error" not in outcome, outcome
    assert outcome["result"].escalated == {Tier.COMMUNITY: 3}
    assert AuditEntry.objects.filter(action="case.sweep.escalate").count() == 3  # one audit row per batch
    assert audit_verify()[1] is None  # the login's row sits between two batches' rows, chained


def test_one_table_of_sla_defaults(tree):
    """Every default deadline is read from SLA_DEFAULTS: the street's policy, the default categories."""
    from weizhili.cases.models import SLA_DEFAULTS, TIER_ORDER, StreetPolicy
    from weizhili.cases.services import categories_ensure

    # the defaults of docs/rules-and-metrics.md
    assert SLA_DEFAULTS["tier_workdays"] == {Tier.COMPOUND: 2, Tier.COMMUNITY: 3, Tier.STREET: 5}
    policy = StreetPolicy()
    assert {tier: policy.tier_sla(tier) for tier in TIER_ORDER} == SLA_DEFAULTS["tier_workdays"]
    assert (policy.handle_workdays, policy.max_extension_workdays, policy.return_window_workdays) == (
        SLA_DEFAULTS["handle_workdays"], SLA_DEFAULTS["max_extension_workdays"],
        SLA_DEFAULTS["return_window_workdays"])
    categories = categories_ensure(street=tree["street"])
    assert {c.code: (c.deadline_unit, c.deadline_value) for c in categories} == SLA_DEFAULTS["categories"]
