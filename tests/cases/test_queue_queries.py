"""The staff case pages cost a fixed number of queries, however many rows they show (no N+1)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from weizhili.cases.models import Case, Event, Tier
from weizhili.cases.services import Actor, case_create, case_transition

pytestmark = pytest.mark.django_db

MAX_QUERIES = 20


def _add_cases(tree, categories, leader, n: int) -> None:
    """`n` new cases in 东苑小区 1号楼 (routed to the building leader); every other one escalated to the community,
    so that the community worker's own-tier view has rows too."""
    for i in range(n):
        case = case_create(place=tree["east_household"], category=categories["sanitation"],
                           description=f"楼道堆放杂物，第{i + 1}处")
        if i % 2 == 0:
            case_transition(case_id=case.pk, action="escalate", actor=Actor(leader), note="需要社区协调")


def _queries(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("view", ["tier", "open"])
def test_queue_costs_the_same_with_3_and_40_cases(client, tree, personas, categories, leader, view):
    client.force_login(personas["community_worker"])
    url = f"{reverse('cases:queue')}?view={view}"
    shown = Case.objects.filter(tier=Tier.COMMUNITY) if view == "tier" else Case.objects.all()
    _add_cases(tree, categories, leader, 3)
    client.get(url)  # warm-up: session and per-process caches
    few, response = _queries(client, url)
    assert response.context["page"].paginator.count == shown.count() > 0

    _add_cases(tree, categories, leader, 37)
    many, response = _queries(client, url)
    assert response.context["page"].paginator.count == shown.count() >= 20
    assert len(response.context["rows"]) == min(shown.count(), 30)
    assert {c.tier for c, _label in response.context["rows"]} == (
        {Tier.COMMUNITY} if view == "tier" else {Tier.COMMUNITY, Tier.COMPOUND})
    assert many == few, f"{view}: {few} queries with 3 cases, {many} with 40"
    assert many <= MAX_QUERIES


def test_case_detail_costs_the_same_with_3_and_30_timeline_events(client, tree, personas, categories, leader, staff):
    case = case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道堆放杂物很多")
    base = Event.objects.filter(case=case).count()  # create, accept, register, dispatch
    actors = [Actor(staff["community"]), Actor(leader), Actor(staff["secretary"])]

    def note(k: int) -> None:
        for i in range(k):
            case_transition(case_id=case.pk, action="note", actor=actors[i % len(actors)], note=f"第{i + 1}次电话联系")

    client.force_login(staff["community"])
    url = reverse("cases:detail", args=[case.pk])
    note(3)
    client.get(url)
    few, response = _queries(client, url)
    assert len(response.context["timeline"]) == base + 3

    note(27)
    many, response = _queries(client, url)
    assert len(response.context["timeline"]) == base + 30
    assert many == few, f"detail: {few} queries with {base + 3} events, {many} with {base + 30}"
    assert many <= MAX_QUERIES


def test_export_costs_the_same_with_3_and_40_cases(client, tree, personas, categories, leader):
    client.force_login(personas["community_worker"])
    url = reverse("cases:export")
    _add_cases(tree, categories, leader, 3)
    client.get(url)
    few, response = _queries(client, url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"

    _add_cases(tree, categories, leader, 37)
    many, response = _queries(client, url)
    assert Case.objects.count() == 40
    assert many == few, f"export: {few} queries with 3 cases, {many} with 40"
    assert many <= MAX_QUERIES
