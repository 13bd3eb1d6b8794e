"""The 12345 overview page (`/hotline/`) of the demo street, cold, beside the previous code path in the same run.

Target: < 500 ms cold (the cache cleared before every request) for the street cadre of the demo street
(41,000 orders over 33 months). Each request goes through the test client (middleware, view, template),
in a warm process: the first request of each variant is not counted.

Baseline, same run, same database: the page as it was computed before, restored by patching the figures
module back: each of the three figures (totals, branch effect, map change) ran its own grouped query over the
orders, months were cut with TruncMonth (a Python function per row on SQLite) and the 24-hour response with
datetime + timedelta (another), and the period's bounds came from a MIN/MAX query. (The branch effect's
per-control loop, since vectorised, is not restored: the baseline is, if anything, faster than the old page.)

Needs the demo street in a database of its own:
    WEIZHILI_VAR_DIR=/tmp/var_bench .venv/bin/weizhili migrate
    WEIZHILI_VAR_DIR=/tmp/var_bench .venv/bin/weizhili demo
    WEIZHILI_VAR_DIR=/tmp/var_bench .venv/bin/python bench/bench_hotline_overview.py [--runs 7]
"""
import argparse
import contextlib
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weizhili.settings.dev")

TARGET_MS = 500.0


@contextlib.contextmanager
def previous_code_path():
    """The overview as computed before: one query per figure, TruncMonth, datetime + timedelta."""
    from django.db.models import Count, F, Q
    from django.db.models.functions import TruncMonth

    from weizhili.hotline import figures, views
    from weizhili.hotline.models import Satisfaction

    def old_aggregates():
        in_time = Q(responded_at__isnull=False,
                    responded_at__lte=F("received_at") + timedelta(hours=figures.RESPONSE_HOURS))
        return {
            "n": Count("id"),
            "repeats": Count("id", filter=Q(repeat_group__isnull=False) & ~Q(repeat_group=F("id"))),
            "resolved_yes": Count("id", filter=Q(resolved=True)),
            "resolved_known": Count("id", filter=Q(resolved__isnull=False)),
            "rated": Count("id", filter=~Q(satisfaction="")),
            "satisfied": Count("id", filter=Q(satisfaction=Satisfaction.SATISFIED)),
            "basic": Count("id", filter=Q(satisfaction=Satisfaction.BASIC)),
            "unsatisfied": Count("id", filter=Q(satisfaction=Satisfaction.UNSATISFIED)),
            "responded_in_time": Count("id", filter=in_time),
            "responded_any": Count("id", filter=Q(responded_at__isnull=False)),
        }

    saved = figures._month_expression, figures._figure_aggregates, views.street_rows
    figures._month_expression = lambda tz: TruncMonth("received_at", tzinfo=tz)
    figures._figure_aggregates = old_aggregates
    views.street_rows = lambda street: None  # each figure queries for itself, the period from MIN/MAX
    try:
        yield
    finally:
        figures._month_expression, figures._figure_aggregates, views.street_rows = saved


def timed_requests(client, runs: int) -> tuple[list[float], list[float]]:
    """(wall-clock ms, CPU ms) per cold request. SQLite runs in this process, so its work is in the CPU time;
    on a loaded machine the wall clock also counts the waits for a core, the CPU time does not."""
    from django.core.cache import cache

    wall, cpu = [], []
    for i in range(runs + 1):
        cache.clear()  # cold: nothing the page computed before is reused
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get("/hotline/")
        elapsed, elapsed_cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
        assert response.status_code == 200, response.status_code
        if i:  # the first request warms the process (imports, templates), not the page
            wall.append(elapsed)
            cpu.append(elapsed_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from weizhili.accounts.models import User
    from weizhili.hotline.models import HotlineOrder

    setup_test_environment()  # the test client's host name is allowed
    user = User.objects.filter(username="street_cadre").first()
    orders = HotlineOrder.objects.count()
    if user is None or not orders:
        sys.exit("no demo street here: run `weizhili migrate && weizhili demo` with the same WEIZHILI_VAR_DIR")
    client = Client()
    client.force_login(user)
    print(f"{connection.vendor}, {orders} orders, {args.runs} cold requests each (cache cleared before each)")
    with previous_code_path():
        before = timed_requests(client, args.runs)
    after = timed_requests(client, args.runs)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, (wall, cpu) in (("previous code path", before), ("now", after)):
        print(f"  {label:<20} wall median {statistics.median(wall):6.0f} ms (min {min(wall):5.0f}, "
              f"max {max(wall):5.0f})   CPU median {statistics.median(cpu):6.0f} ms")
    median = statistics.median(after[0])
    print(f"target < {TARGET_MS:.0f} ms cold (wall): {'met' if median < TARGET_MS else 'NOT met'} "
          f"({statistics.median(before[0]) / median:.1f}× faster; CPU "
          f"{statistics.median(before[1]) / statistics.median(after[1]):.1f}×)")


if __name__ == "__main__":
    main()
