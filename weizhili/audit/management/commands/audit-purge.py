from django.conf import settings
from django.core.management.base import BaseCommand

from weizhili.audit.services import audit_purge


class Command(BaseCommand):
    help = "Delete audit rows older than the retention period (never younger than 180 days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.WEIZHILI_AUDIT_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        removed = audit_purge(days=days)
        self.stdout.write(f"removed {removed} audit rows older than {max(days, 180)} days")
