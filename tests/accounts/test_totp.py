"""Two-factor login: enrolment forced where required, a code at every login, each code used once."""
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from weizhili.accounts.models import Role, User
from weizhili.audit.models import AuditEntry

from ..factories import PASSWORD, make_user

# A fixed moment in the middle of a 30-second step, so that moving by whole steps is exact.
START = timezone.now().replace(microsecond=0) + timedelta(days=1)
START = START.replace(second=15)


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def authenticated_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def wrong_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    valid = {totp.at(timezone.now() + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "123456", "999999") if code not in valid)


@pytest.mark.django_db
def test_street_cadre_must_enrol_then_every_login_asks_for_a_fresh_code(tree, settings):
    settings.WEIZHILI_TOTP_REQUIRED = True
    user = make_user(Role.STREET_CADRE, tree["street"], username="cadre")
    setup_url = reverse("accounts:totp_setup")
    verify_url = reverse("accounts:totp_verify")
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        login(client, "cadre")
        response = client.get("/")
        assert response.status_code == 302 and response.url == setup_url
        assert client.get(reverse("people:list")).url == setup_url

        page = client.get(setup_url)
        assert page.status_code == 200
        user.refresh_from_db()
        assert user.totp_secret and not user.totp_confirmed
        assert client.post(setup_url, {"code": wrong_code(user.totp_secret)}).status_code == 200
        user.refresh_from_db()
        assert not user.totp_confirmed

        response = client.post(setup_url, {"code": pyotp.TOTP(user.totp_secret).now()})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.totp_confirmed
        assert client.get("/").status_code == 200
        assert AuditEntry.objects.filter(action="user.totp_enabled", object_id=str(user.pk)).exists()
        client.post(reverse("accounts:logout"))

        traveller.shift(timedelta(seconds=60))
        client = Client()
        response = login(client, "cadre")
        assert response.status_code == 302 and response.url == verify_url
        assert authenticated_as(client) is None  # the password alone does not log in
        assert client.get("/").url.startswith(reverse("accounts:login"))

        login(client, "cadre")
        response = client.post(verify_url, {"code": wrong_code(user.totp_secret)})
        assert response.status_code == 200
        assert authenticated_as(client) is None
        assert AuditEntry.objects.filter(action="login.totp", result="failed").exists()

        code = pyotp.TOTP(user.totp_secret).now()
        response = client.post(verify_url, {"code": code})
        assert response.status_code == 302
        assert authenticated_as(client) == user.pk
        assert client.get("/").status_code == 200
        client.post(reverse("accounts:logout"))

        # The same code, still inside its 30 seconds, cannot be used a second time.
        client = Client()
        login(client, "cadre")
        response = client.post(verify_url, {"code": code})
        assert response.status_code == 200
        assert authenticated_as(client) is None

        traveller.shift(timedelta(seconds=30))
        response = client.post(verify_url, {"code": pyotp.TOTP(user.totp_secret).now()})
        assert response.status_code == 302
        assert authenticated_as(client) == user.pk


@pytest.mark.django_db
def test_enrolment_code_cannot_be_replayed_at_login(tree, settings):
    settings.WEIZHILI_TOTP_REQUIRED = True
    user = make_user(Role.STREET_CADRE, tree["street"], username="cadre")
    with time_machine.travel(START, tick=False):
        client = Client()
        login(client, "cadre")
        client.get(reverse("accounts:totp_setup"))
        user.refresh_from_db()
        code = pyotp.TOTP(user.totp_secret).now()
        assert client.post(reverse("accounts:totp_setup"), {"code": code}).status_code == 302
        client.post(reverse("accounts:logout"))

        client = Client()
        login(client, "cadre")
        client.post(reverse("accounts:totp_verify"), {"code": code})
        assert authenticated_as(client) is None


@pytest.mark.django_db
def test_totp_not_forced_when_the_setting_is_off(tree, settings):
    settings.WEIZHILI_TOTP_REQUIRED = False
    make_user(Role.STREET_CADRE, tree["street"], username="cadre")
    client = Client()
    login(client, "cadre")
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_resident_is_not_forced_to_enrol(tree, settings):
    settings.WEIZHILI_TOTP_REQUIRED = True
    user = make_user(Role.RESIDENT, tree["east_household"], username="resident")
    client = Client()
    login(client, "resident")
    assert authenticated_as(client) == user.pk
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_admin_roles_are_forced_to_enrol(tree, settings):
    settings.WEIZHILI_TOTP_REQUIRED = True
    make_user(Role.AUDIT_ADMIN, None, username="auditor", is_staff=True)
    client = Client()
    login(client, "auditor")
    assert client.get(reverse("admin:index")).url == reverse("accounts:totp_setup")


@pytest.mark.django_db
def test_demo_street_cadre_is_not_forced_to_enrol(tree, settings):
    settings.WEIZHILI_TOTP_REQUIRED = True
    user = make_user(Role.STREET_CADRE, tree["street"], username="demo-cadre", is_demo=True)
    assert User.objects.get(pk=user.pk).is_demo
    client = Client()
    login(client, "demo-cadre")
    assert authenticated_as(client) == user.pk
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_wrong_totp_codes_lock_the_account_even_between_password_logins(tree, settings):
    settings.WEIZHILI_TOTP_REQUIRED = True
    user = make_user(Role.STREET_CADRE, tree["street"], username="cadre")
    with time_machine.travel(START, tick=False):
        client = Client()
        login(client, "cadre")
        client.get(reverse("accounts:totp_setup"))
        user.refresh_from_db()
        client.post(reverse("accounts:totp_setup"), {"code": pyotp.TOTP(user.totp_secret).now()})
        client.post(reverse("accounts:logout"))
        bad = wrong_code(user.totp_secret)
        for _ in range(2):  # someone who has the password guesses codes, 4 at a time
            client = Client()
            login(client, "cadre")
            for _ in range(4):
                client.post(reverse("accounts:totp_verify"), {"code": bad})
        user.refresh_from_db()
        assert user.locked_until is not None  # 8 wrong codes in a row, no correct one
