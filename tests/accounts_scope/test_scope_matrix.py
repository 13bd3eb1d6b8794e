"""Every persona × every page and endpoint × objects inside and outside its scope: zero leaks.

An object outside the user's scope must answer 404 (exactly like a missing one); list pages must not show
anything from outside the scope. New URL patterns must be added here (see test_every_page_is_in_the_matrix).
"""
import tempfile
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from weizhili.audit.models import AuditEntry
from weizhili.party.models import PartyMember

from .. import factories

# Patterns that hold no domain data, or are covered by their own tests (login policy, admin separation).
NOT_DOMAIN = {"login", "totp_verify", "logout", "password_change", "totp_setup", "set_language",
              "javascript-catalog", "settings",
              "notifications"}  # a user's own notifications only (tests/cases/test_notifications.py)


@pytest.fixture
def world(tree, personas):
    """Distinctly named objects on both sides of the street, so that a leak shows up as a name."""
    east_branch = factories.make_branch(tree["east_compound"], name="东苑院落党支部")
    west_branch = factories.make_branch(tree["west_compound"], name="西苑院落党支部")
    east_person = factories.make_person(tree["east_household"], name="东明亮", phone="13811112222")
    west_person = factories.make_person(tree["west_household"], name="西清风", phone="13933334444")
    PartyMember.objects.create(person=east_person, org=east_branch, place=tree["east_household"])
    PartyMember.objects.create(person=west_person, org=west_branch, place=tree["west_household"])
    from weizhili.cases.services import case_create, categories_ensure

    category = categories_ensure(street=tree["street"])[0]
    east_case = case_create(place=tree["east_household"], category=category, description="东苑楼道堆物需要清理")
    west_case = case_create(place=tree["west_household"], category=category, description="西苑楼道堆物需要清理")
    from django.utils import timezone

    from weizhili.hotline.models import HotlineOrder, ImportJob

    now = timezone.now()
    east_order = HotlineOrder.objects.create(
        street=tree["street"], order_no="EAST-0001", received_at=now, content="东苑楼道灯不亮", updated_at=now,
        place=tree["east_compound"], compound=tree["east_compound"], community=tree["east"])
    west_order = HotlineOrder.objects.create(
        street=tree["street"], order_no="WEST-0001", received_at=now, content="西苑楼道灯不亮", updated_at=now,
        place=tree["west_compound"], compound=tree["west_compound"], community=tree["west"])
    errors = Path(tempfile.mkdtemp()) / "job.errors.xlsx"
    errors.write_bytes(b"x")
    job = ImportJob.objects.create(street=tree["street"], file_name="西苑工单.xlsx", status="mapping",
                                   error_path=str(errors), summary={"unknown_headers": ["编号X"]})
    return {
        "orders": {"east_order": east_order, "west_order": west_order},
        "jobs": {"street_job": job},
        "cases": {"east_case": east_case, "west_case": west_case},
        "places": {k: tree[k] for k in ("street", "east", "west", "east_compound", "west_compound",
                                        "east_building", "west_building", "east_household", "west_household")},
        "orgs": {"east_branch": east_branch, "west_branch": west_branch},
        "people": {"east_person": east_person, "west_person": west_person},
    }


def _visible(user, place) -> bool:
    return user.scope_path is not None and place.path.startswith(user.scope_path)


CASE_ROLES = {"street_cadre", "community_worker", "branch_secretary", "building_leader", "grid_worker"}
HOTLINE_ROLES = {"street_cadre", "community_worker", "branch_secretary"}
# A role sees what its job needs: the resident ledger and the member list are for these roles only (not partner
# units, volunteers, grid workers or residents), also when the URL is typed by hand.
LEDGER_ROLES = {"street_cadre", "community_worker", "branch_secretary", "building_leader"}
LEDGER_LIST_PAGES = {"people:list", "party:members"}
FIGURE_ROLES = LEDGER_ROLES  # the case figures are for those who handle cases, not grid workers or partners
HOTLINE_LIST_ROLES = {"hotline:overview": HOTLINE_ROLES, "hotline:orders": HOTLINE_ROLES,
                      "hotline:imports": {"street_cadre"}}
