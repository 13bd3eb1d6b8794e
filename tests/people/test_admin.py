"""The person admin: masked display only, scope-bounded, search by keyed hash, writes through the services."""
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from weizhili.accounts.models import Role
from weizhili.audit.models import AuditEntry
from weizhili.people.crypto import lookup_hash
from weizhili.people.models import Person
from weizhili.people.services import person_create

from ..factories import make_user
from .test_personal_data import ID_NUMBER, PHONE, valid_id

CHANGELIST = "admin:people_person_changelist"


def change_url(person) -> str:
    return reverse("admin:people_person_change", args=[person.pk])


@pytest.fixture
def superuser(tree):
    user = make_user(Role.SYSTEM_ADMIN, None, username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(tree):
    return {
        "east": person_create(name="张三明", place=tree["east_household"], phone=PHONE, id_number=ID_NUMBER),
        "west": person_create(name="王小五", place=tree["west_household"], phone="13700001111"),
    }


def _scoped_staff(tree, *codenames) -> Client:
    staff = make_user(Role.COMMUNITY_WORKER, tree["east"], username="east-staff", is_staff=True)
    perms = Permission.objects.filter(content_type__app_label="people", codename__in=codenames)
    staff.user_permissions.add(*perms)
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.django_db
def test_list_and_form_show_masked_values_only(superuser, people):
    body = superuser.get(reverse(CHANGELIST)).content.decode()
    assert "138****5678" in body and "370181********1234" in body and "张*明" in body
    assert PHONE not in body and ID_NUMBER not in body and "张三明" not in body

    page = superuser.get(change_url(people["east"]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "138****5678" in body and "370181********1234" in body
    assert PHONE not in body and ID_NUMBER not in body and "张三明" not in body
    form = page.context["adminform"].form
    assert "phone" not in form.fields and "id_number" not in form.fields and "name" not in form.fields
    assert not form["new_phone"].value() and not form["new_id_number"].value()


@pytest.mark.django_db
def test_search_by_exact_phone_id_or_name(superuser, people):
    def found(q):
        response = superuser.get(reverse(CHANGELIST), {"q": q})
        return {p.pk for p in response.context["cl"].result_list}

    east, west = people["east"].pk, people["west"].pk
    assert found(PHONE) == {east}
    assert found("138 1234 5678") == {east}
    assert found(ID_NUMBER) == {east}
    assert found(ID_NUMBER.lower()) == {east}
    assert found("13700001111") == {west}
    assert found("1381234") == set()  # a fragment of a number finds nothing
    assert found("三明") == {east}
    assert found("王小") == {west}


@pytest.mark.django_db
def test_admin_list_is_bounded_by_scope(tree, people):
    client = _scoped_staff(tree, "view_person")
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert {p.pk for p in response.context["cl"].result_list} == {people["east"].pk}
    assert client.get(reverse(CHANGELIST), {"q": "13700001111"}).context["cl"].result_count == 0
    assert client.get(change_url(people["east"])).status_code == 200
    assert client.get(change_url(people["west"])).status_code == 302  # answered like a missing one


@pytest.mark.django_db
def test_correcting_phone_and_id_goes_through_the_service(superuser, people):
    person = people["east"]
    new_id = valid_id(prefix="110105", serial="456")
    response = superuser.post(change_url(person), {
        "new_name": "", "gender": "M", "birth_year": "1990", "place": person.place_id,
        "new_phone": "139 8765 4321", "new_id_number": new_id,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.name == "张三明"  # left empty: unchanged
    assert person.phone == "13987654321" and person.phone_hash == lookup_hash("13987654321")
    assert person.id_number == new_id and person.id_hash == lookup_hash(new_id)
    assert person.gender == "M" and person.birth_year == 1990
    entry = AuditEntry.objects.filter(action="person.update", object_id=str(person.pk)).get()
    assert "phone" in entry.detail["fields"] and "id_number" in entry.detail["fields"]


@pytest.mark.django_db
def test_invalid_corrections_are_refused(superuser, people):
    person, other = people["east"], people["west"]
    wrong_id = ID_NUMBER[:17] + str((int(ID_NUMBER[17]) + 1) % 10)
    attempts = [(person, {"new_phone": "12345"}), (person, {"new_id_number": wrong_id}),
                (other, {"new_id_number": ID_NUMBER})]  # another person's ID number
    for target, data in attempts:
        form = {"new_name": "", "gender": "", "birth_year": "", "place": target.place_id,
                "new_phone": "", "new_id_number": "", **data}
        response = superuser.post(change_url(target), form)
        assert response.status_code == 200, data  # the form again, with the error
        assert response.context["adminform"].form.errors, data
    person.refresh_from_db()
    other.refresh_from_db()
    assert person.phone == PHONE and person.id_number == ID_NUMBER and other.id_number == ""
    assert not AuditEntry.objects.filter(action="person.update").exists()


@pytest.mark.django_db
def test_adding_a_person_goes_through_the_service(superuser, tree):
    response = superuser.post(reverse("admin:people_person_add"), {
        "new_name": "赵六", "gender": "F", "birth_year": "1985", "place": tree["east_household"].pk,
        "new_phone": "13811112222", "new_id_number": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(name="赵六")
    assert person.phone == "13811112222" and person.phone_hash == lookup_hash("13811112222")
    assert AuditEntry.objects.filter(action="person.create", object_id=str(person.pk)).exists()


@pytest.mark.django_db
def test_scoped_staff_cannot_move_a_person_out_of_scope(tree, people):
    client = _scoped_staff(tree, "view_person", "change_person")
    person = people["east"]
    response = client.post(change_url(person), {
        "new_name": "", "gender": "", "birth_year": "", "place": tree["west_household"].pk,
        "new_phone": "", "new_id_number": "",
    })
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.place == tree["east_household"]


@pytest.mark.django_db
def test_persons_are_not_deleted_through_admin(superuser, people):
    person = people["east"]
    response = superuser.post(reverse("admin:people_person_delete", args=[person.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()
