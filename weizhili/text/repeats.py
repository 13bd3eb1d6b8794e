"""Repeat orders: hotline orders about the same problem share a repeat group.

Two orders are about the same problem when they have the same place key (compound id + building, say),
their texts are similar (cosine similarity of character 1–3-gram TF-IDF ≥ ``threshold``) and they are at
most ``window_days`` apart. Groups are transitive (A~B and B~C put A, B and C in one group).

Pure Python + numpy/scipy; imports no Django. The features are those of the first, scikit-learn version
(TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)), and so is the quality:
characters, character pairs and triples, the start and end of the text counting as a character (spaces
dropped, full-width ASCII folded, latin lower-cased); sublinear tf; smoothed IDF from an even sample of the
placed texts. Features are hashed into 2^20 columns (a 4 MB IDF table; chance collisions add about 1e-4 to
a score on average). ``bench/bench_repeats.py`` measures speed and quality against the scikit-learn version.

How it is fast (1,000,000 orders in 4–5 s on two shared cores, was 36 s; see the bench):

- Texts: all texts become normalised 16-bit codes in one array (a ``"\0".join`` + encode per 50,000 texts;
  no Python work per text beyond ``len``).
- Features: rows (orders sorted by place key, time) are handled in segments of whole buckets of about
  ``SEGMENT_ROWS`` rows, each vectorised once. In a segment, texts of similar length (classes of ``STEP``
  characters) are copied out as fixed-width rows; the n-gram hashes are computed on the flat rows, each
  row is sorted, and runs of equal columns give the distinct features and their tf.
- Scoring: the candidate pairs (same bucket, at most ``window_days`` apart) of a segment lie in a band, as
  its rows are sorted by bucket and time. The TF-IDF rows are also folded into ``DIMS`` dense float32
  dimensions (signed feature hashing: inner products are kept on average), and each block of ``BLOCK`` rows
  is multiplied with the rows that follow it (small matrix products, each below OpenBLAS's threading
  threshold: threads make such products slower). The estimate is off by ±0.045 (standard deviation; rarely
  up to ±0.3), so pairs whose estimate lies within ``MARGIN`` of the threshold (3% of them) are scored
  with the exact sparse rows; the others are decided by the estimate. On the bench's 8.9 million pairs 27
  decisions differ from exact scoring (20 of 1,000,000 orders end up in another group).
- Groups come from scipy's connected components, not a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["Order", "find_repeat_groups"]

MAX_CHARS = 120  # the problem is stated at the start; long follow-up notes add little but cost
IDF_SAMPLE = 100_000  # texts the IDF is computed from (an even sample)
SEGMENT_ROWS = 8_000  # rows vectorised and scored at a time (whole buckets)
TEXT_CHUNK = 50_000  # texts encoded at a time
DIMS = 512  # dense dimensions of the estimate
MARGIN = 0.15  # estimates this close to the threshold are checked with the exact rows
BLOCK = 8  # rows per block of the band products
STEP = 8  # texts are padded to a multiple of this length
_EPS = 1e-5  # identical texts score 1.0 give or take float32 rounding
_HASH_BITS = 20
_COLUMN = np.uint32((1 << _HASH_BITS) - 1)
_SHIFT = np.uint32(32 - _HASH_BITS)
_TF_SHIFT = np.uint32(_HASH_BITS)
_U1, _U2, _U3, _U4 = (np.uint32(x) for x in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F))
_DROP = 0xFFFF
_GEMM_LIMIT = 1 << 18  # m·n·k of a single-threaded OpenBLAS product; threads for tiny products are slower


def _normalising_table() -> np.ndarray:
    """16-bit code → normalised code: full-width ASCII to half-width, latin lower-cased, spaces dropped."""
    table = np.arange(0x10000, dtype=np.uint16)
    table[0xFF01:0xFF5F] -= 0xFEE0
    table[0x41:0x5B] += 0x20
    table[[0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x3000, 0xA0, 0xFFFF]] = _DROP
    return table


_TABLE = _normalising_table()
_LOG_TF = np.r_[0.0, 1.0 + np.log(np.arange(1, 4 * (MAX_CHARS + STEP + 2)))].astype(np.float32)


@dataclass(frozen=True, slots=True)
class Order:
    id: int | str
    place_key: str | None  # e.g. "compound:17/building:3"; None or "" never groups
    at: datetime
    text: str


class _Texts:
    """The texts as normalised 16-bit codes in one array: 0, text, 0, text, ..., 0, padding.

    Characters beyond the BMP are folded into the private use area (they are rare in hotline texts)."""

    def __init__(self, texts: list[str]) -> None:
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        longest = min(MAX_CHARS, int(lens.max())) if len(lens) else 0
        self.width = STEP * max(1, -(-longest // STEP)) + 2  # widest row: 0, text, 0 (see _features)
        self.codes = np.zeros(1 + int(np.minimum(lens, MAX_CHARS).sum()) + len(texts) + self.width,
                              dtype=np.uint16)
        at = 1
        for a in range(0, len(texts), TEXT_CHUNK):
            codes, lens[a:a + TEXT_CHUNK] = self._encode(texts[a:a + TEXT_CHUNK], lens[a:a + TEXT_CHUNK])
            self.codes[at:at + len(codes)] = codes
            at += len(codes)
        self.lens = lens
        self.starts = np.cumsum(lens + 1) - lens  # index of each text's first character
        self.rows = np.lib.stride_tricks.as_strided(
            self.codes, shape=(len(self.codes) - self.width + 1, self.width), strides=(2, 2), writeable=False)

    @staticmethod
    def _encode(texts: list[str], lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(codes of the texts, each followed by a 0; their lengths, cut to MAX_CHARS, without spaces)"""
        long = np.flatnonzero(lens > MAX_CHARS).tolist()
        if long:
            texts = list(texts)
            for i in long:
                texts[i] = texts[i][:MAX_CHARS]
            lens = np.minimum(lens, MAX_CHARS)
        joined = "\0".join(texts)
        raw = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
        if len(raw) != len(joined):
            wide = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            raw = np.where(wide > 0xFFFF, 0xE000 + wide % 0x1900, wide).astype(np.uint16)
        codes = np.empty(len(raw) + 1, dtype=np.uint16)
        np.take(_TABLE, raw, out=codes[:-1])
        codes[-1] = 0
        drop = np.flatnonzero(codes == _DROP)
        if len(drop):
            ends = np.cumsum(lens + 1)  # one past the 0 after each text
            lens = lens - np.bincount(np.searchsorted(ends, drop, side="right"), minlength=len(lens))
            codes = np.delete(codes, drop)
        return codes, lens


