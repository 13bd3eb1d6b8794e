"""Notifications: their messages, rendered lazily in the reader's language, and e-mail for them (at once for
users who want that, or one digest each morning).

A notification stores a message kind and its parameters, not text: the page renders it in its reader's
language, a mail in the recipient's (`User.language`, else the site's default). Mailing is set-based: one
query collects the pending notifications, one mail per user, one UPDATE marks them."""
from collections import defaultdict
from contextlib import nullcontext

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from weizhili.accounts.models import EmailMode

from .models import Notification

# kind → message (msgid with %(name)s parameters, rendered at display time)
MESSAGES = {
    "dispatch": gettext_lazy("新诉求 %(code)s 已派给您"),
    "escalate": gettext_lazy("诉求 %(code)s 已上报到本级"),
    "reopen": gettext_lazy("诉求 %(code)s 居民不满意，已重办"),
    "resident_reopen": gettext_lazy("诉求 %(code)s 居民反映问题复发，已重办"),
    "urge": gettext_lazy("诉求 %(code)s 被催办"),
    "supervise": gettext_lazy("诉求 %(code)s 被督办"),
    "verify_fail": gettext_lazy("诉求 %(code)s 核查未通过，请返工"),
    "approve_extension": gettext_lazy("诉求 %(code)s 的延期已批准"),
    "add_info": gettext_lazy("诉求 %(code)s 居民补充了信息"),
}


def render(notification: Notification, language: str | None = None) -> str:
    """The notification's text in `language` (default: the active one)."""
    message = MESSAGES.get(notification.kind)
    if message is None:
        return notification.text  # written before messages were stored as kinds, or a kind since removed
    with override(language) if language else nullcontext():
        try:
            return str(message) % notification.params
        except (KeyError, TypeError, ValueError):
            return str(message)


def recipient_language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _pending(mode: str):
    return (Notification.objects.filter(emailed_at__isnull=True, user__email_mode=mode, user__is_active=True)
            .exclude(user__email="").select_related("user", "case").order_by("user_id", "created_at"))


def _send(mode: str, subject: str, now=None) -> int:
    now = now or timezone.now()
    pending = list(_pending(mode)[:5000])
    if not pending:
        return 0
    by_user = defaultdict(list)
    for note in pending:
        by_user[note.user].append(note)
    messages = []
    for user, notes in by_user.items():
        with override(recipient_language(user)):
            lines = [f"{timezone.localtime(n.created_at):%m-%d %H:%M}  {render(n)}" for n in notes]
            body = "\n".join([_("您有 %(n)d 条新通知：") % {"n": len(notes)}, "", *lines, "",
                              _("请登录微治理查看和办理。")])
            messages.append((str(subject), body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    send_mass_mail(messages, fail_silently=False)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    return len(messages)


def send_instant_emails(now=None) -> int:
    return _send(EmailMode.INSTANT, gettext_lazy("微治理：新通知"), now)


def send_daily_digest(now=None) -> int:
    return _send(EmailMode.DAILY, gettext_lazy("微治理：每日待办汇总"), now)
