"""The admin's raw-id widgets and autocomplete lookups honour scope: a typed id of an out-of-scope person,
organisation or place shows no label, and a search lists only objects inside the scope."""
import pytest
from django.urls import reverse

from weizhili.party.models import PartyMember

from .. import factories


@pytest.fixture
def both_sides(tree):
    east_branch = factories.make_branch(tree["east_compound"], name="东苑院落党支部")
    west_branch = factories.make_branch(tree["west_compound"], name="西苑院落党支部")
    east_person = factories.make_person(tree["east_household"], name="东明亮", phone="13811112222")
    west_person = factories.make_person(tree["west_household"], name="西清风", phone="13933334444")
    return {"east": (east_person, east_branch, tree["east_compound"]),
            "west": (west_person, west_branch, tree["west_compound"])}


@pytest.fixture
def worker(personas):
    user = personas["community_worker"]  # scope: 东社区
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


LABELS = {"east": ["东*亮", "东苑院落党支部", "东苑小区"], "west": ["西*风", "西苑院落党支部", "西苑小区"]}


@pytest.mark.django_db
@pytest.mark.parametrize("side", ["east", "west"])
def test_raw_id_labels_only_for_objects_in_scope(client, worker, both_sides, side):
    person, branch, compound = both_sides[side]
    client.force_login(worker)
    add = reverse("admin:party_partymember_add")
    body = client.get(add, {"person": person.pk, "org": branch.pk, "place": compound.pk}).content.decode()
    for label in LABELS[side]:
        assert (label in body) == (side == "east"), f"{side} {label}"
    # a bound form that is sent back (with an error) prints the labels again: same rule
    body = client.post(add, {"person": person.pk, "org": branch.pk, "place": compound.pk,
                             "status": "bogus"}).content.decode()
    for label in LABELS[side]:
        assert (label in body) == (side == "east"), f"posted {side} {label}"


@pytest.mark.django_db
def test_raw_id_label_on_a_change_form_of_another_model(client, worker, both_sides, tree):
    west_person = both_sides["west"][0]
    client.force_login(worker)
    holder_add = reverse("admin:party_roleholder_add")
    body = client.get(holder_add, {"person": west_person.pk, "place": tree["west_compound"].pk}).content.decode()
    assert "西*风" not in body and "西苑小区" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("model, field, term", [
    ("partymember", "person", "清风"), ("partymember", "org", "西苑"), ("partymember", "place", "西苑"),
    ("roleholder", "person", "清风"), ("roleholder", "place", "西苑"),
])
def test_autocomplete_lists_only_objects_in_scope(client, worker, both_sides, model, field, term):
    PartyMember.objects.create(person=both_sides["east"][0], org=both_sides["east"][1],
                               place=both_sides["east"][0].place)
    client.force_login(worker)
    response = client.get(reverse("admin:autocomplete"), {"app_label": "party", "model_name": model,
                                                          "field_name": field, "term": term})
    if response.status_code == 200:
        texts = [r["text"] for r in response.json()["results"]]
        assert not any("西" in t for t in texts), texts
    else:
        assert response.status_code in (403, 404)
    # the same search inside the scope finds the east side (the endpoint is not simply closed)
    east_term = term.replace("清风", "明亮").replace("西", "东")
    response = client.get(reverse("admin:autocomplete"), {"app_label": "party", "model_name": model,
                                                          "field_name": field, "term": east_term})
    if response.status_code == 200:
        assert response.json()["results"], f"{model}.{field}: nothing found in scope"
