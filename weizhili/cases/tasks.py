"""Background jobs of the case loop (huey: SqliteHuey on one machine, RedisHuey in production)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .sweep import sweep


@db_periodic_task(crontab(minute="*/5"))
def sweep_cases():
    """Escalate cases past their tier's deadline and raise yellow/red cards, every five minutes."""
    return sweep().total
