"""Login policy on every request: idle timeout, forced password change, mandatory two-factor enrolment."""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .services import password_expired, totp_required

_ALWAYS_ALLOWED = ("/static/", "/i18n/", "/favicon")


class LoginPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(_ALWAYS_ALLOWED):
            now = int(time.time())
            last_seen = request.session.get("last_seen")
            if last_seen is not None and now - last_seen > settings.WEIZHILI_IDLE_MINUTES * 60:
                logout(request)
                messages.info(request, _("长时间未操作，已自动退出，请重新登录。"))
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            request.session["last_seen"] = now
            forced = self._forced_page(request, user)
            if forced and request.path not in (forced, reverse("accounts:logout")):
                return redirect(forced)
        return self.get_response(request)

    @staticmethod
    def _forced_page(request, user) -> str | None:
        if password_expired(user):
            return reverse("accounts:password_change")
        if totp_required(user) and not user.totp_confirmed:
            return reverse("accounts:totp_setup")
        return None
