"""The handler's work queue (`case_queue`) of a community with 100,000 historical cases, ~2,000 of them open.

Target: the first page (30 rows, as `list(qs[:30])`) plus the count in under 100 ms p95, for a community worker and
a branch secretary, views "tier" and "open". Baselines, measured in the same run on the same data: the same queue
scoped through the place join (`place__path__startswith`, what `case_list` avoids for communities and compounds), and
all open cases fetched and sorted in Python.
    .venv/bin/python bench/bench_queue.py                     # SQLite (in memory)
    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test WEIZHILI_TEST_DB_NAME=test_bench \
        .venv/bin/python bench/bench_queue.py
    … bench/bench_queue.py --rows 100000 --runs 50 --explain
"""
import argparse
import statistics
import time

from _django import test_database
from bench_sweep import NOW, PASSWORD, insert_cases

TARGET_MS = 100.0
PAGE = 30


def queue_exprs(at, pg, rows):
    """Mostly closed history (~3 years, one case every ~15 minutes) and ~2 % open: recent, mixed states, tiers and
    deadlines."""
    open_h = "((g.i * 7919) % 997)"        # < 20: open (2 %)
    tier_h = "((g.i * 1299709) % 983)"     # 60 % compound, 30 % community, 10 % street
    due_h = "((g.i * 104729) % 991)"
    is_open = f"{open_h} < 20"
    due_offset_h = f"({due_h} % 300 - 60)"  # open cases: the round's deadline -60 … +239 h from now
    created = f"CASE WHEN {is_open} THEN -3600 * (g.i % 240 + 1) ELSE -900 * ({rows} - g.i + 300) END"
    return {
        "status": f"(CASE WHEN {is_open} THEN (CASE WHEN g.i % 20 < 8 THEN 'dispatched' WHEN g.i % 20 < 14 "
                  "THEN 'handling' WHEN g.i % 20 < 16 THEN 'registered' WHEN g.i % 20 < 18 THEN 'reported' "
                  "WHEN g.i % 20 = 18 THEN 'verified' ELSE 'accepted' END) "
                  f"WHEN {due_h} < 940 THEN 'closed' WHEN {due_h} < 970 THEN 'merged' ELSE 'rejected' END)",
        "tier": f"(CASE WHEN {tier_h} < 590 THEN 'compound' WHEN {tier_h} < 885 THEN 'community' ELSE 'street' END)",
        "handler_kind": f"(CASE WHEN {tier_h} < 590 THEN c.handler_kind WHEN {tier_h} < 885 THEN 'community' "
                        "ELSE 'street' END)",
        "created_at": at(created),
        "accepted_at": at(created),
        "dispatched_at": at(f"{created} + 600"),
        "closed_at": f"(CASE WHEN {is_open} THEN NULL ELSE {at(f'{created} + 172800')} END)",
        "closed_on_time": f"(CASE WHEN {is_open} THEN NULL ELSE {due_h} % 10 > 0 END)",
        "resolved_tier": f"(CASE WHEN {is_open} THEN '' ELSE 'compound' END)",
        "due_at": f"(CASE WHEN {is_open} THEN {at(f'3600 * {due_offset_h}')} ELSE {at(f'{created} + 259200')} END)",
        "yellow_at": f"(CASE WHEN {is_open} THEN {at(f'3600 * ({due_offset_h} - 24)')} END)",
        "red_at": f"(CASE WHEN {is_open} THEN {at(f'3600 * ({due_offset_h} + 24)')} END)",
        "tier_due_at": f"(CASE WHEN {is_open} THEN {at(f'3600 * ({due_h} % 96 + 1)')} END)",
        "card": f"(CASE WHEN NOT ({is_open}) THEN 'none' WHEN {due_offset_h} <= -24 THEN 'red' "
                f"WHEN {due_offset_h} <= 24 THEN 'yellow' ELSE 'none' END)",
        "updated_at": at(created),
    }


