"""E-mail for in-app notifications: at once for users who want that, or one digest each morning.

Both are set-based: one query collects the pending notifications, one mail per user, one UPDATE marks them."""
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from weizhili.accounts.models import EmailMode

from .models import Notification


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
    with override(settings.LANGUAGE_CODE):
        for user, notes in by_user.items():
            lines = [f"{timezone.localtime(n.created_at):%m-%d %H:%M}  {n.text}" for n in notes]
            body = "\n".join([_("您有 %(n)d 条新通知：") % {"n": len(notes)}, "", *lines, "",
                              _("请登录微治理查看和办理。")])
            messages.append((str(subject), body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    send_mass_mail(messages, fail_silently=False)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    return len(messages)


def send_instant_emails(now=None) -> int:
    return _send(EmailMode.INSTANT, _("微治理：新通知"), now)


def send_daily_digest(now=None) -> int:
    return _send(EmailMode.DAILY, _("微治理：每日待办汇总"), now)
