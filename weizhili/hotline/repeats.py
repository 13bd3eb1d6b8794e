"""Repeat groups in the database: recomputed for the months an import touched, written set-based.

Two orders repeat each other when they name the same compound and building, their texts are similar and they
are at most `window_days` apart (weizhili.text.repeats). A group's id is the id of its earliest order, so it
stays the same when later repeats arrive."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf

from weizhili.places.models import Place
from weizhili.text.repeats import Order, find_repeat_groups

from .models import HotlineOrder

WINDOW_DAYS = 30
THRESHOLD = 0.5


def repeats_refresh(*, street: Place, start: datetime, end: datetime, window_days: float = WINDOW_DAYS,
                    threshold: float = THRESHOLD, timings: dict[str, float] | None = None) -> tuple[int, int]:
    """Regroup the street's orders from `start - window` to `end + window`. Returns (groups with repeats,
    orders that repeat an earlier one) in that range."""
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    window = timedelta(days=window_days)
    lo, hi = start - window, end + window
    rows = _read(street, lo, hi)
    orders = [Order(pk, place_key, at, text) for pk, place_key, at, text, _ in rows]
    timings["repeats_read"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    roots = find_repeat_groups(orders, window_days=window_days, threshold=threshold)
    del orders
    timings["repeats_group"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()

    # The group's id: its earliest order's id; or, when that order lies before `start` and already belonged
    # to a group rooted further back (outside what was loaded), that older id, so a group never splits.
    value: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for root in roots:
        sizes[root] = sizes.get(root, 0) + 1
        if root not in value:
            first = rows[root]
            value[root] = first[4] if first[2] < start and first[4] is not None else first[0]
    # New lone orders (no group yet, their own group now) are written by one UPDATE below, not row by row.
    changed = [(row[0], value[root]) for row, root in zip(rows, roots, strict=True)
               if row[4] != value[root] and not (row[4] is None and value[root] == row[0])]
    _write_groups(changed)
    # Every order without a group is its own group: the new lone ones, and those not located to a compound.
    HotlineOrder.objects.filter(street=street, repeat_group__isnull=True).update(repeat_group=F("id"))
    timings["repeats_write"] = round(time.perf_counter() - started, 3)
    groups = sum(1 for size in sizes.values() if size > 1)
    repeats = sum(size - 1 for size in sizes.values() if size > 1)
    return groups, repeats


def _read(street: Place, lo: datetime, hi: datetime) -> list[tuple]:
    """(id, place key, received at, text, current group) of the street's located orders in [lo, hi], by time.

    The place key and the text are put together by the database. On PostgreSQL the time travels as epoch
    seconds: loading a million timestamptz values through the driver took 4 s more than floats."""
    if connection.vendor == "postgresql":
        table = HotlineOrder._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, compound_id::text || '/' || coalesce(building_no::text, ''), "
                f"extract(epoch FROM received_at)::float8, coalesce(nullif(content, ''), address), repeat_group "
                f"FROM {table} WHERE street_id = %s AND received_at >= %s AND received_at <= %s "
                f"AND compound_id IS NOT NULL ORDER BY received_at, id", [street.pk, lo, hi])
            fetched = cursor.fetchall()
        fromtimestamp = datetime.fromtimestamp
        return [(pk, key, fromtimestamp(epoch, UTC), text, group) for pk, key, epoch, text, group in fetched]
    key = Concat(Cast("compound_id", CharField()), Value("/"), Coalesce(Cast("building_no", CharField()), Value("")),
                 output_field=CharField())
    text = Coalesce(NullIf("content", Value("")), "address", output_field=CharField())
    return list(HotlineOrder.objects.filter(street=street, received_at__gte=lo, received_at__lte=hi,
                                            compound__isnull=False)
                .order_by("received_at", "id").annotate(key=key, text=text)
                .values_list("id", "key", "received_at", "text", "repeat_group"))


def _write_groups(changed: list[tuple[int, int]]) -> None:
    if not changed:
        return
    table = HotlineOrder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS hotline_groups")
        cursor.execute("CREATE TEMP TABLE hotline_groups (id bigint PRIMARY KEY, grp bigint)")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY hotline_groups (id, grp) FROM STDIN") as copy:
                for row in changed:
                    copy.write_row(row)
            cursor.execute("ANALYZE hotline_groups")  # temp tables are never analysed: without it, a bad join plan
        else:
            cursor.executemany("INSERT INTO hotline_groups VALUES (%s, %s)", changed)
        cursor.execute(f"UPDATE {table} SET repeat_group = g.grp FROM hotline_groups g WHERE {table}.id = g.id")
        cursor.execute("DROP TABLE hotline_groups")
