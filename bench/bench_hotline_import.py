"""12345 import: N generated orders from xlsx into PostgreSQL with locating, classifying and repeat grouping,
beside two baselines measured in the same run on the same rows:

- the floor: a plain PostgreSQL COPY of the same rows from CSV into a bare table (no checks, no matching);
- the naive way: a per-row ORM import (match the address, `update_or_create`) of --orm-rows rows, extrapolated.

Targets (issue #4): 1,000,000 rows in < 60 s, within 6× the COPY, > 10× faster than per-row, peak memory < 2 GB.

    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_hotline_import.py
    ... --rows 200000            # fewer rows
The generated files are kept in var/bench/ and reused (generating 1M rows and writing the xlsx takes minutes).
The import runs in a fresh process so that its peak memory (ru_maxrss) is the import's own.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weizhili.settings.test")

from weizhili.demo.hotline_data import bench_compounds, generate_orders, write_csv, write_xlsx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0
MAX_COPY_FACTOR = 6.0
MIN_SPEEDUP = 10.0
MAX_RSS_MB = 2048
START = date(2019, 1, 1)
MONTHS = 96


def _files(rows: int, seed: int) -> tuple[Path, Path]:
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, csv_path = folder / f"hotline-{rows}-{seed}.xlsx", folder / f"hotline-{rows}-{seed}.csv"
    if not xlsx.exists() or not csv_path.exists():
        print(f"generating {rows:,} orders (once; kept in {folder}) ...", flush=True)
        started = time.perf_counter()
        specs = bench_compounds(seed=seed)
        # enough months and volume for `rows`, cut at exactly `rows`
        total = max(1500, int(rows / MONTHS * 1.6))
        made = list(itertools.islice(generate_orders(specs, start=START, months=MONTHS, monthly_total=total,
                                                     seed=seed), rows))
        print(f"  generated {len(made):,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        write_csv(csv_path, made)
        write_xlsx(xlsx, made, title="章丘区12345热线工单明细（测试数据）")
        print(f"  wrote xlsx + csv in {time.perf_counter() - started:.1f} s", flush=True)
    return xlsx, csv_path


def _street(specs):
    """The bench street in the database, built set-based, with aliases and buildings as the import needs."""
    from weizhili.places.models import Place, PlaceAlias, PlaceKind
    from weizhili.places.treeops import NodeSpec, subtree_ensure

    by_community: dict[str, list] = {}
    for spec in specs:
        by_community.setdefault(spec.community, []).append(spec)
    tree = NodeSpec(PlaceKind.STREET, "明水街道", children=[
        NodeSpec(PlaceKind.COMMUNITY, community, children=[
            NodeSpec(PlaceKind.COMPOUND, s.name, fields={"compound_kind": "residential",
                                                          "household_count": s.households,
                                                          "resident_count": round(s.households * 2.6)},
                     children=[NodeSpec(PlaceKind.BUILDING, f"{b}号楼") for b in range(1, s.buildings + 1)])
            for s in members])
        for community, members in by_community.items()])
    subtree_ensure(None, [tree])
    street = Place.objects.get(kind=PlaceKind.STREET, name="明水街道")
    ids = dict(Place.objects.filter(kind=PlaceKind.COMPOUND).values_list("name", "id"))
    PlaceAlias.objects.bulk_create([PlaceAlias(place_id=ids[s.name], name=a) for s in specs for a in s.aliases],
                                   ignore_conflicts=True)
    return street


def _train(street, specs, seed):
    """A category model trained on 20,000 generated labelled orders, as `hotline-train` would leave it."""
    from django.utils import timezone

    from weizhili.hotline.classes import model_dir
    from weizhili.hotline.models import CategoryModel
    from weizhili.text.classify import train

    sample = [r for r in itertools.islice(generate_orders(specs, start=START, months=12, seed=seed + 1), 20_000)
              if r[3]]
    trained = train([r[2] for r in sample], [r[3] for r in sample], seed=0)
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.model"
    trained.save(path)
    CategoryModel.objects.create(street=street, path=str(path), trained_at=timezone.now(), samples=len(sample),
                                 labels=len(trained.labels), accuracy=trained.accuracy, macro_f1=trained.macro_f1)
    return trained.accuracy


def _copy_floor(connection, csv_path: Path) -> float:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy (order_no text, received_at timestamp, content text, category text,"
                       " address text, handling_unit text, closed_at timestamp, resolved text, satisfaction text,"
                       " urgency text, responded_at timestamp)")
        started = time.perf_counter()
        with csv_path.open("rb") as f, cursor.cursor.copy(
                "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')") as copy:
            f.read(3)  # the BOM
            while block := f.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_copy")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    return seconds, copied


def _per_row(street, csv_path: Path, n: int) -> float:
    """The naive import: one parse, one match and one update_or_create per row, in one transaction (its best
    case: committing each row would add a disk flush per row)."""
    from django.db import transaction
    from django.utils import timezone

    from weizhili.hotline import reading
    from weizhili.hotline.gazetteer import street_gazetteer
    from weizhili.hotline.models import HotlineOrder

    gazetteer = street_gazetteer(street)
    started = time.perf_counter()
    done = 0
    with reading.open_sheet(csv_path) as sheet, transaction.atomic():
        header_map = reading.map_headers(sheet.headers)
        for item in itertools.islice(reading.parse_rows(sheet, header_map), n):
            if isinstance(item, reading.RowProblem):
                continue
            m = gazetteer.match(item.address, item.content)
            HotlineOrder.objects.update_or_create(
                street=street, order_no="ORM-" + item.order_no,
                defaults={"received_at": item.received_at, "content": item.content, "category": item.category,
                          "address": item.address, "handling_unit": item.handling_unit, "closed_at": item.closed_at,
                          "resolved": item.resolved, "satisfaction": item.satisfaction, "urgency": item.urgency,
                          "responded_at": item.responded_at, "place_id": m.compound_id or m.community_id or street.pk,
                          "community_id": m.community_id, "compound_id": m.compound_id, "building_no": m.building_no,
                          "unit_no": m.unit_no, "room": m.room or "", "locate_confidence": m.confidence,
                          "locate_band": m.band, "locate_source": m.source, "updated_at": timezone.now()})
            done += 1
    return (time.perf_counter() - started) / max(1, done)


def measure(rows: int, orm_rows: int, seed: int, xlsx: Path, csv_path: Path) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    from _django import test_database

    with test_database() as connection:
        if connection.vendor != "postgresql":
            raise SystemExit("set TEST_DATABASE_URL to a PostgreSQL database: this benchmark is about PostgreSQL")
        from weizhili.hotline.importing import import_file

        specs = bench_compounds(seed=seed)
        street = _street(specs)
        accuracy = _train(street, specs, seed)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        summary = import_file(path=xlsx, street=street, create_cases=False)
        import_seconds = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        copy_seconds, copied = _copy_floor(connection, csv_path)
        per_row = _per_row(street, csv_path, orm_rows)
    return {"rows": rows, "import_seconds": import_seconds, "copy_seconds": copy_seconds, "copied": copied,
            "per_row_seconds": per_row, "peak_rss_mb": rss_mb, "rss_before_import_mb": rss_before / 1024,
            "classifier_accuracy": accuracy, "summary": summary.as_dict()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--orm-rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    xlsx, csv_path = _files(args.rows, args.seed)
    if args.measure:
        print("RESULT " + json.dumps(measure(args.rows, args.orm_rows, args.seed, xlsx, csv_path), ensure_ascii=False))
        return
    os.environ.setdefault("WEIZHILI_TEST_DB_NAME", "bench_hotline")
    child = subprocess.run([sys.executable, __file__, "--measure", "--rows", str(args.rows), "--orm-rows",
                            str(args.orm_rows), "--seed", str(args.seed)], capture_output=True, text=True)
    line = next((x for x in child.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        print(child.stdout, child.stderr)
        raise SystemExit("the measuring process failed")
    r = json.loads(line[len("RESULT "):])
    s = r["summary"]
    n = r["rows"]
    per_row_total = r["per_row_seconds"] * n
    print(f"rows: {n:,}  (read {s['rows_read']:,}, imported {s['imported']:,}, failed {s['failed']:,}; located "
          f"high/medium/low/none {s['located']['high']:,}/{s['located']['medium']:,}/{s['located']['low']:,}/"
          f"{s['located']['none']:,}; classified {s['classified']:,} (model accuracy {r['classifier_accuracy']:.3f}); "
          f"repeat groups {s['repeat_groups']:,} with {s['repeat_orders']:,} repeats)")
    print(f"import (xlsx → PostgreSQL, locate, classify, repeats): {r['import_seconds']:8.1f} s   "
          f"({n / r['import_seconds']:,.0f} rows/s; target < {TARGET_SECONDS:.0f} s for 1M)")
    print(f"baseline COPY of the same rows from CSV:               {r['copy_seconds']:8.1f} s   "
          f"→ import = {r['import_seconds'] / r['copy_seconds']:.1f}× COPY (goal ≤ {MAX_COPY_FACTOR:.0f}×)")
    print(f"baseline per-row ORM import ({args.orm_rows:,} rows measured):     {1 / r['per_row_seconds']:8,.0f} rows/s "
          f"→ {per_row_total:,.0f} s for {n:,} → import is {per_row_total / r['import_seconds']:.1f}× faster "
          f"(goal > {MIN_SPEEDUP:.0f}×)")
    print(f"peak memory of the import process: {r['peak_rss_mb']:,.0f} MB (before the import "
          f"{r['rss_before_import_mb']:,.0f} MB; goal < {MAX_RSS_MB:,} MB)")
    print("where the import's time goes (s):", json.dumps(s["stage_seconds"], ensure_ascii=False))


if __name__ == "__main__":
    main()
