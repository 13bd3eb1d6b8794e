"""The escalation effect is defined once (cases/escalation.py): a case escalated by hand and one escalated by the
sweep end in the same state, with the same timeline and the same notification to the same people."""
from datetime import timedelta

import pytest

from weizhili.cases import escalation
from weizhili.cases.models import Case, Event, Notification, Tier
from weizhili.cases.services import SYSTEM_ACTOR, case_create, case_transition
from weizhili.cases.sweep import sweep

from .conftest import T0

pytestmark = pytest.mark.django_db

# Columns that must differ between two cases: their identity, and the time the row was last saved (the service
# saves at the wall clock's now, the sweep at the step's time).
DIFFERENT = {"id", "code", "token", "updated_at"}
WHEN = T0 + timedelta(days=2, hours=16)  # Thursday 01:00: past the compound tier's 2 working days


def _pair(tree, categories):
    return [case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道堆放杂物很多",
                        now=T0) for _ in range(2)]


def _state(case: Case) -> dict:
    case.refresh_from_db()
    return {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if f.attname not in DIFFERENT}


def _timeline(case: Case) -> list:
    return list(Event.objects.filter(case=case).order_by("at", "id")
                .values_list("action", "from_status", "to_status", "actor_label", "public", "data__tier"))


def _notices(case: Case) -> set:
    return {(n.user_id, n.kind, n.message.replace(case.code, "<code>"))
            for n in Notification.objects.filter(case=case, kind=escalation.NOTIFICATION_KIND)}


def _escalate_both(tree, categories, capture, when=WHEN):
    by_hand, by_sweep = _pair(tree, categories)
    with capture(execute=True):
        case_transition(case_id=by_hand.pk, action="escalate", actor=SYSTEM_ACTOR, note="超过院落时限", now=when)
    # by now the hand-escalated case has a fresh community clock, so the sweep steps only the other one
    assert sweep(now=when).escalated == {Tier.COMMUNITY: 1}
    return by_hand, by_sweep


def test_by_hand_and_by_the_sweep_end_in_the_same_state(tree, categories, leader, personas,
                                                       django_capture_on_commit_callbacks):
    by_hand, by_sweep = _escalate_both(tree, categories, django_capture_on_commit_callbacks)
    hand, swept = _state(by_hand), _state(by_sweep)
    assert hand["tier"] == Tier.COMMUNITY and hand["escalations"] == 1 and hand["dispatched_at"] == WHEN
    assert hand == swept
    assert _timeline(by_hand) == _timeline(by_sweep)
    notices = _notices(by_hand)
    assert notices and notices == _notices(by_sweep)
    assert {user for user, _kind, _text in notices} == {personas["community_worker"].pk}


def test_both_paths_read_the_one_definition(tree, categories, leader, personas, monkeypatch,
                                            django_capture_on_commit_callbacks):
    """Change the definition and both paths follow: the service applies it, both sweeps compile it to SQL."""
    plain = escalation.escalation_columns

    def with_rework(upper):
        return {**plain(upper), "reworks": escalation.Add(3), "resolved_tier": upper}

    monkeypatch.setattr(escalation, "escalation_columns", with_rework)
    by_hand, by_sweep = _escalate_both(tree, categories, django_capture_on_commit_callbacks)
    hand, swept = _state(by_hand), _state(by_sweep)
    assert hand["reworks"] == swept["reworks"] == 3
    assert hand["resolved_tier"] == swept["resolved_tier"] == Tier.COMMUNITY
    assert hand == swept


def test_to_the_street_as_well(tree, categories, leader, personas, django_capture_on_commit_callbacks):
    by_hand, by_sweep = _escalate_both(tree, categories, django_capture_on_commit_callbacks)
    later = WHEN + timedelta(days=7)  # past the community tier's 3 working days
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=by_hand.pk, action="escalate", actor=SYSTEM_ACTOR, note="超过社区时限", now=later)
    assert sweep(now=later).escalated == {Tier.STREET: 1}
    hand, swept = _state(by_hand), _state(by_sweep)
    assert hand["tier"] == Tier.STREET and hand["escalations"] == 2
    assert hand == swept
    assert _timeline(by_hand) == _timeline(by_sweep)
    assert _notices(by_hand) == _notices(by_sweep)
    assert personas["street_cadre"].pk in {user for user, _kind, _text in _notices(by_sweep)}
