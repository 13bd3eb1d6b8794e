"""Separation of administrators in the Django admin, and scope limits on every admin list."""
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from weizhili.accounts.models import Role, User
from weizhili.audit.models import AuditEntry
from weizhili.audit.services import audit_record
from weizhili.party.models import PartyMember, PartyOrg, RoleHolder, RoleType

from ..factories import make_branch, make_member, make_person, make_user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admins(tree):
    return {
        "superuser": make_user(Role.SYSTEM_ADMIN, None, username="root", is_staff=True, is_superuser=True),
        "system": make_user(Role.SYSTEM_ADMIN, None, username="sysadmin", is_staff=True),
        "security": make_user(Role.SECURITY_ADMIN, None, username="secadmin", is_staff=True),
        "audit": make_user(Role.AUDIT_ADMIN, None, username="auditor", is_staff=True),
    }


@pytest.fixture
def locked(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="locked-worker")
    User.objects.filter(pk=user.pk).update(failed_logins=3, locked_until=timezone.now() + timedelta(minutes=20))
    return user


def _user_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username, "role": user.role, "place": user.place_id or "", "person": "",
        "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "must_change_password": "", "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- the audit administrator ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_audit_admin_reads_the_log_and_nothing_else(admins):
    audit_record(action="test.something")
    client = client_for(admins["audit"])
    assert client.get(changelist(AuditEntry)).status_code == 200
    entry = AuditEntry.objects.first()
    assert client.get(url(AuditEntry, "change", entry.pk)).status_code == 200
    assert client.get(url(User, "add")).status_code == 403
    assert client.get(changelist(User)).status_code == 403
    assert client.get(url(User, "change", admins["system"].pk)).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert changelist(AuditEntry) in index and changelist(User) not in index


