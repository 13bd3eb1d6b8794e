"""Account writes: passwords, lockout, two-factor. Each is audited in the same transaction."""
import secrets
import string
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from weizhili.audit.models import AuditEntry, AuditResult
from weizhili.audit.services import audit_record

from .models import TOTP_REQUIRED_ROLES, User


def password_generate(length: int = 14) -> str:
    """A random password that passes the policy (used for demo and new accounts, printed once)."""
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_+="
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        classes = [any(c.islower() for c in candidate), any(c.isupper() for c in candidate),
                   any(c.isdigit() for c in candidate), any(not c.isalnum() for c in candidate)]
        if all(classes):
            return candidate


@transaction.atomic
def user_create(*, username: str, role: str, place=None, person=None, password: str | None = None,
                is_demo: bool = False, is_staff: bool = False, **extra) -> tuple[User, str]:
    password = password or password_generate()
    user = User(username=username, role=role, place=place, person=person, is_demo=is_demo, is_staff=is_staff,
                must_change_password=not is_demo, **extra)
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit_record(action="user.create", obj=user, detail={"role": role, "demo": is_demo})
    return user, password


@transaction.atomic
def user_set_password(*, user: User, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit_record(action="user.password_change", obj=user, user=user)


def login_throttled(source: str) -> bool:
    """Too many failed logins from one address in the window (any usernames): slow down guessing.

    Counted from the audit log itself, so every web process sees the same number without a shared cache."""
    if not source:
        return False
    since = timezone.now() - timedelta(minutes=settings.WEIZHILI_LOGIN_IP_WINDOW_MINUTES)
    failures = AuditEntry.objects.filter(action="login", result=AuditResult.FAILED, source=source,
                                         created_at__gte=since).count()
    return failures >= settings.WEIZHILI_LOGIN_IP_LIMIT


def user_is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())


@transaction.atomic
def user_login_failed(*, user: User) -> None:
    """Count a failure; the fifth in a row locks the account."""
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    if user.failed_logins >= settings.WEIZHILI_LOCKOUT_FAILURES:
        user.locked_until = timezone.now() + timedelta(minutes=settings.WEIZHILI_LOCKOUT_MINUTES)
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
        audit_record(action="user.locked", obj=user, result=AuditResult.DENIED,
                     detail={"minutes": settings.WEIZHILI_LOCKOUT_MINUTES})


def user_login_succeeded(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


@transaction.atomic
def user_unlock(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_record(action="user.unlock", obj=user)


def password_expired(user: User) -> bool:
    if user.is_demo:
        return False
    if user.must_change_password:
        return True
    if user.password_changed_at is None:
        return True
    return timezone.now() - user.password_changed_at > timedelta(days=settings.WEIZHILI_PASSWORD_MAX_AGE_DAYS)


def totp_required(user: User) -> bool:
    if user.is_demo:
        return False
    return bool(settings.WEIZHILI_TOTP_REQUIRED and (user.role in TOTP_REQUIRED_ROLES or user.is_superuser))


@transaction.atomic
def totp_begin(*, user: User) -> str:
    """Start enrolment: a fresh secret, not active until a code from it is confirmed."""
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed = False
    user.save(update_fields=["totp_secret", "totp_confirmed"])
    return user.totp_secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="微治理")


@transaction.atomic
def totp_check(*, user: User, code: str) -> bool:
    """Check a 6-digit code; each time step is accepted once (no replay)."""
    if not user.totp_secret or not code or not code.strip().isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    locked = User.objects.select_for_update().get(pk=user.pk)
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=30 * offset)
        counter = totp.timecode(moment)
        if counter > locked.totp_last_counter and totp.verify(code.strip(), for_time=moment):
            User.objects.filter(pk=user.pk).update(totp_last_counter=counter)
            user.totp_last_counter = counter
            return True
    return False


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> bool:
    if not totp_check(user=user, code=code):
        return False
    User.objects.filter(pk=user.pk).update(totp_confirmed=True)
    user.totp_confirmed = True
    audit_record(action="user.totp_enabled", obj=user, user=user)
    return True


@transaction.atomic
def user_update_settings(*, user: User, email: str, email_mode: str) -> None:
    user.email = email
    user.email_mode = email_mode
    user.save(update_fields=["email", "email_mode"])
    audit_record(action="user.settings", obj=user, user=user, detail={"email_mode": email_mode})