def _tree(compounds: int, others: int):
    from weizhili.places.models import Place, PlaceKind
    from weizhili.places.treeops import NodeSpec, subtree_ensure

    def community(name: str, n: int) -> NodeSpec:
        return NodeSpec(PlaceKind.COMMUNITY, name, children=[
            NodeSpec(PlaceKind.COMPOUND, f"{name}{k + 1}号院", fields={"compound_kind": "residential"}, children=[
                NodeSpec(PlaceKind.BUILDING, f"{b + 1}号楼") for b in range(4)]) for k in range(n)])

    subtree_ensure(None, [NodeSpec(PlaceKind.STREET, "基准街道", children=[
        community("目标社区", compounds), *[community(f"邻近社区{j + 1}", 5) for j in range(others)]])])
    street = Place.objects.get(depth=1, name="基准街道")
    by_path = {p.path: p for p in Place.objects.filter(path__startswith=street.path)}
    step = Place.steplen
    buildings: dict[int, list] = {}
    for p in by_path.values():
        if p.kind == PlaceKind.BUILDING:
            community_node = by_path[p.path[:2 * step]]
            buildings.setdefault(community_node.pk, []).append((p.pk, by_path[p.path[:3 * step]].pk, community_node.pk))
    communities = sorted((p for p in by_path.values() if p.kind == PlaceKind.COMMUNITY), key=lambda p: p.path)
    return street, communities, {k: sorted(v) for k, v in buildings.items()}


def _percentiles(samples_ms: list[float]) -> tuple[float, float]:
    return statistics.median(samples_ms), statistics.quantiles(samples_ms, n=20, method="inclusive")[18]


