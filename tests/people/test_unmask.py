"""Personal data is shown masked; unmasking is a permission, bounded by scope, and audited."""
import pytest
from django.test import Client
from django.urls import reverse

from weizhili.audit.models import AuditEntry
from weizhili.people.services import person_create

from .test_personal_data import ID_NUMBER, PHONE


@pytest.fixture
def east_person(tree):
    return person_create(name="张三明", place=tree["east_household"], phone=PHONE, id_number=ID_NUMBER)


@pytest.fixture
def west_person(tree):
    return person_create(name="王五", place=tree["west_household"], phone="13700001111")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_community_worker_unmasks_in_scope_and_is_audited(personas, east_person):
    worker = personas["community_worker"]
    response = client_for(worker).post(reverse("people:unmask", args=[east_person.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert PHONE in body and ID_NUMBER in body
    entry = AuditEntry.objects.get(action="person.unmask")
    assert entry.actor_id == worker.pk and entry.actor_name == worker.username
    assert entry.object_type == "people.person" and entry.object_id == str(east_person.pk)
    assert entry.result == "ok"


@pytest.mark.django_db
def test_each_unmask_is_audited_separately(personas, east_person):
    client = client_for(personas["street_cadre"])
    for _ in range(3):
        assert client.post(reverse("people:unmask", args=[east_person.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="person.unmask", object_id=str(east_person.pk)).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["branch_secretary", "building_leader", "resident"])
def test_roles_without_the_permission_get_403(personas, east_person, role):
    response = client_for(personas[role]).post(reverse("people:unmask", args=[east_person.pk]))
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    # the refused attempt is audited as denied; no successful look is recorded
    assert not AuditEntry.objects.filter(action="person.unmask", result="ok").exists()
    assert AuditEntry.objects.filter(action="person.unmask", result="denied",
                                     actor_id=personas[role].pk).count() == 1


@pytest.mark.django_db
def test_out_of_scope_person_answers_404_like_a_missing_one(personas, west_person):
    client = client_for(personas["community_worker"])
    response = client.post(reverse("people:unmask", args=[west_person.pk]))
    assert response.status_code == 404
    assert "13700001111" not in response.content.decode()
    assert client.post(reverse("people:unmask", args=[999999])).status_code == 404
    assert client.get(reverse("people:detail", args=[west_person.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="person.unmask").exists()


@pytest.mark.django_db
def test_unmask_needs_post_and_login(personas, east_person):
    url = reverse("people:unmask", args=[east_person.pk])
    assert client_for(personas["community_worker"]).get(url).status_code == 405
    response = Client().post(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not AuditEntry.objects.filter(action="person.unmask").exists()


@pytest.mark.django_db
def test_detail_and_list_show_only_masked_values(personas, east_person):
    client = client_for(personas["community_worker"])
    detail = client.get(reverse("people:detail", args=[east_person.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "138****5678" in body and "370181********1234" in body and "张*明" in body
    assert PHONE not in body and ID_NUMBER not in body and "张三明" not in body
    assert reverse("people:unmask", args=[east_person.pk]) in body  # the worker is offered the button

    listing = client.get(reverse("people:list"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "138****5678" in body and PHONE not in body and "张三明" not in body
    assert not AuditEntry.objects.filter(action="person.unmask").exists()


@pytest.mark.django_db
def test_secretary_is_not_offered_the_unmask_button(personas, east_person):
    detail = client_for(personas["branch_secretary"]).get(reverse("people:detail", args=[east_person.pk]))
    assert detail.status_code == 200
    assert reverse("people:unmask", args=[east_person.pk]) not in detail.content.decode()