DETAIL_ENDPOINTS = [
    # (url name, object group, how to find the object's place, method, personas whose role may use it at all)
    ("place_detail", "places", lambda o: o, "get", None),
    ("places:children", "places", lambda o: o, "get", None),
    ("party:detail", "orgs", lambda o: o.place, "get", None),
    ("people:detail", "people", lambda o: o.place, "get", LEDGER_ROLES),
    ("people:unmask", "people", lambda o: o.place, "post", None),
    ("cases:detail", "cases", lambda o: o.place, "get", CASE_ROLES),
    ("cases:act", "cases", lambda o: o.place, "post", CASE_ROLES),
    ("cases:summary", "cases", lambda o: o.place, "post", CASE_ROLES),
    ("hotline:order", "orders", lambda o: o.place, "get", HOTLINE_ROLES),
    ("hotline:order_locate", "orders", lambda o: o.place, "post", {"street_cadre", "community_worker"}),
    ("hotline:import_detail", "jobs", lambda o: o.street, "get", {"street_cadre"}),
    ("hotline:import_columns", "jobs", lambda o: o.street, "post", {"street_cadre"}),
    ("hotline:import_errors", "jobs", lambda o: o.street, "get", {"street_cadre"}),
]
LIST_ENDPOINTS = ["insight:home", "places:browser", "party:browser", "party:members", "people:list",
                  "cases:queue", "cases:map", "cases:intake", "insight:case_figures", "hotline:overview",
                  "hotline:orders", "hotline:imports"]
PERSONAS = ["street_cadre", "community_worker", "branch_secretary", "building_leader", "grid_worker",
            "volunteer", "resident", "partner_unit", "outsider"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_endpoints_answer_404_outside_scope(client, world, personas, persona):
    user = personas[persona]
    client.force_login(user)
    checked = 0
    for name, group, place_of, method, roles in DETAIL_ENDPOINTS:
        for key, obj in world[group].items():
            url = reverse(name, args=[obj.pk])
            response = getattr(client, method)(url, {"action": "urge", "note": "测试"} if name == "cases:act" else {})
            if _visible(user, place_of(obj)) and (roles is None or persona in roles):
                assert response.status_code in (200, 302, 403), f"{persona} {name} {key}: {response.status_code}"
            else:
                assert response.status_code == 404, f"LEAK {persona} {name} {key}: {response.status_code}"
            checked += 1
    assert checked == 10 * 2 + 2 + 2 * 2 + 2 * 2 + 2 * 2 + 3  # ... + 2 hotline orders × 2 endpoints + 3 job endpoints


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_list_pages_show_nothing_outside_scope(client, world, personas, persona):
    user = personas[persona]
    client.force_login(user)
    west_markers = ["西苑小区", "西苑院落党支部", "西*风", "139****4444", world["cases"]["west_case"].code,
                    "WEST-0001"]
    east_markers = ["东苑小区", "东苑院落党支部", "东*亮"]
    sees_west = _visible(user, world["places"]["west_household"])
    for name in LIST_ENDPOINTS:
        response = client.get(reverse(name))
        body = response.content.decode()
        if name.startswith("cases:") and persona not in CASE_ROLES:
            assert response.status_code == 404, f"{persona} {name}"
            continue
        if name == "insight:case_figures" and persona not in FIGURE_ROLES:
            assert response.status_code == 403, f"{persona} {name}: {response.status_code}"
            assert not any(m in body for m in west_markers + east_markers), f"LEAK {persona} {name}"
            continue
        if name in LEDGER_LIST_PAGES and persona not in LEDGER_ROLES:
            assert response.status_code == 403, f"{persona} {name}: {response.status_code}"
            assert not any(m in body for m in west_markers + east_markers), f"LEAK {persona} {name}"
            continue
        if name in HOTLINE_LIST_ROLES and persona not in HOTLINE_LIST_ROLES[name]:
            assert response.status_code == 404, f"{persona} {name}"
            assert not any(m in body for m in west_markers + east_markers), f"LEAK {persona} {name}"
            continue
        if user.scope_path is None:
            # no scope at all: an empty page or 404, never data
            assert response.status_code in (200, 404), f"{persona} {name}"
            assert not any(m in body for m in west_markers + east_markers), f"LEAK {persona} {name}"
            continue
        assert response.status_code == 200, f"{persona} {name}: {response.status_code}"
        for marker in west_markers:
            if not sees_west:
                assert marker not in body, f"LEAK {persona} {name}: {marker}"
    # the pages do show what is in scope (the test would pass vacuously otherwise)
    if persona in ("street_cadre", "community_worker", "branch_secretary"):
        assert "东苑院落党支部" in client.get(reverse("party:browser")).content.decode()
        assert "东*亮" in client.get(reverse("people:list")).content.decode()
    if persona == "street_cadre":
        assert all(m in client.get(reverse("party:members")).content.decode() for m in ["西*风", "东*亮"])
    if persona in HOTLINE_ROLES:
        assert "EAST-0001" in client.get(reverse("hotline:orders")).content.decode()


@pytest.mark.django_db
def test_search_by_phone_stays_in_scope(client, world, personas):
    client.force_login(personas["community_worker"])
    assert "东*亮" in client.get(reverse("people:list"), {"q": "13811112222"}).content.decode()
    body = client.get(reverse("people:list"), {"q": "13933334444"}).content.decode()
    assert "西*风" not in body and "139****4444" not in body
    client.force_login(personas["street_cadre"])
    assert "西*风" in client.get(reverse("people:list"), {"q": "13933334444"}).content.decode()


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            if item.app_name == "admin":
                continue
            ns = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _named_patterns(item, ns)
        elif isinstance(item, URLPattern) and item.name:
            yield f"{namespace}{item.name}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(CASE_ROLES))
def test_case_export_and_place_picker_stay_in_scope(client, world, personas, persona):
    from python_calamine import CalamineWorkbook

    user = personas[persona]
    client.force_login(user)
    response = client.get(reverse("cases:export"), {"view": "open"})
    assert response.status_code == 200
    path = Path(tempfile.mkdtemp()) / "export.xlsx"
    path.write_bytes(response.content)
    cells = {str(c) for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python() for c in row}
    assert (world["cases"]["west_case"].code in cells) == _visible(user, world["places"]["west_household"])
    assert (world["cases"]["east_case"].code in cells) == _visible(user, world["places"]["east_household"])
    west = client.get(reverse("cases:place_options"), {"parent": world["places"]["west_compound"].pk})
    assert west.status_code == (200 if _visible(user, world["places"]["west_compound"]) else 404)
    figures = client.get(reverse("insight:case_figures"), {"node": world["places"]["west_compound"].pk})
    assert figures.status_code == (403 if persona not in FIGURE_ROLES
                                   else 200 if _visible(user, world["places"]["west_compound"]) else 404)
    assert AuditEntry.objects.filter(action="case.export", actor_id=user.pk).exists()


def test_every_page_is_in_the_matrix():
    covered = ({name for name, *_rest in DETAIL_ENDPOINTS} | set(LIST_ENDPOINTS)
               | {"cases:export", "cases:place_options", "cases:photo"}  # photo: tests/cases/test_staff_photos.py
               | {"hotline:export", "hotline:train"})  # tests/hotline/test_pages.py
    # The resident pages under r/ have no account scope: a case is reached only through its secret token,
    # and the place pickers list no households and no personal data (tests/cases/test_public.py).
    missing = [n for n in _named_patterns() if n not in covered and n.split(":")[-1] not in NOT_DOMAIN
               and not n.startswith("public:")]
    assert missing == [], f"add these endpoints to the scope matrix: {missing}"


@pytest.mark.django_db
def test_admin_login_goes_through_the_platform_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=%2Fadmin%2F" in response["Location"]


ADMIN_MODELS = [("people", "person", "people"), ("party", "partyorg", "orgs"), ("places", "place", "places"),
                ("cases", "case", "cases")]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["street_cadre", "community_worker", "branch_secretary"])
