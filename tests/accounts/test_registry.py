"""One permission registry: `can(user, action, obj)` answers every "may this role" question, the admin's model
permissions are derived from it, and the rooms below `accounts` neither import it nor keep role lists."""
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

import weizhili
from weizhili.accounts import permissions
from weizhili.accounts.backends import ROLE_PERMISSIONS
from weizhili.accounts.models import Role
from weizhili.accounts.permissions import Action, can
from weizhili.places.scope import get_in_scope_or_404, path_in_scope, scope_path, within_scope

PACKAGE = Path(weizhili.__file__).parent

# What each role may do, row by row (persona names from tests/conftest.py). A change here is a policy change.
EXPECTED = {
    Action.OPEN_PEOPLE_LEDGER: {"street_cadre", "community_worker", "branch_secretary", "building_leader"},
    Action.OPEN_MEMBER_LIST: {"street_cadre", "community_worker", "branch_secretary", "building_leader"},
    Action.SEARCH_BY_IDENTIFIER: {"street_cadre", "community_worker"},
    Action.UNMASK_PERSON: {"street_cadre", "community_worker"},
    Action.OPEN_CASE_QUEUE: {"street_cadre", "community_worker", "branch_secretary", "building_leader",
                             "grid_worker"},
    Action.VIEW_CASE_FIGURES: {"street_cadre", "community_worker", "branch_secretary", "building_leader"},
    Action.VIEW_HOTLINE: {"street_cadre", "community_worker", "branch_secretary"},
    Action.LOCATE_HOTLINE_ORDER: {"street_cadre", "community_worker"},
    Action.IMPORT_HOTLINE: {"street_cadre"},
    Action.BROWSE_PLACES: {"street_cadre", "community_worker", "branch_secretary", "building_leader",
                           "grid_worker", "volunteer", "resident", "partner_unit"},
    Action.READ_AUDIT: set(),
    Action.MANAGE_ACCOUNTS: set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_persona_gets_what_its_job_needs(personas, action):
    got = {name for name, user in personas.items() if can(user, action)[0]}
    assert got == EXPECTED[action]


@pytest.mark.django_db
def test_refusals_carry_a_reason(personas):
    allowed, reason = can(personas["partner_unit"], Action.OPEN_PEOPLE_LEDGER)
    assert not allowed and str(reason)
    allowed, reason = can(AnonymousUser(), Action.BROWSE_PLACES)
    assert not allowed and str(reason)
    assert can(personas["street_cadre"], "people.open_ledger") == (True, "")  # the string value works too


@pytest.mark.django_db
def test_an_object_outside_the_scope_is_refused(personas, tree):
    worker = personas["community_worker"]
    assert can(worker, Action.UNMASK_PERSON, tree["east_household"])[0]
    allowed, reason = can(worker, Action.UNMASK_PERSON, tree["west_household"])
    assert not allowed and str(reason)


def test_an_unknown_action_is_an_error_not_a_silent_no():
    with pytest.raises(ValueError):
        can(AnonymousUser(), "people.open_ledgr")


@pytest.mark.django_db
def test_administrators_are_separated(tree):
    from ..factories import make_user

    audit = make_user(Role.AUDIT_ADMIN, None, username="aud")
    security = make_user(Role.SECURITY_ADMIN, None, username="sec")
    system = make_user(Role.SYSTEM_ADMIN, tree["street"], username="sys")
    assert can(audit, Action.READ_AUDIT)[0] and not can(audit, Action.MANAGE_ACCOUNTS)[0]
    assert can(security, Action.UNLOCK_ACCOUNTS)[0] and not can(security, Action.MANAGE_ACCOUNTS)[0]
    assert can(system, Action.MANAGE_ACCOUNTS)[0] and not can(system, Action.READ_AUDIT)[0]
    assert can(system, Action.IMPORT_PLACES_ANY_STREET)[0]
    # user.can is the same registry, for the rooms below accounts
    assert audit.can("audit.read_log") == can(audit, Action.READ_AUDIT)


def test_admin_model_permissions_are_derived_from_the_registry():
    """The role → Django permission table is the union of the registry rules' `perms` (nothing kept aside)."""
    for role in Role:
        derived = set()
        for rule in permissions.RULES.values():
            if role in rule.roles:
                derived |= rule.perms
        assert ROLE_PERMISSIONS[role] == derived
    # the rows the admin depends on (same as before the registry)
    assert "people.unmask_person" in ROLE_PERMISSIONS[Role.COMMUNITY_WORKER]
    assert "people.unmask_person" not in ROLE_PERMISSIONS[Role.BRANCH_SECRETARY]
    assert "places.change_place" in ROLE_PERMISSIONS[Role.STREET_CADRE]
    assert "places.change_place" not in ROLE_PERMISSIONS[Role.COMMUNITY_WORKER]
    assert "party.change_partymember" in ROLE_PERMISSIONS[Role.BRANCH_SECRETARY]
    assert "party.change_partyorg" not in ROLE_PERMISSIONS[Role.BRANCH_SECRETARY]
    assert "hotline.change_categorymapping" in ROLE_PERMISSIONS[Role.STREET_CADRE]
    assert ROLE_PERMISSIONS[Role.VOLUNTEER] == ROLE_PERMISSIONS[Role.PARTNER_UNIT] == frozenset()


def test_the_case_loop_uses_the_registry_role_groups():
    from weizhili.cases import workflow

    assert workflow.STAFF is permissions.STAFF
    assert workflow.HANDLERS is permissions.HANDLERS
    assert workflow.SUPERVISORS is permissions.SUPERVISORS
    assert workflow.ANYONE_IN_SCOPE is permissions.CASE_USERS


def _sources(*rooms: str):
    for room in rooms:
        for path in (PACKAGE / room).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.read_text(encoding="utf-8")


def test_the_ground_floor_does_not_import_accounts():
    offenders = [str(p.relative_to(PACKAGE)) for p, text in _sources("audit", "places", "people")
                 if re.search(r"^\s*(from|import) weizhili\.accounts", text, re.M)]
    assert offenders == []
    assert not (PACKAGE / "accounts" / "scope.py").exists()  # one place for the scope helpers


def test_no_role_lists_outside_the_registry():
    """Permission checks by role membership (`user.role in {...}`) belong to the registry only; the case loop's
    transition table (workflow as data) checks its rows' roles, which are the registry's groups."""
    rooms = [p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name not in ("accounts", "demo", "locale")]
    offenders = [f"{p.relative_to(PACKAGE)}:{n}" for p, text in _sources(*rooms)
                 for n, line in enumerate(text.splitlines(), 1) if re.search(r"\.role (not )?in\b", line)
                 and p.relative_to(PACKAGE) != Path("cases/workflow.py")]
    assert offenders == []


@pytest.mark.django_db
def test_scope_helpers_take_a_path_or_a_user(personas, tree):
    from weizhili.places.models import Place

    worker = personas["community_worker"]
    assert scope_path(worker) == tree["east"].path == scope_path(tree["east"].path)
    assert scope_path(AnonymousUser()) is None and scope_path(personas["outsider"]) is None
    assert path_in_scope(tree["east_household"].path, worker)
    assert not path_in_scope(tree["west_household"].path, tree["east"].path)
    by_path = set(within_scope(Place.objects.all(), tree["east"].path, via=""))
    assert by_path == set(within_scope(Place.objects.all(), worker, via=""))
    assert tree["west"] not in by_path
    from django.http import Http404

    with pytest.raises(Http404):
        get_in_scope_or_404(Place.objects.all(), worker, via="", pk=tree["west"].pk)


@pytest.mark.django_db
def test_menu_follows_the_registry(personas):
    from weizhili.insight.context_processors import navigation

    def menu(persona):
        request = RequestFactory().get("/")
        request.user = personas[persona]
        return {str(label) for _url, label in navigation(request)["nav_items"]}

    assert {"人员", "党员"} <= menu("building_leader")
    for persona in ("volunteer", "partner_unit", "grid_worker", "resident"):
        assert not {"人员", "党员"} & menu(persona), persona
    assert "12345热线" in menu("branch_secretary") and "12345热线" not in menu("building_leader")