def _features(texts: _Texts, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct hashed features of the texts ``docs``: (order, first, entries).

    Texts come in classes of similar length: ``order`` lists the positions in ``docs`` in the order of their
    entries, ``first`` the index of each one's first entry. An entry holds the column in its low bits and
    tf - 1 above; a text's entries are sorted by column, column 0 (weight 0) standing for "no feature"."""
    n = len(docs)
    lens = texts.lens[docs]
    starts = texts.starts[docs]
    size = np.maximum(1, (lens + STEP - 1) // STEP)
    order = np.argsort(size, kind="stable")
    bounds = np.searchsorted(size[order], np.arange(int(size.max()) + 2 if n else 2))
    entries: list[np.ndarray] = []
    for c in range(1, len(bounds) - 1):
        idx = order[bounds[c]:bounds[c + 1]]
        m = len(idx)
        if not m:
            continue
        w = STEP * c + 2
        rows = texts.rows[starts[idx] - 1, :w]  # 0, text, 0, then the next texts (blanked here:)
        lo = w - STEP
        tail = rows[:, lo:]
        tail[np.arange(lo, w)[None, :] > (lens[idx] + 1)[:, None]] = 0
        x = rows.reshape(-1).astype(np.uint32)
        # the features starting at each position p: x[p], (x[p], x[p+1]), (x[p], x[p+1], x[p+2]), hashed.
        # Every row ends with a 0 and 0 hashes to 0, so nothing spans two rows and padding is column 0.
        f = np.empty((m * w, 3), dtype=np.uint32)
        np.multiply(x, _U1, out=f[:, 0])
        bi = np.left_shift(x[:-1], np.uint32(16))
        bi |= x[1:]
        bi *= _U2
        f[:-1, 1] = bi
        f[-1, 1] = 0
        tri = np.multiply(x[2:], _U3)
        tri ^= bi[:-1]
        tri *= _U4
        tri[x[1:-1] == 0] = 0  # a trigram needs a character in the middle
        f[:-2, 2] = tri
        f[-2:, 2] = 0
        f >>= _SHIFT
        k = 3 * w
        f.reshape(m, k).sort(axis=1)
        flat = f.reshape(-1)
        new = np.empty(m * k, dtype=bool)  # first of a run of equal columns
        np.not_equal(flat[1:], flat[:-1], out=new[1:])
        new.reshape(m, k)[:, 0] = True
        # tf: most features occur once, so the runs are found from the few repeats (padding aside); a run's
        # length - 1 goes into the high bits of its first entry
        repeat = flat != 0
        repeat &= ~new
        again = np.flatnonzero(repeat)
        if len(again):
            run = np.flatnonzero(np.diff(again, prepend=-2) != 1)
            flat[again[run] - 1] |= np.diff(run, append=len(again)).astype(np.uint32) << _TF_SHIFT
        entries.append(flat[new])
    out = np.concatenate(entries)
    # every text has padding (at least the 0 after it), so its entries start with the one entry 0
    starts_out = np.flatnonzero(out == 0)
    return order, starts_out, out


def _signed_idf(texts: _Texts, docs: np.ndarray) -> np.ndarray:
    """Smoothed inverse document frequency per column (of the texts ``docs``), as scikit-learn computes it,
    times the column's sign in the folding (the sign cancels in exact products)."""
    columns = [_features(texts, docs[a:a + SEGMENT_ROWS])[2] & _COLUMN for a in range(0, len(docs), SEGMENT_ROWS)]
    df = np.bincount(np.concatenate(columns).astype(np.intp), minlength=1 << _HASH_BITS)
    idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
    sign = 1 - 2 * ((np.arange(1 << _HASH_BITS) >> (_HASH_BITS - 1)) & 1)
    signed: np.ndarray = (idf * sign).astype(np.float32)
    signed[0] = 0.0
    return signed


def _vectors(texts: _Texts, docs: np.ndarray, idf: np.ndarray, pad: int
             ) -> tuple[np.ndarray, sparse.csr_matrix, np.ndarray]:
    """(dense folded rows with ``pad`` zero rows after them, exact rows, 1 / norm of each row) of ``docs``,
    in their order; rows are not normalised (the products are scaled by the norms)."""
    n = len(docs)
    order, first, entries = _features(texts, docs)
    column = entries & _COLUMN
    weight = idf[column]
    repeated = np.flatnonzero(entries > _COLUMN)
    weight[repeated] *= _LOG_TF[(entries[repeated] >> _TF_SHIFT) + 1]  # sublinear tf: 1 + ln(tf)
    indptr = np.append(first, len(entries))
    squares = np.add.reduceat(weight * weight, first)
    exact = sparse.csr_matrix((weight, column.view(np.int32), indptr), shape=(n, 1 << _HASH_BITS))
    exact.has_sorted_indices = True
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    exact = exact[position]  # rows back in the order of docs
    squares = squares[position].astype(np.float64)
    inverse_norm = np.zeros(n)
    np.divide(1.0, np.sqrt(squares), out=inverse_norm, where=squares > 0)
    dense = np.empty((n + pad, DIMS), dtype=np.float32)
    dense[n:] = 0
    folded = sparse.csr_matrix((exact.data, exact.indices & (DIMS - 1), exact.indptr), shape=(n, DIMS))
    folded.toarray(out=dense[:n])
    return dense, exact, inverse_norm


def _band_products(dense: np.ndarray, n: int, a: np.ndarray, b: np.ndarray, width: int) -> np.ndarray:
    """dense[a] · dense[b] for pairs with a < b: each block of BLOCK rows times its next ``width`` rows."""
    blocks = (n + BLOCK - 1) // BLOCK
    left = dense[:blocks * BLOCK].reshape(blocks, BLOCK, DIMS)
    right = np.lib.stride_tricks.as_strided(dense, shape=(blocks, width, DIMS),
                                            strides=(BLOCK * DIMS * 4, DIMS * 4, 4), writeable=False)
    part = DIMS
    while BLOCK * width * part >= _GEMM_LIMIT and part > 64:
        part //= 2
    products = np.matmul(left[:, :, :part], right[:, :, :part].transpose(0, 2, 1))
    for d in range(part, DIMS, part):
        products += np.matmul(left[:, :, d:d + part], right[:, :, d:d + part].transpose(0, 2, 1))
    column = b - (a // BLOCK) * BLOCK
    inside = column < width
    index = a.astype(np.int64) * width + column
    flat = products.reshape(-1)
    if inside.all():
        estimate: np.ndarray = flat[index]
        return estimate
    out = np.empty(len(a), dtype=np.float32)
    out[inside] = flat[index[inside]]
    far = np.flatnonzero(~inside)  # the rare pairs beyond the band
    out[far] = np.einsum("ij,ij->i", dense[a[far]], dense[b[far]])
    return out


def _exact_products(exact: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a))
    step = 5_000
    for p in range(0, len(a), step):
        x, y = a[p:p + step], b[p:p + step]
        out[p:p + step] = np.asarray(exact[x].multiply(exact[y]).sum(axis=1)).ravel()
    return out


def _segments(buckets: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """[start, stop) runs of rows made of whole buckets, about `limit` rows each (a bigger bucket alone)."""
    firsts = np.flatnonzero(np.diff(buckets, prepend=buckets[0] - 1)).tolist() + [len(buckets)]
    out: list[tuple[int, int]] = []
    start = 0
    for i, j in zip(firsts, firsts[1:], strict=False):
        if j - start > limit and i > start:
            out.append((start, i))
            start = i
    if start < len(buckets):
        out.append((start, len(buckets)))
    return out


def _pairs(bucket: np.ndarray, stamps: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, partners): every pair a < b of rows of one bucket at most `window` apart (rows sorted by
    bucket and time), and the number of partners of each row."""
    m = len(bucket)
    rank = np.cumsum(np.diff(bucket, prepend=bucket[0]) != 0)
    # (bucket, time) as one sorted number (exact: < 2^53), so searchsorted finds each row's window end
    span = float(stamps.max() - stamps.min()) + window + 1.0
    composite = rank * span + (stamps - stamps.min())
    rows = np.arange(m, dtype=np.int32)
    partners = (np.searchsorted(composite, composite + window, side="right") - rows - 1).astype(np.int32)
    total = int(partners.sum())
    a = np.repeat(rows, partners)
    b = np.arange(total, dtype=np.int32) - np.repeat(np.cumsum(partners, dtype=np.int32) - partners - rows - 1,
                                                     partners)
    return a, b, partners


def find_repeat_groups(
    orders: list[Order] | tuple[Order, ...], *, window_days: float = 30, threshold: float = 0.5
) -> list[int]:
    """Return a group id per order: the smallest index (into ``orders``) of the order's repeat group.

    An order that repeats nothing is its own group (its own index). Orders without a place key never group.
    """
    if window_days < 0:
        raise ValueError(f"window_days must not be negative, got {window_days}")
    n = len(orders)
    # bucket id = index of the first order with the same place key
    first_of: dict[str | None, int] = {None: -1, "": -1}
    bucket_of = np.fromiter(map(first_of.setdefault, map(attrgetter("place_key"), orders), range(n)),
                            dtype=np.int64, count=n)
    keyed = np.flatnonzero(bucket_of >= 0)
    sizes = np.bincount(bucket_of[keyed], minlength=n)
    candidates = np.flatnonzero(sizes[bucket_of[keyed]] > 1)  # positions in keyed
    if not len(candidates):
        return list(range(n))
    chosen = list(map(orders.__getitem__, keyed.tolist()))
    times = np.fromiter(map(datetime.timestamp, map(attrgetter("at"), chosen)), dtype=np.float64,
                        count=len(chosen))
    texts = _Texts(list(map(attrgetter("text"), chosen)))  # every keyed text: the IDF is theirs
    del chosen
    # rows: the candidates sorted by bucket, time and index; rank[row] = position in keyed (text number)
    rank = candidates[np.lexsort((times[candidates], bucket_of[keyed[candidates]]))]
    placed = keyed[rank]
    stamps = times[rank]
    bucket = bucket_of[placed]
    window = timedelta(days=window_days).total_seconds()
    idf = _signed_idf(texts, np.arange(0, len(keyed), -(-len(keyed) // IDF_SAMPLE)))  # ≤ IDF_SAMPLE texts

    edges_a: list[np.ndarray] = []
    edges_b: list[np.ndarray] = []
    for start, stop in _segments(bucket, SEGMENT_ROWS):
        a, b, partners = _pairs(bucket[start:stop], stamps[start:stop], window)
        if not len(a):
            continue
        reach = int(np.percentile(partners, 99.5))  # the band covers this many partners of any row
        width = BLOCK + (reach + 7) // 8 * 8
        dense, exact, inverse_norm = _vectors(texts, rank[start:stop], idf, pad=width + BLOCK)
        estimate = _band_products(dense, stop - start, a, b, width) * inverse_norm[a] * inverse_norm[b]
        keep = estimate >= threshold + MARGIN
        unsure = np.flatnonzero(np.abs(estimate - threshold) < MARGIN)
        if len(unsure):
            ua, ub = a[unsure], b[unsure]
            scores = _exact_products(exact, ua, ub) * inverse_norm[ua] * inverse_norm[ub]
            keep[unsure] = scores >= threshold - _EPS
        edges_a.append(a[keep] + start)
        edges_b.append(b[keep] + start)
    if not edges_a:
        return list(range(n))
    ea, eb = np.concatenate(edges_a), np.concatenate(edges_b)
    k = len(placed)
    graph = sparse.coo_matrix((np.ones(len(ea), dtype=np.int8), (ea, eb)), shape=(k, k))
    _, labels = connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, labels, placed)
    groups = np.arange(n)
    groups[placed] = smallest[labels]
    out: list[int] = groups.tolist()
    return out
