import base64
import io

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizhili.audit.middleware import client_address
from weizhili.audit.models import AuditResult
from weizhili.audit.services import audit_record
from weizhili.params import param_str

from . import services
from .forms import LoginForm, PasswordChangeForm, SettingsForm, TotpForm
from .models import User

_PENDING = "pending_2fa_user"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return "/"


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and services.login_throttled(client_address(request)):
        form.is_valid()
        form.add_error(None, _("登录尝试过于频繁，请 10 分钟后再试。"))
        audit_record(action="login", result=AuditResult.DENIED, username=param_str(request, "username", max_length=150, data=request.POST),
                     detail={"reason": "address throttled"})
        return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=429)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = User.objects.filter(username=username).first()
        if user is not None and services.user_is_locked(user):
            audit_record(action="login", result=AuditResult.DENIED, obj=user, username=username,
                         detail={"reason": "locked"})
            if user.check_password(form.cleaned_data["password"]):
                # Only someone who knows the password learns that the account is locked.
                local = timezone.localtime(user.locked_until)
                form.add_error(None, _("登录失败次数过多，账号已锁定至 %(time)s，请稍后再试或联系安全管理员。")
                               % {"time": local.strftime("%H:%M")})
            else:
                form.add_error(None, _("用户名或密码不正确。"))
        else:
            authed = authenticate(request, username=username, password=form.cleaned_data["password"])
            if authed is None:
                if user is not None:
                    services.user_login_failed(user=user)
                form.add_error(None, _("用户名或密码不正确。"))
            else:
                if authed.totp_confirmed and not authed.is_demo:
                    # The failure count is reset only once the second factor is passed too.
                    request.session[_PENDING] = authed.pk
                    request.session["pending_next"] = _next_url(request)
                    return redirect("accounts:totp_verify")
                services.user_login_succeeded(user=authed)
                login(request, authed)
                return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


def totp_verify_view(request):
    user_id = request.session.get(_PENDING)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.user_is_locked(user):
            form.add_error(None, _("登录失败次数过多，账号已锁定，请稍后再试。"))
        elif services.totp_check(user=user, code=form.cleaned_data["code"]):
            next_url = request.session.get("pending_next", "/")
            user.backend = "django.contrib.auth.backends.ModelBackend"
            services.user_login_succeeded(user=user)
            login(request, user)
            return redirect(next_url)
        else:
            services.user_login_failed(user=user)
            audit_record(action="login.totp", result=AuditResult.FAILED, obj=user, username=user.username)
            form.add_error("code", _("动态口令不正确或已使用。"))
    return render(request, "accounts/totp_verify.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(user=request.user, password=form.cleaned_data["new_password"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改。"))
        return redirect("/")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def totp_setup_view(request):
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "reset":
        services.totp_begin(user=user)
        return redirect("accounts:totp_setup")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_confirm(user=user, code=form.cleaned_data["code"]):
            messages.success(request, _("动态口令已启用，今后登录需输入动态口令。"))
            return redirect("/")
        form.add_error("code", _("动态口令不正确，请核对手机时间后重试。"))
    if user.totp_confirmed:
        return render(request, "accounts/totp_setup.html", {"confirmed": True})
    if not user.totp_secret:
        services.totp_begin(user=user)
    buffer = io.BytesIO()
    segno.make(services.totp_uri(user), error="m").save(buffer, kind="svg", scale=5)
    qr = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
    return render(request, "accounts/totp_setup.html",
                  {"form": form, "qr": qr, "secret": user.totp_secret, "confirmed": False})


@login_required
def settings_view(request):
    """My account: e-mail for notifications (at once or a morning digest), links to password and 2FA."""
    user = request.user
    form = SettingsForm(request.POST or None, initial={"email": user.email, "email_mode": user.email_mode})
    if request.method == "POST" and form.is_valid():
        services.user_update_settings(user=user, email=form.cleaned_data["email"],
                                      email_mode=form.cleaned_data["email_mode"])
        messages.success(request, _("设置已保存。"))
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})