def _measure(fn, runs: int):
    """(p50 ms, p95 ms, queries per call, result of the last call); one warm-up call first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return (*_percentiles(samples), len(ctx.captured_queries), result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="cases of the measured community")
    parser.add_argument("--others", type=int, default=2, help="neighbouring communities, each with rows/2 cases")
    parser.add_argument("--compounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true", help="print the query plans of the queue queries")
    args = parser.parse_args()

    with test_database() as connection:
        from django.db.models import Case as When_
        from django.db.models import IntegerField, Value, When

        from weizhili.accounts.models import Role
        from weizhili.accounts.services import user_create
        from weizhili.cases.models import OPEN_STATUSES, Card, Case, Status
        from weizhili.cases.selectors import case_queue
        from weizhili.cases.services import categories_ensure
        from weizhili.cases.workflow import ROLE_TIER
        from weizhili.places.models import Place, PlaceKind

        vendor = connection.vendor
        started = time.perf_counter()
        street, communities, buildings = _tree(args.compounds, args.others)
        categories = categories_ensure(street=street)
        target = communities[0]
        insert_cases(connection, rows=args.rows, buildings=buildings[target.pk], categories=categories,
                     exprs=queue_exprs, prefix="Q")
        for j, other in enumerate(communities[1:]):
            insert_cases(connection, rows=args.rows // 2, buildings=buildings[other.pk], categories=categories,
                         exprs=queue_exprs, prefix=f"N{j}-")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
        setup_s = time.perf_counter() - started
        compound = Place.objects.filter(path__startswith=target.path, kind=PlaceKind.COMPOUND).order_by("path").first()
        worker, _ = user_create(username="worker", role=Role.COMMUNITY_WORKER, place=target, password=PASSWORD)
        secretary, _ = user_create(username="secretary", role=Role.BRANCH_SECRETARY, place=compound,
                                   password=PASSWORD)
        in_target = Case.objects.filter(community=target)
        total = Case.objects.count()
        print(f"database: {vendor}")
        print(f"data: {total:,} cases, {in_target.count():,} in 目标社区 ({args.compounds} compounds), "
              f"{in_target.filter(status__in=OPEN_STATUSES).count():,} of them open "
              f"({in_target.filter(status__in=OPEN_STATUSES, compound=compound).count():,} in the secretary's "
              f"compound); written in {setup_s:.1f} s")

        def queue_page(user, view):
            def call():
                qs = case_queue(user=user, view=view, now=NOW)
                return len(list(qs[:PAGE])), qs.count()
            return call

        def path_scoped(user, view):
            """The same queue, scoped through the place join instead of the denormalised community/compound."""
            def call():
                qs = Case.objects.filter(place__path__startswith=user.place.path).select_related(
                    "category", "place", "compound", "assignee")
                if view == "tier":
                    qs = qs.filter(status__in=OPEN_STATUSES, tier=ROLE_TIER[user.role])
                else:
                    qs = qs.filter(status__in=OPEN_STATUSES + [Status.PARKED])
                qs = qs.annotate(
                    overdue=When_(When(due_at__lt=NOW, then=Value(0)), default=Value(1), output_field=IntegerField()),
                    card_rank=When_(When(card=Card.RED, then=Value(0)), When(card=Card.YELLOW, then=Value(1)),
                                    default=Value(2), output_field=IntegerField()),
                ).order_by("overdue", "card_rank", "due_at", "id")
                return len(list(qs[:PAGE])), qs.count()
            return call

        def python_sorted(user, view):
            """All open cases of the scope fetched, sorted in Python, first page sliced."""
            rank = {Card.RED: 0, Card.YELLOW: 1}

            def call():
                qs = Case.objects.filter(place__path__startswith=user.place.path).select_related(
                    "category", "place", "compound", "assignee")
                if view == "tier":
                    qs = qs.filter(status__in=OPEN_STATUSES, tier=ROLE_TIER[user.role])
                else:
                    qs = qs.filter(status__in=OPEN_STATUSES + [Status.PARKED])
                rows = sorted(qs, key=lambda c: (0 if c.due_at and c.due_at < NOW else 1, rank.get(c.card, 2),
                                                 c.due_at is None, c.due_at or NOW, c.id))
                return len(rows[:PAGE]), len(rows)
            return call

        results = []
        print(f"{'':44} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'page':>5} {'count':>6}")
        for label, user in (("community worker", worker), ("branch secretary", secretary)):
            for view in ("tier", "open"):
                for kind, make in (("case_queue", queue_page), ("baseline: path join", path_scoped),
                                   ("baseline: Python sort", python_sorted)):
                    p50, p95, queries, (page, count) = _measure(make(user, view), args.runs)
                    name = f"{label} {view:<4} {kind}"
                    print(f"{name:<44} {p50:8.1f} {p95:8.1f} {queries:8d} {page:5d} {count:6,}")
                    results.append((label, view, kind, p50, p95, queries, count))
                if args.explain:
                    qs = case_queue(user=user, view=view, now=NOW)
                    print("  plan (page):", qs[:PAGE].explain().replace("\n", "\n    "))
        # the closed list (newest closing first) of the community's history: served by the partial closed_at index
        p50, p95, queries, (page, count) = _measure(queue_page(worker, "closed"), args.runs)
        print(f"{'community worker closed case_queue':<44} {p50:8.1f} {p95:8.1f} {queries:8d} {page:5d} {count:6,}")
        closed_p95 = p95
        if args.explain:
            print("  plan (page):", case_queue(user=worker, view="closed", now=NOW)[:PAGE].explain()
                  .replace("\n", "\n    "))
        ours = [r for r in results if r[2] == "case_queue"]
        worst = max(r[4] for r in ours)
        slowest_base = {kind: max(r[4] for r in results if r[2] == kind)
                        for kind in ("baseline: path join", "baseline: Python sort")}
        verdict = "PASS" if worst < TARGET_MS else "MISS"
        print(f"queue: worst p95 {worst:.1f} ms over {len(ours)} user/view pairs, {ours[0][5]} queries per call "
              f"(target < {TARGET_MS:.0f} ms: {verdict}) on {vendor}; baselines worst p95: path join "
              f"{slowest_base['baseline: path join']:.1f} ms, Python sort {slowest_base['baseline: Python sort']:.1f} ms; "
              f"closed list p95 {closed_p95:.1f} ms")


if __name__ == "__main__":
    main()
