from django.core.management.base import BaseCommand, CommandError

from weizhili.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit 1 and name the first broken row when it was tampered with."

    def handle(self, *args, **options):
        checked, broken = audit_verify()
        if broken is not None:
            self.stderr.write(f"审计链断裂 / audit chain broken at row id={broken.entry_id}: {broken.reason} "
                              f"({checked} rows verified before it)")
            raise CommandError("audit verification failed", returncode=1)
        self.stdout.write(f"审计链完整 / audit chain intact: {checked} rows verified")
