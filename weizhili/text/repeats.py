"""Repeat orders: hotline orders about the same problem share a repeat group.

Two orders are about the same problem when they have the same place key (compound id + building, say),
their texts are similar (cosine similarity of char n-gram TF-IDF ≥ ``threshold``) and they are at most
``window_days`` apart. Groups are transitive (A~B and B~C put A, B and C in one group).

Pure Python + scikit-learn; imports no Django. The texts are vectorised once; similarities are computed
only inside one place bucket and one time window, in chunks of sparse dot products, so a busy compound
does not cost a dense n×n matrix.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["Order", "find_repeat_groups"]

_CHUNK = 256  # rows compared at a time
_EPS = 1e-9  # identical texts score 1.0 give or take rounding


@dataclass(frozen=True, slots=True)
class Order:
    id: int | str
    place_key: str | None  # e.g. "compound:17/building:3"; None or "" never groups
    at: datetime
    text: str


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller index becomes the root, so a root is the smallest index of its group
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


# The operator's opening words ("市民来电反映：") say nothing about the problem but weigh in a short text.
_OPENING = re.compile(
    r"^(?:市民|来电人|群众|居民|业主|网友)?(?:来电|来信|留言)?(?:反映|反应|称|表示|诉求)[:：，,]?"
)


def _clean(text: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", text).split())
    return _OPENING.sub("", text, count=1)


def find_repeat_groups(
    orders: Sequence[Order], *, window_days: float = 30, threshold: float = 0.5
) -> list[int]:
    """Return a group id per order: the smallest index (into ``orders``) of the order's repeat group.

    An order that repeats nothing is its own group (its own index). Orders without a place key never group.
    """
    if window_days < 0:
        raise ValueError(f"window_days must not be negative, got {window_days}")
    n = len(orders)
    uf = _UnionFind(n)
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, order in enumerate(orders):
        if order.place_key:
            buckets[order.place_key].append(i)
    # one pass of sorting: buckets become contiguous runs of rows, each sorted by time (ties by index)
    placed = sorted(
        (i for members in buckets.values() if len(members) > 1 for i in members),
        key=lambda i: (orders[i].place_key, orders[i].at, i),
    )
    if not placed:
        return list(range(n))

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float64)
    try:
        matrix = sparse.csr_matrix(vectorizer.fit_transform([_clean(orders[i].text) for i in placed]))
    except ValueError:  # every text is empty: nothing to compare
        return list(range(n))
    window = timedelta(days=window_days)
    keys = [orders[i].place_key for i in placed]
    times = [orders[i].at for i in placed]
    total = len(placed)
    # ends[a] = first row after a's window: same place key, at most window_days later. Rows are sorted by
    # (place key, time), so ends never decreases and a's partners are exactly rows a+1 .. ends[a]-1.
    ends: list[int] = []
    hi = 0
    for a in range(total):
        hi = max(hi, a + 1)
        while hi < total and keys[hi] == keys[a] and times[hi] - times[a] <= window:
            hi += 1
        ends.append(hi)
    ends_arr = np.asarray(ends, dtype=np.int64)
    # chunks of rows against the rows they can reach: many small buckets share one sparse product
    for start in range(0, total, _CHUNK):
        stop = min(start + _CHUNK, total)
        reach = ends[stop - 1]
        if reach <= start + 1:
            continue
        sims = sparse.coo_matrix(matrix[start:stop] @ matrix[start:reach].T)
        a_pos = sims.row.astype(np.int64) + start
        b_pos = sims.col.astype(np.int64) + start
        keep = (b_pos > a_pos) & (b_pos < ends_arr[a_pos]) & (sims.data >= threshold - _EPS)
        for a, b in zip(a_pos[keep].tolist(), b_pos[keep].tolist(), strict=True):
            uf.union(placed[a], placed[b])

    return [uf.find(i) for i in range(n)]
