"""Login policy: forced first change, expiry, lockout, idle timeout, logout, and the audit rows they leave."""
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from weizhili.accounts.models import Role, User
from weizhili.accounts.services import user_create
from weizhili.audit.models import AuditEntry

from ..factories import PASSWORD, make_user

LOGIN = "accounts:login"
NEW_PASSWORD = "Nw8#better-one"


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse(LOGIN), {"username": username, "password": password})


def authenticated_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


# -- forced change at first login and expiry --------------------------------------------------------------

@pytest.mark.django_db
def test_first_login_forces_a_password_change(tree):
    user, password = user_create(username="newcomer", role=Role.COMMUNITY_WORKER, place=tree["east"])
    assert user.must_change_password and not user.is_demo
    client = Client()
    response = login(client, "newcomer", password)
    assert response.status_code == 302
    assert authenticated_as(client) == user.pk

    change_url = reverse("accounts:password_change")
    response = client.get("/")
    assert response.status_code == 302 and response.url == change_url
    assert client.get(reverse("people:list")).url == change_url  # every page, not just home
    assert client.get(change_url).status_code == 200

    response = client.post(change_url, {"old_password": password, "new_password": NEW_PASSWORD,
                                        "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    assert authenticated_as(client) == user.pk  # the session survives its own password change
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="user.password_change", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_password_change_applies_the_policy(tree):
    user, password = user_create(username="newcomer", role=Role.RESIDENT, place=tree["east_household"])
    client = Client()
    login(client, "newcomer", password)
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": password, "new_password": "password", "new_password2": "password"})
    assert response.status_code == 200  # the form again, with errors
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(password)
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_expired_password_forces_a_change(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    client = Client()
    login(client, "worker")
    assert client.get("/").status_code == 200

    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    assert client.get("/").status_code == 200
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")


@pytest.mark.django_db
def test_expiry_period_is_configurable(tree, settings):
    settings.WEIZHILI_PASSWORD_MAX_AGE_DAYS = 30
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=31))
    client = Client()
    login(client, "worker")
    assert client.get("/").url == reverse("accounts:password_change")


@pytest.mark.django_db
def test_demo_accounts_are_not_forced_to_change(tree):
    user = make_user(Role.STREET_CADRE, tree["street"], username="demo", is_demo=True)
    User.objects.filter(pk=user.pk).update(must_change_password=True,
                                           password_changed_at=timezone.now() - timedelta(days=400))
    client = Client()
    login(client, "demo")
    assert authenticated_as(client) == user.pk
    assert client.get("/").status_code == 200


# -- lockout -----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_five_failures_lock_the_account_for_thirty_minutes(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client = Client()
        for _ in range(5):
            response = login(client, "worker", "Wrong-pass-1")
            assert response.status_code == 200
            assert authenticated_as(client) is None
        user.refresh_from_db()
        assert user.locked_until is not None and user.locked_until > timezone.now()

        response = login(client, "worker", PASSWORD)  # the sixth attempt, with the right password
        assert response.status_code == 200
        assert authenticated_as(client) is None
        assert "已锁定" in response.content.decode()

        traveller.shift(timedelta(minutes=29))
        login(client, "worker", PASSWORD)
        assert authenticated_as(client) is None

        traveller.shift(timedelta(minutes=2))  # 31 minutes after the lock
        response = login(client, "worker", PASSWORD)
        assert response.status_code == 302
        assert authenticated_as(client) == user.pk
        user.refresh_from_db()
        assert user.failed_logins == 0 and user.locked_until is None


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    client = Client()
    for _ in range(4):
        login(client, "worker", "Wrong-pass-1")
    login(client, "worker", PASSWORD)
    assert authenticated_as(client) == user.pk
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        login(client, "worker", "Wrong-pass-1")
    login(client, "worker", PASSWORD)
    assert authenticated_as(client) == user.pk  # 4 + 4 failures never made 5 in a row


@pytest.mark.django_db
def test_failed_and_successful_logins_are_audited(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    client = Client()
    login(client, "worker", "Wrong-pass-1")
    login(client, "nobody-by-this-name", "Wrong-pass-1")
    failed = AuditEntry.objects.filter(action="login", result="failed").order_by("id")
    assert [e.actor_name for e in failed] == ["worker", "nobody-by-this-name"]
    assert all(e.source == "127.0.0.1" for e in failed)

    login(client, "worker", PASSWORD)
    ok = AuditEntry.objects.get(action="login", result="ok")
    assert ok.actor_id == user.pk and ok.object_id == str(user.pk) and ok.source == "127.0.0.1"


@pytest.mark.django_db
def test_refused_attempt_on_a_locked_account_is_audited(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    client = Client()
    for _ in range(5):
        login(client, "worker", "Wrong-pass-1")
    assert AuditEntry.objects.filter(action="user.locked", object_id=str(user.pk)).exists()
    login(client, "worker", PASSWORD)
    assert AuditEntry.objects.filter(action="login", result="denied", object_id=str(user.pk)).exists()
    assert not AuditEntry.objects.filter(action="login", result="ok").exists()


# -- idle timeout and logout ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_idle_session_ends_after_thirty_minutes(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = Client()
        login(client, "worker")
        assert client.get("/").status_code == 200

        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity keeps the session alive ...
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # ... measured from the last request
        assert authenticated_as(client) == user.pk

        traveller.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response.url.startswith(reverse(LOGIN))
        assert authenticated_as(client) is None
        assert client.get(reverse("people:list")).url.startswith(reverse(LOGIN))


@pytest.mark.django_db
def test_logout_clears_the_session(tree):
    user = make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    client = Client()
    login(client, "worker")
    assert authenticated_as(client) == user.pk
    old_key = client.session.session_key

    assert client.get(reverse("accounts:logout")).status_code == 405  # no logout by a GET (link or image)
    assert authenticated_as(client) == user.pk

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse(LOGIN)
    assert authenticated_as(client) is None
    assert client.session.session_key != old_key
    assert client.get("/").url.startswith(reverse(LOGIN))
    assert AuditEntry.objects.filter(action="logout", actor_id=user.pk).exists()


@pytest.mark.django_db
def test_idle_timeout_does_not_rely_on_the_session_cookie_age(tree, settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = Client(raise_request_exception=False)
        login(client, "worker")
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response.url.startswith(reverse(LOGIN))
        assert authenticated_as(client) is None