@pytest.mark.django_db
def test_audit_admin_cannot_change_or_delete_entries(admins):
    entry = audit_record(action="test.something")
    client = client_for(admins["audit"])
    assert client.post(url(AuditEntry, "change", entry.pk), {"action": "test.other"}).status_code == 403
    assert client.post(url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert client.get(url(AuditEntry, "add")).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.something"


# -- the security administrator ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_security_admin_unlocks_accounts(admins, locked):
    client = client_for(admins["security"])
    assert client.get(changelist(User)).status_code == 200
    response = client.post(changelist(User), {"action": "unlock_users", "_selected_action": [locked.pk]})
    assert response.status_code == 302
    locked.refresh_from_db()
    assert locked.locked_until is None and locked.failed_logins == 0
    entry = AuditEntry.objects.get(action="user.unlock")
    assert entry.object_id == str(locked.pk) and entry.actor_id == admins["security"].pk


@pytest.mark.django_db
def test_security_admin_cannot_change_or_add_users(admins, locked):
    client = client_for(admins["security"])
    assert client.get(url(User, "change", locked.pk)).status_code == 200  # a read-only view
    response = client.post(url(User, "change", locked.pk), _user_form(locked, role=Role.STREET_CADRE))
    assert response.status_code == 403
    assert User.objects.get(pk=locked.pk).role == Role.COMMUNITY_WORKER
    assert client.get(url(User, "add")).status_code == 403
    assert client.get(reverse("admin:auth_user_password_change", args=[locked.pk])).status_code == 403


@pytest.mark.django_db
def test_only_security_admins_have_the_unlock_action(admins, locked):
    client = client_for(admins["system"])
    response = client.post(changelist(User), {"action": "unlock_users", "_selected_action": [locked.pk]})
    assert response.status_code in (200, 302)
    locked.refresh_from_db()
    assert locked.locked_until is not None  # no such action for the system administrator
    assert not AuditEntry.objects.filter(action="user.unlock").exists()


# -- the system administrator --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_system_admin_cannot_delete_audit_entries(admins):
    entry = audit_record(action="test.something")
    client = client_for(admins["system"])
    assert client.get(changelist(AuditEntry)).status_code == 403  # the log is not theirs to read either
    assert client.post(url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_nobody_deletes_audit_entries_through_admin(admins):
    entry = audit_record(action="test.something")
    client = client_for(admins["superuser"])
    assert client.get(changelist(AuditEntry)).status_code == 200
    assert client.get(url(AuditEntry, "delete", entry.pk)).status_code == 403
    assert client.post(url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    client.post(changelist(AuditEntry), {"action": "delete_selected", "_selected_action": [entry.pk],
                                         "post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    model_admin = admin.site._registry[AuditEntry]
    request = client.get(changelist(AuditEntry)).wsgi_request
    assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.django_db
def test_nobody_deletes_users(admins, locked):
    for who in ("system", "superuser"):
        client = client_for(admins[who])
        assert client.get(url(User, "delete", locked.pk)).status_code == 403
        assert client.post(url(User, "delete", locked.pk), {"post": "yes"}).status_code == 403
        client.post(changelist(User), {"action": "delete_selected", "_selected_action": [locked.pk],
                                       "post": "yes"})
        assert User.objects.filter(pk=locked.pk).exists()


@pytest.mark.django_db
def test_system_admin_changes_a_user_and_it_is_audited(admins, locked, tree):
    client = client_for(admins["system"])
    response = client.post(url(User, "change", locked.pk), _user_form(locked, role=Role.GRID_WORKER))
    assert response.status_code == 302, response.content.decode()[:2000]
    locked.refresh_from_db()
    assert locked.role == Role.GRID_WORKER
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.object_id == str(locked.pk) and entry.actor_id == admins["system"].pk
    assert "role" in entry.detail["fields"]
    assert locked.locked_until is not None  # lockout state is not editable here; unlocking is separate


@pytest.mark.django_db
def test_system_admin_cannot_grant_superuser(admins, locked):
    client = client_for(admins["system"])
    response = client.post(url(User, "change", locked.pk), _user_form(locked, is_superuser="on"))
    assert response.status_code == 302
    assert not User.objects.get(pk=locked.pk).is_superuser
    assert "is_superuser" not in client.get(url(User, "change", locked.pk)).content.decode()
    # a superuser is out of reach altogether
    assert client.get(url(User, "change", admins["superuser"].pk)).status_code in (302, 404)
    assert admins["superuser"].username not in client.get(changelist(User)).content.decode()


@pytest.mark.django_db
def test_system_admin_cannot_promote_themselves(admins):
    me = admins["system"]
    client = client_for(me)
    client.post(url(User, "change", me.pk), _user_form(me, role=Role.AUDIT_ADMIN, is_superuser="on"))
    me.refresh_from_db()
    assert me.role == Role.SYSTEM_ADMIN and not me.is_superuser


@pytest.mark.django_db
def test_system_admin_adds_a_user_who_must_change_the_password(admins, tree):
    client = client_for(admins["system"])
    response = client.post(url(User, "add"), {
        "username": "new-worker", "usable_password": "true", "password1": "Gz8!first-pass",
        "password2": "Gz8!first-pass", "role": Role.COMMUNITY_WORKER, "place": tree["east"].pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new-worker")
    assert user.must_change_password and not user.is_demo and user.password_changed_at is not None
    assert user.place == tree["east"]
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    # the password policy applies in the admin too
    response = client.post(url(User, "add"), {
        "username": "weak", "usable_password": "true", "password1": "password", "password2": "password",
        "role": Role.RESIDENT,
    })
    assert response.status_code == 200 and not User.objects.filter(username="weak").exists()


@pytest.mark.django_db
def test_admin_password_reset_forces_a_change_and_is_audited(admins, locked):
    client = client_for(admins["system"])
    response = client.post(reverse("admin:auth_user_password_change", args=[locked.pk]), {
        "password1": "Rs9!reset-pass", "password2": "Rs9!reset-pass", "set_usable_password": "true",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    locked.refresh_from_db()
    assert locked.check_password("Rs9!reset-pass") and locked.must_change_password
    assert AuditEntry.objects.filter(action="user.password_reset", object_id=str(locked.pk)).exists()


@pytest.mark.django_db
def test_user_page_never_shows_password_hash_or_totp_secret(admins, personas):
    from weizhili.accounts.services import totp_begin

    target = personas["street_cadre"]
    secret = totp_begin(user=target)
    target.refresh_from_db()
    client = client_for(admins["superuser"])
    body = client.get(url(User, "change", target.pk)).content.decode()
    assert target.password not in body and target.password.split("$")[-1] not in body
    assert secret not in body and "totp_secret" not in body
    for field in ("role", "place", "person", "must_change_password", "failed_logins", "locked_until",
                  "totp_confirmed", "is_demo"):
        assert f"field-{field}" in body, field


# -- scope ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_user_list_is_bounded_by_scope(admins, personas, tree):
    everyone = client_for(admins["system"]).get(changelist(User)).content.decode()
    for name in ("community", "secretary", "outsider", "auditor"):
        assert f">{name}<" in everyone, name

    east_admin = make_user(Role.SYSTEM_ADMIN, tree["east"], username="east-admin", is_staff=True)
    west_worker = make_user(Role.COMMUNITY_WORKER, tree["west"], username="west-worker")
    client = client_for(east_admin)
    body = client.get(changelist(User)).content.decode()
    assert ">community<" in body and ">secretary<" in body
    assert ">west-worker<" not in body and ">street<" not in body and ">outsider<" not in body
    assert client.get(url(User, "change", west_worker.pk)).status_code == 302  # "does not exist"
    # nor can a user be moved out to a place beyond the admin's node
    response = client.post(url(User, "change", personas["community_worker"].pk),
                           _user_form(personas["community_worker"], place=tree["west"].pk))
    assert response.status_code == 200
    assert User.objects.get(pk=personas["community_worker"].pk).place == tree["east"]


@pytest.mark.django_db
def test_domain_admins_are_bounded_by_scope(admins, tree):
    east_branch = make_branch(tree["east_compound"])
    west_branch = make_branch(tree["west_compound"])
    east_member = make_member(east_branch, tree["east_household"], name="东党员")
    west_member = make_member(west_branch, tree["west_household"], name="西党员")
    street_types = RoleType.objects.create(street=tree["street"], code="building_head", name="楼长")
    holder = RoleHolder.objects.create(person=make_person(tree["east_household"], name="赵楼长"),
                                       role=street_types, place=tree["east_compound"])

    staff = make_user(Role.COMMUNITY_WORKER, tree["east"], username="east-staff", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["party", "people"], codename__startswith="view_"))
    client = client_for(staff)

    orgs = client.get(changelist(PartyOrg))
    assert orgs.status_code == 200
    body = orgs.content.decode()
    assert "社区党总支" in body and "测试街道党工委" not in body  # the tree starts at the user's own node
    assert client.get(url(PartyOrg, "change", east_branch.pk)).status_code == 200
    assert client.get(url(PartyOrg, "change", west_branch.pk)).status_code == 302

    body = client.get(changelist(PartyMember)).content.decode()
    assert str(east_member) in body and str(west_member) not in body
    assert client.get(url(PartyMember, "change", west_member.pk)).status_code == 302

    assert client.get(url(RoleHolder, "change", holder.pk)).status_code == 200
    # role types belong to the street: a community-level user does not see the street's catalogue
    assert client.get(url(RoleType, "change", street_types.pk)).status_code == 302
    street_staff = make_user(Role.STREET_CADRE, tree["street"], username="street-staff", is_staff=True)
    street_staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="party",
                                                                 codename__startswith="view_"))
    assert client_for(street_staff).get(url(RoleType, "change", street_types.pk)).status_code == 200


@pytest.mark.django_db
def test_scoped_staff_cannot_attach_objects_outside_their_scope(tree):
    east_branch = make_branch(tree["east_compound"])
    member = make_member(east_branch, tree["east_household"], name="东党员")
    staff = make_user(Role.COMMUNITY_WORKER, tree["east"], username="east-staff", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="party",
                                                          codename__in=["view_partymember", "change_partymember"]))
    response = client_for(staff).post(url(PartyMember, "change", member.pk), {
        "person": member.person_id, "org": east_branch.pk, "place": tree["west_household"].pk,
        "registration": "local", "status": "full",
    })
    assert response.status_code == 200  # the form again: the west household is not a valid choice
    member.refresh_from_db()
    assert member.place == tree["east_household"]

    response = client_for(staff).post(url(PartyMember, "change", member.pk), {
        "person": member.person_id, "org": east_branch.pk, "place": tree["east_building"].pk,
        "registration": "local", "status": "full",
    })
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.place == tree["east_building"]
    assert AuditEntry.objects.filter(action="partymember.update", object_id=str(member.pk)).exists()


@pytest.mark.django_db
def test_every_admin_page_renders_for_a_superuser(admins, tree):
    branch = make_branch(tree["east_compound"])
    make_member(branch, tree["east_household"])
    client = client_for(admins["superuser"])
    for model, model_admin in admin.site._registry.items():
        assert client.get(changelist(model)).status_code == 200, model
        if model_admin.has_add_permission(client.get("/").wsgi_request):
            assert client.get(url(model, "add")).status_code == 200, model
        first = model._default_manager.first()
        if first is not None:
            assert client.get(url(model, "change", first.pk)).status_code == 200, model


def _org_form(place, ref, position="first-child", **extra) -> dict:
    data = {"level": "building", "kind": "regular", "name": "1号楼党小组", "place": place.pk, "founded_on": "",
            "treebeard_position": position, "treebeard_ref_node": ref.pk if ref else ""}
    for prefix in ("committee", "stations"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(extra)
    return data


@pytest.mark.django_db
def test_scoped_staff_place_party_orgs_only_inside_their_part_of_the_tree(tree):
    east_branch = make_branch(tree["east_compound"])
    west_branch = make_branch(tree["west_compound"])
    street_committee = PartyOrg.objects.get(depth=1)
    staff = make_user(Role.COMMUNITY_WORKER, tree["east_compound"], username="east-staff", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="party", codename__in=["view_partyorg", "add_partyorg", "change_partyorg"]))
    client = client_for(staff)
    add = url(PartyOrg, "add")
    before = PartyOrg.objects.count()

    for ref, position in ((west_branch, "first-child"), (None, "first-child"), (east_branch, "right"),
                          (street_committee, "first-child")):
        response = client.post(add, _org_form(tree["east_building"], ref, position))
        assert response.status_code == 200, (ref, position)
    assert PartyOrg.objects.count() == before

    response = client.post(add, _org_form(tree["east_building"], east_branch))
    assert response.status_code == 302, response.content.decode()[:3000]
    group = PartyOrg.objects.get(name="1号楼党小组")
    assert PartyOrg.objects.get_parent(group) == east_branch
    assert AuditEntry.objects.filter(action="partyorg.create", object_id=str(group.pk)).exists()

    # the drag-and-drop move endpoint is bounded too
    move = url(PartyOrg, "changelist") + "move/"
    assert client.post(move, {"node": group.pk, "target": west_branch.pk, "relation": "child"}).status_code == 403
    assert PartyOrg.objects.get_parent(PartyOrg.objects.get(pk=group.pk)) == east_branch

    # a node at the top of the user's part stays editable although its parent lies outside it
    community_branch = PartyOrg.objects.get_parent(east_branch)
    response = client.post(url(PartyOrg, "change", east_branch.pk), _org_form(
        tree["east_compound"], community_branch, "first-child", level="compound", name="东苑小区第一党支部"))
    assert response.status_code == 302, response.content.decode()[:3000]
    east_branch.refresh_from_db()
    assert east_branch.name == "东苑小区第一党支部"
    assert PartyOrg.objects.get_parent(east_branch) == community_branch
