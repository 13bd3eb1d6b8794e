"""Fields of the case model are written by their flow: `Case.exempt` by the 不合理诉求 action,
`Supervision.closed_at` when the case ends, `FollowUp.valid` by the rating flow, and `deadline_provisional`
settled when the street's calendar gains the year's notice."""
from datetime import date, datetime

import pytest
from django.urls import reverse

from weizhili.accounts.models import Role
from weizhili.cases.models import CalendarOverride, Case, FollowUp, Status, Supervision
from weizhili.cases.services import (
    RESIDENT_ACTOR,
    Actor,
    CaseError,
    case_create,
    case_transition,
    deadlines_recompute_provisional,
)

from .. import factories
from .conftest import TZ

pytestmark = pytest.mark.django_db


def _new(tree, categories, **kwargs):
    return case_create(place=tree["east_household"], category=categories["sanitation"],
                       description="楼道里堆满了杂物", **kwargs)


def _close(case, leader, staff):
    for action, actor, note in [("sign", leader, ""), ("report", leader, "已清理"),
                                ("verify", staff["secretary"], ""), ("close", staff["secretary"], "")]:
        case = case_transition(case_id=case.pk, action=action, actor=Actor(actor), note=note)
    return case


def test_exempt_is_set_by_the_unreasonable_request_action(tree, categories, staff):
    case = _new(tree, categories)
    with pytest.raises(CaseError):  # a compound secretary cannot exempt a case from the figures
        case_transition(case_id=case.pk, action="exempt", actor=Actor(staff["secretary"]), note="无理要求")
    with pytest.raises(CaseError, match="需要填写说明"):
        case_transition(case_id=case.pk, action="exempt", actor=Actor(staff["community"]))
    case = case_transition(case_id=case.pk, action="exempt", actor=Actor(staff["community"]),
                           note="要求物业免除全部物业费，经社区认定为不合理诉求")
    assert case.exempt is True and case.status == Status.DISPATCHED  # still handled, no longer counted
    event = case.events.get(action="exempt")
    assert event.public is False and event.actor == staff["community"]
    with pytest.raises(CaseError, match="已认定"):
        case_transition(case_id=case.pk, action="exempt", actor=Actor(staff["street"]), note="再次")


def test_supervision_orders_close_when_the_case_closes(tree, categories, leader, staff):
    case = _new(tree, categories)
    case_transition(case_id=case.pk, action="supervise", actor=Actor(staff["community"]), note="抓紧办理")
    supervision = Supervision.objects.get(case=case)
    assert supervision.closed_at is None
    case = _close(case, leader, staff)
    supervision.refresh_from_db()
    assert supervision.closed_at == case.closed_at
    rejected = _new(tree, categories)
    case_transition(case_id=rejected.pk, action="supervise", actor=Actor(staff["community"]), note="督办")
    case_transition(case_id=rejected.pk, action="reject", actor=Actor(staff["community"]), note="不属于职责")
    assert Supervision.objects.get(case=rejected).closed_at is not None


def test_followup_validity_is_written_by_the_rating_flow(tree, categories, leader, staff):
    case = _close(_new(tree, categories), leader, staff)
    case_transition(case_id=case.pk, action="rate", actor=RESIDENT_ACTOR,
                    data={"satisfaction": "satisfied", "resolved": True})
    rating = FollowUp.objects.get(case=case)
    assert rating.valid is True
    case_transition(case_id=case.pk, action="resident_reopen", actor=RESIDENT_ACTOR, note="又堆满了")
    rating.refresh_from_db()
    assert rating.valid is False
    # withdrawn by the resident who reopened: the figures count valid follow-ups only (metrics._followups)
    assert not FollowUp.objects.filter(case=case, valid=True).exists()


def test_provisional_deadlines_are_settled_when_the_notice_is_entered(client, tree, categories):
    # Tuesday 29 Dec 2026: three working days run into 2027, which the holiday package does not know yet
    case = _new(tree, categories, now=datetime(2026, 12, 29, 10, 0, tzinfo=TZ))
    assert case.deadline_provisional is True
    provisional_due = case.due_at
    admin = factories.make_user(Role.SYSTEM_ADMIN, None, username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    # the notice: 4 January 2027 is a day off (an invented swap, so that the deadline must move)
    response = client.post(reverse("admin:cases_calendaroverride_add"),
                           {"street": tree["street"].pk, "day": "2027-01-04", "is_workday": "", "note": "通知"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarOverride.objects.filter(day=date(2027, 1, 4)).exists()
    case.refresh_from_db()
    assert case.deadline_provisional is False
    assert case.due_at > provisional_due  # 4 Jan no longer counts
    assert deadlines_recompute_provisional(street=tree["street"]) == 0  # nothing left to settle


def test_recompute_leaves_extended_rounds_alone(tree, categories):
    case = _new(tree, categories, now=datetime(2026, 12, 29, 10, 0, tzinfo=TZ))
    Case.objects.filter(pk=case.pk).update(extensions=1)
    CalendarOverride.objects.create(street=tree["street"], day=date(2027, 1, 4), is_workday=False)
    assert deadlines_recompute_provisional(street=tree["street"]) == 0
    assert Case.objects.get(pk=case.pk).deadline_provisional is True
