"""A role sees what its job needs (docs/security.md): no ledger or member list for partner units and volunteers,
searches by a full phone or ID number only for the roles that need them (and audited, without the number),
rooms masked in lists."""
import pytest
from django.test import Client
from django.urls import reverse

from weizhili.audit.models import AuditEntry
from weizhili.party.models import PartyMember

from .. import factories
from .test_personal_data import ID_NUMBER, PHONE


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member(tree):
    person = factories.make_person(tree["east_household"], name="张三明", phone=PHONE, id_number=ID_NUMBER)
    branch = factories.make_branch(tree["east_compound"], name="东苑院落党支部")
    PartyMember.objects.create(person=person, org=branch, place=tree["east_household"])
    return person


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["partner_unit", "volunteer"])
def test_partner_units_and_volunteers_never_open_the_ledger_or_the_member_list(personas, member, role):
    client = client_for(personas[role])
    for name in ("people:list", "party:members"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert "张*明" not in response.content.decode()
    assert client.get(reverse("people:detail", args=[member.pk])).status_code == 404
    branch = member.party_memberships.first().org if hasattr(member, "party_memberships") else \
        PartyMember.objects.get(person=member).org
    page = client.get(reverse("party:detail", args=[branch.pk]))
    assert page.status_code == 200 and "张*明" not in page.content.decode()


@pytest.mark.django_db
def test_the_refusal_says_why(personas, member):
    response = client_for(personas["partner_unit"]).get(reverse("people:list"))
    assert "居民台账" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("number, kind", [(PHONE, "phone"), (ID_NUMBER, "id_number")])
def test_search_by_full_number_is_audited_without_the_number(personas, member, number, kind):
    worker = personas["community_worker"]
    body = client_for(worker).get(reverse("people:list"), {"q": number}).content.decode()
    assert "张*明" in body
    entry = AuditEntry.objects.get(action="person.search")
    assert entry.actor_id == worker.pk and entry.result == "ok"
    assert entry.detail["kind"] == kind and entry.detail["found"] == 1
    stored = " ".join(str(v) for v in AuditEntry.objects.values_list("action", "object_id", "detail")
                      .get(pk=entry.pk))
    assert number not in stored and number[-4:] not in stored


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["branch_secretary", "building_leader"])
def test_search_by_full_number_is_refused_to_roles_that_do_not_need_it(personas, member, role):
    response = client_for(personas[role]).get(reverse("people:list"), {"q": PHONE})
    body = response.content.decode()
    assert response.status_code == 200
    assert "张*明" not in body
    assert "只有街道干部和社区工作者可以按完整手机号或身份证号查找" in body
    entry = AuditEntry.objects.get(action="person.search")
    assert entry.result == "denied" and entry.detail["kind"] == "phone"


@pytest.mark.django_db
def test_search_by_name_is_not_an_identifier_search(personas, member):
    body = client_for(personas["branch_secretary"]).get(reverse("people:list"), {"q": "张三"}).content.decode()
    assert "张*明" in body
    assert not AuditEntry.objects.filter(action="person.search").exists()


@pytest.mark.django_db
def test_rooms_are_masked_in_lists_and_shown_on_the_persons_own_page(personas, member, tree):
    room = tree["east_household"].name
    client = client_for(personas["street_cadre"])
    for name in ("people:list", "party:members"):
        body = client.get(reverse(name)).content.decode()
        assert "张*明" in body and "1单元 ***" in body, name
        assert f"1单元 {room}" not in body, name
    assert f"1单元 {room}" in client.get(reverse("people:detail", args=[member.pk])).content.decode()
