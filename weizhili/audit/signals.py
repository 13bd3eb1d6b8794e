"""Login success, failure and logout are audit events."""
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditResult
from .services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(action="login", obj=user, user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(action="login", result=AuditResult.FAILED, object_type="accounts.user",
                 username=str(credentials.get("username", ""))[:150], user=None,
                 detail={"reason": kwargs.get("reason", "bad credentials")})


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="logout", obj=user, user=user)
