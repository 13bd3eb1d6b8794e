"""List pages and the home page cost a constant number of queries, however many rows they show."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from weizhili.party.models import PartyMember
from weizhili.places.models import Place, PlaceKind

from .. import factories

PAGES = ["insight:home", "places:browser", "party:browser", "party:members", "people:list"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _add_people(tree, branch, n):
    homes = list(Place.objects.filter(path__startswith=tree["east_compound"].path, kind=PlaceKind.HOUSEHOLD))
    for i in range(n):
        person = factories.make_person(homes[i % len(homes)], name=f"测试{i}")
        PartyMember.objects.create(person=person, org=branch, place=person.place)


@pytest.mark.django_db
def test_queries_do_not_grow_with_rows(client, tree, personas):
    branch = factories.make_branch(tree["east_compound"])
    client.force_login(personas["community_worker"])
    _add_people(tree, branch, 2)
    few = {name: _queries(client, reverse(name)) for name in PAGES}
    _add_people(tree, branch, 30)
    many = {name: _queries(client, reverse(name)) for name in PAGES}
    assert many == few
    assert max(few.values()) <= 25
