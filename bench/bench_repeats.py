"""Repeat grouping: `find_repeat_groups` on N generated orders, speed and quality, beside the first version.

The orders come from `generate_labelled` (the import benchmark's street and volume), so every row carries the
truth: whether it repeats an earlier order and that order's number. Place key = "compound/building", as the
importer builds it; orders that name no compound have none and never group.

Quality, pair-level: an order that truly repeats an earlier one whose predecessor is in the data is a *hit* when
the predecessor is in the same found group (recall = hits / such orders); an order that is not a true repeat but
is put in a group with an earlier order is a *false positive* (precision = hits / (hits + false positives)).
A true repeat put with earlier orders but not with its predecessor is counted apart ("misgrouped").

Baseline, in the same run: the first, scikit-learn version (`baseline_sklearn_groups`: TfidfVectorizer
char_wb 1–3-grams, sublinear tf; buckets sorted by (place key, time); chunks of 256 rows multiplied against
their reachable window; union-find) on the first --baseline-rows orders, with the new version on the same rows.

    .venv/bin/python bench/bench_repeats.py                 # 1,000,000 orders, baseline on 100,000
    .venv/bin/python bench/bench_repeats.py 200000 --baseline-rows 50000
Nothing is cached: the orders are generated on every run (not timed).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weizhili.demo.hotline_data import bench_compounds, generate_labelled  # noqa: E402
from weizhili.text.repeats import Order, find_repeat_groups  # noqa: E402

START = date(2019, 1, 1)
MONTHS = 96
TARGET_SECONDS = 8.0  # for 1,000,000 orders: one step of an import that must finish in 60 s


class Truth(NamedTuple):
    number: str
    placed: bool
    is_repeat: bool
    repeat_of: str | None


def generate(n: int, seed: int = 7) -> tuple[list[Order], list[Truth]]:
    """N labelled orders, as the import benchmark generates them (same street, volume and span)."""
    specs = bench_compounds(seed=seed)
    total = max(1500, int(n / MONTHS * 1.6))
    rows = itertools.islice(generate_labelled(specs, start=START, months=MONTHS, monthly_total=total, seed=seed), n)
    orders: list[Order] = []
    truth: list[Truth] = []
    for i, r in enumerate(rows):
        key = f"{r.compound}/{r.building or ''}" if r.compound else None
        orders.append(Order(i, key, r.row[1], r.row[2]))
        truth.append(Truth(r.row[0], key is not None, r.is_repeat, r.repeat_of))
    return orders, truth


# --- the first version, for comparison ------------------------------------------------------------------


def baseline_sklearn_groups(orders: Sequence[Order], *, window_days: float = 30, threshold: float = 0.5,
                            chunk: int = 256) -> list[int]:
    """The scikit-learn version find_repeat_groups replaced (same contract: group id = smallest index)."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(orders)
    placed = sorted((i for i, o in enumerate(orders) if o.place_key),
                    key=lambda i: (orders[i].place_key, orders[i].at, i))
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if len(placed) < 2:
        return list(range(n))
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    matrix = sparse.csr_matrix(vectorizer.fit_transform([orders[i].text for i in placed]))
    _, key = np.unique(np.array([orders[i].place_key for i in placed], dtype=object).astype(str),
                       return_inverse=True)
    times = np.array([orders[i].at.timestamp() for i in placed])
    window = timedelta(days=window_days).total_seconds()
    composite = key.astype(np.float64) * 1e10 + (times - times.min())  # sorted: (key, time)
    index = np.asarray(placed)
    m = len(placed)
    for s in range(0, m, chunk):
        e = min(s + chunk, m)
        stop = int(np.searchsorted(composite, composite[e - 1] + window, side="right"))
        block = (matrix[s:e] @ matrix[s:stop].T).tocoo()
        a, b = block.row + s, block.col + s
        keep = (b > a) & (key[a] == key[b]) & (times[b] - times[a] <= window) & (block.data >= threshold - 1e-9)
        for x, y in zip(index[a[keep]].tolist(), index[b[keep]].tolist(), strict=True):
            rx, ry = find(x), find(y)
            if rx != ry:
                parent[max(rx, ry)] = min(rx, ry)  # the root is the smallest index
    return [find(i) for i in range(n)]


# --- measuring --------------------------------------------------------------------------------------------


class Figures(NamedTuple):
    seconds: float
    orders: int
    groups: int  # groups with more than one member
    hits: int
    repeats: int  # true repeats whose predecessor is in the data (and placed)
    false_positives: int
    misgrouped: int

    @property
    def precision(self) -> float:
        return self.hits / max(1, self.hits + self.false_positives)

    @property
    def recall(self) -> float:
        return self.hits / max(1, self.repeats)


def measure(fn: Callable[..., list[int]], orders: list[Order], truth: list[Truth]) -> Figures:
    started = time.perf_counter()
    groups = fn(orders)
    seconds = time.perf_counter() - started
    size = np.bincount(np.asarray(groups, dtype=np.int64), minlength=len(groups))
    position = {t.number: i for i, t in enumerate(truth)}
    hits = repeats = false_positives = misgrouped = 0
    for i, t in enumerate(truth):
        flagged = groups[i] < i  # in a group with an earlier order (ids are the smallest index)
        previous = position.get(t.repeat_of) if t.repeat_of else None
        if t.is_repeat and t.placed and previous is not None:
            repeats += 1
            if groups[previous] == groups[i]:
                hits += 1
            elif flagged:
                misgrouped += 1
        elif flagged and not t.is_repeat:
            false_positives += 1
    return Figures(seconds, len(orders), int((size > 1).sum()), hits, repeats, false_positives, misgrouped)


def report(label: str, f: Figures) -> None:
    print(f"{label:<34} {f.orders:>9,} orders {f.seconds:8.2f} s {f.orders / f.seconds:>10,.0f} orders/s  "
          f"groups>1 {f.groups:>7,}  precision {f.precision:.4f}  recall {f.recall:.4f}  "
          f"(hits {f.hits:,} of {f.repeats:,}, false positives {f.false_positives:,}, "
          f"misgrouped {f.misgrouped:,})", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    orders, truth = generate(args.rows, args.seed)
    print(f"generated {len(orders):,} labelled orders in {time.perf_counter() - started:.1f} s "
          f"({orders[0].at:%Y-%m-%d} .. {orders[-1].at:%Y-%m-%d}, "
          f"{sum(t.placed for t in truth):,} with a place key)", flush=True)

    new = measure(find_repeat_groups, orders, truth)
    report("find_repeat_groups", new)
    k = min(args.baseline_rows, len(orders))
    if k:
        sub_orders, sub_truth = orders[:k], truth[:k]
        report("find_repeat_groups (subset)", measure(find_repeat_groups, sub_orders, sub_truth))
        report("baseline_sklearn_groups (subset)", measure(baseline_sklearn_groups, sub_orders, sub_truth))
    if args.rows >= 1_000_000:
        verdict = "ok" if new.seconds < TARGET_SECONDS else "MISSED"
        print(f"target: < {TARGET_SECONDS:.0f} s for {args.rows:,} orders: {verdict}")
        return 0 if new.seconds < TARGET_SECONDS else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
