import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from weizhili.demo.builder import DemoBuilder
from weizhili.demo.names import STREET
from weizhili.places.models import Place


class Command(BaseCommand):
    help = "Build the demo street 明水街道 (fixed seed) with one demo account per persona; passwords print once."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database has places")

    def handle(self, *args, if_empty: bool, **options):
        if settings.WEIZHILI_PRODUCTION:
            # Demo accounts skip the first-login change and two-factor login: never on a real street's server.
            raise CommandError("演示数据不能在生产环境（weizhili.settings.production）中生成 / "
                               "the demo refuses to run under production settings")
        if Place.objects.exists():
            if if_empty:
                self.stdout.write("数据库已有区划数据，跳过演示数据 / database not empty, demo skipped")
                return
            if Place.objects.filter(depth=1, name=STREET).exists():
                raise CommandError(f"{STREET} already exists / 演示街道已存在")
        started = time.perf_counter()
        builder = DemoBuilder(progress=lambda step: print(f"  … {step}", file=sys.stderr, flush=True))
        result = builder.build()
        took = time.perf_counter() - started
        self.stdout.write(f"演示街道已生成 / demo street built in {took:.1f} s: {result.places} places, "
                          f"{result.orgs} Party organisations, {result.persons} residents, {result.members} members, "
                          f"{result.role_holders} role holders, {result.cases.get('cases', 0)} cases, "
                          f"{result.hotline.get('imported', 0)} 12345 orders")
        self.stdout.write("\n演示账号（密码只显示这一次）/ demo accounts (passwords shown once):")
        for username, password, role, place in result.accounts:
            self.stdout.write(f"  {username:<20} {password:<16} {role} · {place}")