def test_admin_pages_honour_the_scope_too(client, world, personas, persona):
    user = personas[persona]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    sees_west = _visible(user, world["places"]["west_household"])
    for app, model, group in ADMIN_MODELS:
        listing = client.get(reverse(f"admin:{app}_{model}_changelist"))
        if listing.status_code == 403:  # the role has no admin page for this model at all
            continue
        body = listing.content.decode()
        assert listing.status_code == 200
        if not sees_west:
            assert "西苑" not in body and "西*风" not in body, f"LEAK admin {persona} {model}"
        for obj in world[group].values():
            place = obj if group == "places" else obj.place
            page = client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))
            if _visible(user, place):
                assert page.status_code == 200, f"{persona} {model} {obj}"
            else:
                assert page.status_code in (302, 404), f"LEAK admin {persona} {model} {obj}: {page.status_code}"
                if page.status_code == 302:  # Django's admin answers a missing object the same way
                    assert page["Location"] == reverse("admin:index")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_a_household_page_lists_its_residents_only_to_ledger_roles(client, world, personas, persona):
    """The household's residents are the ledger: roles without it see the place, not the people in it."""
    client.force_login(personas[persona])
    response = client.get(reverse("place_detail", args=[world["places"]["east_household"].pk]))
    if not _visible(personas[persona], world["places"]["east_household"]):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert ("东*亮" in response.content.decode()) == (persona in LEDGER_ROLES), persona
