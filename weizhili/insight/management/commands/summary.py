import json

from django.core.management.base import BaseCommand

from weizhili.insight.summary import summary


class Command(BaseCommand):
    help = "Print the counts an operator checks after an import or upgrade (places, organisations, people, users)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, json: bool = False, **options):
        data = summary()
        if json:
            self.stdout.write(_dumps(data))
            return
        for section, value in data.items():
            if isinstance(value, dict):
                self.stdout.write(f"{section}: " + ", ".join(f"{k}={v}" for k, v in value.items()))
            else:
                self.stdout.write(f"{section}: {value}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
