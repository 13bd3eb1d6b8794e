"""Background jobs of the case loop (huey: SqliteHuey on one machine, RedisHuey in production)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .notify import send_daily_digest, send_instant_emails
from .sweep import sweep


@db_periodic_task(crontab(minute="*/5"))
def sweep_cases():
    """Escalate cases past their tier's deadline and raise yellow/red cards, every five minutes."""
    return sweep().total


@db_periodic_task(crontab(minute="*"))
def email_notifications():
    """Mail new notifications to the users who asked for them at once."""
    return send_instant_emails()


@db_periodic_task(crontab(hour="23", minute="30"))  # 07:30 in Beijing (huey counts in UTC)
def email_daily_digest():
    """One morning mail with the day's pending notifications, for users who prefer a digest."""
    return send_daily_digest()
