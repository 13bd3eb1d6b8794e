"""问题复发: a resident reopens a case after a satisfied rating, within the street's window, from the tracking
page, through the workflow table and `case_transition`."""
from datetime import timedelta

import pytest
from django.urls import reverse

from weizhili.cases import workflow
from weizhili.cases.models import Case, Event, FollowUp, Status, StreetPolicy
from weizhili.cases.services import Actor, CaseError, case_create, case_transition

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.public_test_urls")]


def _closed(tree, categories, leader, staff):
    case = case_create(place=tree["east_household"], category=categories["sanitation"],
                       description="楼道里堆满了杂物", contact_phone="13812340000")
    for action, actor, note in [("sign", leader, ""), ("report", leader, "已清理"),
                                ("verify", staff["secretary"], ""), ("close", staff["secretary"], "")]:
        case = case_transition(case_id=case.pk, action=action, actor=Actor(actor), note=note)
    return case


def _rate(client, case, satisfaction="satisfied"):
    return client.post(reverse("public:track", args=[case.token]),
                       {"action": "rate", "satisfaction": satisfaction, "resolved": "1"})


def test_resident_reopens_after_a_satisfied_rating(client, tree, categories, leader, staff):
    case = _closed(tree, categories, leader, staff)
    url = reverse("public:track", args=[case.token])
    assert 'value="reopen"' not in client.get(url).content.decode()  # not rated yet: rate instead
    _rate(client, case)
    assert 'value="reopen"' in client.get(url).content.decode()
    empty = client.post(url, {"action": "reopen", "note": " "})
    assert "请说明问题又出现的情况" in empty.content.decode()
    done = client.post(url, {"action": "reopen", "note": "又堆满了，住在501的人说的"}, follow=True)
    html = done.content.decode()
    assert "已申请重办" in html and "问题复发，居民申请重办" in html
    assert "501" not in html.replace(case.code, "").replace(case.token, "")  # the random code may hold "501"
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.round == 2 and case.closed_at is None
    assert case.due_at is not None and case.final_satisfaction == "" and case.first_satisfaction == "satisfied"
    event = Event.objects.get(case=case, action="resident_reopen")
    assert event.actor_label == workflow.RESIDENT and event.note.startswith("又堆满了")
    # the withdrawn rating no longer counts as a valid follow-up; the new round will have its own
    assert FollowUp.objects.get(case=case, round=1).valid is False


def test_reopen_window_is_the_streets_policy(client, tree, categories, leader, staff):
    case = _closed(tree, categories, leader, staff)
    _rate(client, case)
    url = reverse("public:track", args=[case.token])
    Case.objects.filter(pk=case.pk).update(closed_at=case.closed_at - timedelta(days=31))
    assert 'value="reopen"' not in client.get(url).content.decode()
    late = client.post(url, {"action": "reopen", "note": "又坏了"})
    assert "已超过结案后30天的重办期限" in late.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    StreetPolicy.objects.update_or_create(street=tree["street"], defaults={"reopen_window_days": 60})
    assert 'value="reopen"' in client.get(url).content.decode()
    client.post(url, {"action": "reopen", "note": "又坏了"})
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_reopen_is_the_residents_after_a_non_negative_rating_only(client, tree, categories, leader, staff):
    case = _closed(tree, categories, leader, staff)
    with pytest.raises(CaseError, match="请先评价"):
        case_transition(case_id=case.pk, action="resident_reopen", actor=Actor(kind=workflow.RESIDENT), note="x")
    assert "resident_reopen" in workflow.TABLE
    assert workflow.allowed(staff["secretary"], case, "resident_reopen")[0] is False
    assert "resident_reopen" not in {t.action for t in workflow.actions_for(staff["street"], case)}
    _rate(client, case, "unsatisfied")  # not satisfied: reopened by the system, as before
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.round == 2
    assert not Event.objects.filter(case=case, action="resident_reopen").exists()
