import json

from django.core.management.base import BaseCommand

from weizhili.cases.sweep import sweep


class Command(BaseCommand):
    help = "Run the escalation and yellow/red card sweep now (the job worker runs it every five minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        result = sweep()
        data = {"escalated": dict(result.escalated), "yellow": result.yellow, "red": result.red}
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(f"escalated={data['escalated']} yellow={result.yellow} red={result.red}")
