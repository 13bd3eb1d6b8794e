"""12345 volume (docs/rules-and-metrics.md, "The figures", "12345 volume"): orders per month and place, per
10,000 residents, repeat share, the three rates from the orders' own follow-up columns, and the change in volume
before and after a compound's party branch was founded, compared with compounds without a branch in the same
months (difference in differences).

Everything is counted in the database with a constant number of queries, whatever the number of orders: one
grouped query (calendar month × community × compound, with conditional counts) gives every count; the rest is
derived in Python from those few hundred rows.

Definitions (months are calendar months in the project time zone, Asia/Shanghai, by `received_at`; a period is
[start, end) given as first days of months; a node covers its subtree):

- An order belongs to `node` when its `place` lies in the node's subtree (`place.path` prefix). `place` is the
  most specific place it was located to (compound, else community, else the street), so a street counts all its
  orders, located or not. Per child, orders are split by their `community` (children of a street) or
  `compound` (children of a community) column, which the importer fills consistently with `place`.
- totals: orders per month; total = their sum; monthly_mean = total ÷ number of months.
- residents: a compound's own `resident_count`; for a street or community the sum of the known resident counts
  of the compounds below it (compounds without a count are left out and counted in `residents_missing`, so the
  page can say the rate is an upper bound); None when no count is known.
- per_10k: a month's orders × 10,000 ÷ residents (None when residents are unknown); for a child row the
  monthly mean × 10,000 ÷ the child's residents.
- repeat_share = orders whose `repeat_group` is set and differs from their own id (they repeat an earlier
  order, which may lie before the period) ÷ orders.
- top_categories: the ten most frequent classes by their first two levels (``城乡建设-供热-停暖`` →
  ``城乡建设-供热``, any of the separators the importer knows, full-width forms folded), taken from `category`,
  else from `predicted_category`, else ``未分类``; ties by name.
- 解决率 resolution_rate = orders with `resolved` True ÷ orders with `resolved` set (True or False).
- 满意率 satisfaction_rate = (satisfied + w × basically satisfied) ÷ orders with a rating (`satisfaction` not
  empty), w = the street's `StreetPolicy.basic_satisfaction_weight` (default 1). `satisfaction_counts` is the
  raw distribution, the key "" holding the orders without a rating.
- 响应率 response_rate = orders signed for within 24 hours of the call (`responded_at` − `received_at` ≤ 24 h)
  ÷ all orders in the period; an order without `responded_at` counts as not responded. None when no order of
  the period has a `responded_at` at all (the imported files did not carry the column), so that a missing
  column does not read as a 0 % response.
- children: per child community (of a street) or compound (of a community): total, per_10k (monthly mean),
  change = (mean of the last 3 months − mean of the first 3 months) ÷ mean of the first 3 months, a fraction
  (−0.5 = halved); None with fewer than 6 months or a zero first mean.
- unlocated (street only): orders of the period whose `compound` is null (located to a community or not at
  all); they are also in `totals` and, when they have a community, in its child row.
- compound_change: per compound, (mean of the second half of the period − mean of the first half) ÷ mean of
  the first half, in percent (−50.0 = halved); with an odd number of months the middle one is left out.

Rates are `Decimal` fractions rounded half-up to 4 places (`cases.metrics.ratio`), None when the denominator is
0. The branch effect is described on `branch_effect`.
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection
from django.db.models import BooleanField, CharField, Count, F, Func, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizhili.calendar.months import add_months
from weizhili.calendar.months import month_first as _month_of
from weizhili.calendar.months import month_range as _month_range
from weizhili.cases.metrics import ratio, street_policy_of
from weizhili.party.models import OrgLevel, PartyOrg
from weizhili.places.models import Place, PlaceKind
from weizhili.text.classify import normalise_category

from .models import HotlineOrder, Satisfaction

UNCLASSIFIED = "未分类"
TOP_CATEGORIES = 10
RESPONSE_HOURS = 24
CHANGE_MONTHS = 3  # children's change: the last 3 months against the first 3
PARALLEL_TOLERANCE_PCT = 10.0  # pre-trend rule of thumb, see PreTrend

CAVEAT = _("差异中的差异只是对比，不是因果证明：有支部的院落不是随机选出的，同期可能有其他变化（物业更换、整治行动）；"
           "只有建支部前两组走势相近时，这个估计才可信。")

NOT_MEASURABLE_REASONS = {
    "no_date": _("支部成立日期未填写"),
    "no_data": _("没有工单数据"),
    "before": _("建支部前的工单数据不足所选月数"),
    "after": _("建支部后的工单数据不足所选月数"),
}


# --- months ---------------------------------------------------------------------------------------------
# Month arithmetic is weizhili/calendar/months.py (imported above); the views import add_months from here too.


def month_start(month: date) -> datetime:
    """The first instant of `month` in the project time zone (the figures' months, and the lists' filters)."""
    return datetime(month.year, month.month, 1, tzinfo=timezone.get_default_timezone())


_aware = month_start


def _check_months(start: date, end: date) -> None:
    for value in (start, end):
        if isinstance(value, datetime) or not isinstance(value, date) or value.day != 1:
            raise ValueError("start and end must be dates on the first day of a month")
    if start >= end:
        raise ValueError("start must be before end")


# --- the queries ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _fixed_offset(tz) -> timedelta | None:
    """The zone's UTC offset when it is the same all year in every year orders can carry (Asia/Shanghai: +8
    since 1992), else None."""
    offsets = {datetime(year, month, 15, tzinfo=tz).utcoffset() for year in range(2000, 2101, 4)
               for month in (1, 4, 7, 10)}
    return offsets.pop() if len(offsets) == 1 else None


class _LocalMonth(Func):
    """'YYYY-MM' of a timestamp in the project time zone, computed by the database itself. TruncMonth with a
    time zone runs a Python function per row on SQLite (0.45 s for the demo street's 41,000 orders); with a
    fixed offset `strftime` does the same in C (0.1 s). PostgreSQL converts natively."""

    output_field = CharField()

    def __init__(self, expression, tz):
        super().__init__(expression)
        self.tz = tz

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM')", [*params, str(self.tz)]
        offset = _fixed_offset(self.tz)
        if connection.vendor == "sqlite" and offset is not None:
            return f"strftime(%s, {sql}, %s)", ["%Y-%m", *params, f"{int(offset.total_seconds()):+d} seconds"]
        raise NotImplementedError("local months need PostgreSQL or SQLite with a fixed-offset time zone")


class _RespondedInTime(Func):
    """`responded_at` ≤ `received_at` + RESPONSE_HOURS, in the database's own arithmetic. Django's datetime +
    timedelta runs a Python function per row on SQLite (0.5 s for the demo street); SQLite subtracts Julian
    days in C, with a tolerance of 1e-9 day (86 µs) for the floating point at exactly 24 hours."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra):
        table = connection.ops.quote_name(HotlineOrder._meta.db_table)
        responded, received = f"{table}.responded_at", f"{table}.received_at"
        if connection.vendor == "sqlite":
            return f"julianday({responded}) - julianday({received}) <= %s", [RESPONSE_HOURS / 24 + 1e-9]
        return f"{responded} <= {received} + %s", [timedelta(hours=RESPONSE_HOURS)]


def _month_expression(tz):
    """The fast local month when the database can compute it, else Django's TruncMonth."""
    if connection.vendor == "postgresql" or (connection.vendor == "sqlite" and _fixed_offset(tz) is not None):
        return _LocalMonth("received_at", tz)
    return TruncMonth("received_at", tzinfo=tz)


def _grouped(path: str, start: date | None, end: date | None, aggregates: dict, *,
             street_id: int | None = None) -> list[dict]:
    """One query: the orders under `path` (or, faster, every order of the street `street_id`) received in
    [start, end) (either bound may be open), grouped by local calendar month, community and compound. Each
    row: month (date), community_id, compound_id and the aggregates."""
    tz = timezone.get_default_timezone()
    orders = (HotlineOrder.objects.filter(street_id=street_id) if street_id is not None
              else HotlineOrder.objects.filter(place__path__startswith=path))
    if start is not None:
        orders = orders.filter(received_at__gte=_aware(start))
    if end is not None:
        orders = orders.filter(received_at__lt=_aware(end))
    rows = list(orders.order_by().annotate(month=_month_expression(tz))
                .values("month", "community_id", "compound_id").annotate(**aggregates))
    for row in rows:
        month = row["month"]
        if isinstance(month, str):
            row["month"] = date(int(month[:4]), int(month[5:7]), 1)
        else:
            row["month"] = timezone.localtime(month, tz).date()
    return rows


def street_rows(street: Place) -> list[dict]:
    """Every count the overview needs, for every month of the street's orders: one grouped query (month ×
    community × compound) that `hotline_figures`, `compound_change` and `branch_effect` all derive from
    (pass it as `rows=`), instead of one query each."""
    return _grouped(street.path, None, None, _figure_aggregates(), street_id=street.pk)


def _rows_for(rows: list[dict], node: Place, start: date | None, end: date | None) -> list[dict]:
    """The street's rows that belong to `node` (its community or compound column, which the importer fills
    consistently with the order's place) and to the months [start, end)."""
    if node.kind == PlaceKind.COMMUNITY:
        rows = [r for r in rows if r["community_id"] == node.pk]
    elif node.kind == PlaceKind.COMPOUND:
        rows = [r for r in rows if r["compound_id"] == node.pk]
    return [r for r in rows if (start is None or r["month"] >= start) and (end is None or r["month"] < end)]


def _figure_aggregates() -> dict:
    in_time = Q(responded_at__isnull=False) & Q(_RespondedInTime())
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


def _places(path: str, kinds) -> list[dict]:
    return list(Place.objects.filter(path__startswith=path, kind__in=list(kinds)).order_by("path")
                .values("id", "path", "depth", "name", "kind", "resident_count"))


def _by_compound(rows: list[dict], compound_ids, months: list[date], key: str = "compound_id"
                 ) -> dict[int, dict[date, int]]:
    """Dense month → count per id (every month, zeros included), from grouped rows."""
    out = {pk: dict.fromkeys(months, 0) for pk in compound_ids}
    for row in rows:
        series = out.get(row[key])
        if series is not None and row["month"] in series:
            series[row["month"]] += row["n"]
    return out


def category_label(category: str, predicted: str) -> str:
    """The label an order is counted under in the class chart: the first two levels, given class first."""
    levels = normalise_category(category or "") or normalise_category(predicted or "")
    return "-".join(levels[:2]) or UNCLASSIFIED


def _top_categories(path: str, start: date, end: date) -> list[tuple[str, int]]:
    """One query grouped by (category, predicted_category): a few dozen distinct classes, not one row per order."""
    rows = (HotlineOrder.objects.filter(place__path__startswith=path, received_at__gte=_aware(start),
                                        received_at__lt=_aware(end))
            .order_by().values_list("category", "predicted_category").annotate(n=Count("id")))
    counts: Counter[str] = Counter()
    for category, predicted, n in rows:
        counts[category_label(category, predicted)] += n
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_CATEGORIES]


def _residents(compounds: list[dict]) -> tuple[int | None, int]:
    """(sum of the known resident counts or None when none is known, compounds without a count)."""
    known = [c["resident_count"] for c in compounds if c["resident_count"] is not None]
    return (sum(known) if known else None), len(compounds) - len(known)


def _per_10k(count: float, residents: int | None) -> float | None:
    return count * 10_000 / residents if residents else None


def _change(series: list[int], k: int = CHANGE_MONTHS) -> float | None:
    if len(series) < 2 * k:
        return None
    first, last = sum(series[:k]) / k, sum(series[-k:]) / k
    return (last - first) / first if first else None


# --- the figures of one node and period -----------------------------------------------------------------
@dataclass
class ChildRow:
    place_id: int
    name: str
    total: int
    per_10k: float | None  # monthly mean per 10,000 residents
    change: float | None  # fraction, last 3 months against the first 3
    residents: int | None = None
    monthly: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"place_id": self.place_id, "name": self.name, "total": self.total, "per_10k": self.per_10k,
                "change": self.change, "residents": self.residents, "monthly": self.monthly}


@dataclass
class HotlineFigures:
    """The 12345 figures of one node and period: counts, with the rates derived from them (module docstring)."""

    place_id: int
    path: str
    start: date
    end: date
    months: list[date]
    totals: list[int]
    per_10k: list[float | None]
    residents: int | None
    residents_missing: int
    total: int
    monthly_mean: float
    repeats: int
    top_categories: list[tuple[str, int]]
    resolved_yes: int
    resolved_known: int
    rated: int
    satisfaction_counts: dict[str, int]
    basic_weight: Decimal
    responded_in_time: int
    responded_any: int
    children: list[ChildRow]
    unlocated: int | None

    @property
    def repeat_share(self) -> Decimal | None:
        return ratio(self.repeats, self.total)

    @property
    def resolution_rate(self) -> Decimal | None:
        return ratio(self.resolved_yes, self.resolved_known)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        counts = self.satisfaction_counts
        return ratio(counts[Satisfaction.SATISFIED.value] + self.basic_weight * counts[Satisfaction.BASIC.value],
                     self.rated)

    @property
    def response_rate(self) -> Decimal | None:
        if not self.responded_any:
            return None
        return ratio(self.responded_in_time, self.total)

    def to_dict(self) -> dict:
        def rate(value):
            return float(value) if value is not None else None

        return {
            "place_id": self.place_id, "path": self.path, "start": self.start.isoformat(),
            "end": self.end.isoformat(), "months": [m.strftime("%Y-%m") for m in self.months],
            "totals": self.totals, "per_10k": self.per_10k, "residents": self.residents,
            "residents_missing": self.residents_missing, "total": self.total, "monthly_mean": self.monthly_mean,
            "repeats": self.repeats, "repeat_share": rate(self.repeat_share),
            "top_categories": [list(item) for item in self.top_categories],
            "resolution_rate": rate(self.resolution_rate), "satisfaction_rate": rate(self.satisfaction_rate),
            "satisfaction_counts": self.satisfaction_counts, "basic_weight": float(self.basic_weight),
            "response_rate": rate(self.response_rate), "children": [c.to_dict() for c in self.children],
            "unlocated": self.unlocated,
        }


def hotline_figures(*, node: Place, start: date, end: date, rows: list[dict] | None = None) -> HotlineFigures:
    """The figures of a street, community or compound for the months [start, end): four queries (policy,
    places, the grouped counts, the classes) whatever the number of orders and places; three with `rows`
    (`street_rows` of the node's street)."""
    _check_months(start, end)
    if node.kind not in (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND):
        raise ValueError("hotline figures are kept for streets, communities and compounds")
    months = _month_range(start, add_months(end, -1))
    policy = street_policy_of(node)
    places = _places(node.path, [PlaceKind.COMMUNITY, PlaceKind.COMPOUND])
    rows = (_rows_for(rows, node, start, end) if rows is not None
            else _grouped(node.path, start, end, _figure_aggregates()))
    top = _top_categories(node.path, start, end)

    compounds = [p for p in places if p["kind"] == PlaceKind.COMPOUND]  # a compound node: itself
    residents, missing = _residents(compounds)

    sums: Counter[str] = Counter()
    per_month: Counter[date] = Counter()
    for row in rows:
        per_month[row["month"]] += row["n"]
        for name, value in row.items():
            if name not in ("month", "community_id", "compound_id"):
                sums[name] += value
    totals = [per_month[m] for m in months]
    total = sum(totals)

    children: list[ChildRow] = []
    if node.kind in (PlaceKind.STREET, PlaceKind.COMMUNITY):
        child_kind, key = ((PlaceKind.COMMUNITY, "community_id") if node.kind == PlaceKind.STREET
                           else (PlaceKind.COMPOUND, "compound_id"))
        child_places = [p for p in places if p["kind"] == child_kind and p["depth"] == node.depth + 1]
        series = _by_compound(rows, [p["id"] for p in child_places], months, key=key)
        for child in child_places:
            if child_kind == PlaceKind.COMPOUND:
                child_residents = child["resident_count"]
            else:
                child_residents = _residents([c for c in compounds if c["path"].startswith(child["path"])])[0]
            monthly = [series[child["id"]][m] for m in months]
            child_total = sum(monthly)
            children.append(ChildRow(
                place_id=child["id"], name=child["name"], total=child_total,
                per_10k=_per_10k(child_total / len(months), child_residents), change=_change(monthly),
                residents=child_residents, monthly=monthly))

    unlocated = None
    if node.kind == PlaceKind.STREET:
        unlocated = sum(row["n"] for row in rows if row["compound_id"] is None)

    rated = sums["rated"]
    return HotlineFigures(
        place_id=node.pk, path=node.path, start=start, end=end, months=months, totals=totals,
        per_10k=[_per_10k(t, residents) for t in totals], residents=residents, residents_missing=missing,
        total=total, monthly_mean=total / len(months), repeats=sums["repeats"], top_categories=top,
        resolved_yes=sums["resolved_yes"], resolved_known=sums["resolved_known"], rated=rated,
        satisfaction_counts={Satisfaction.SATISFIED.value: sums["satisfied"],
                             Satisfaction.BASIC.value: sums["basic"],
                             Satisfaction.UNSATISFIED.value: sums["unsatisfied"],
                             Satisfaction.NONE.value: total - rated},
        basic_weight=Decimal(str(policy.basic_satisfaction_weight)),
        responded_in_time=sums["responded_in_time"], responded_any=sums["responded_any"],
        children=children, unlocated=unlocated)


# --- per compound, for the map ----------------------------------------------------------------------------
def monthly_by_compound(*, node: Place, start: date, end: date, rows: list[dict] | None = None
                        ) -> dict[int, dict[date, int]]:
    """Orders per compound of `node`'s subtree (the node itself when it is a compound) and month of
    [start, end): every compound and month present, zeros included. Two queries (one with `rows`)."""
    _check_months(start, end)
    months = _month_range(start, add_months(end, -1))
    compounds = [p["id"] for p in _places(node.path, [PlaceKind.COMPOUND])]
    rows = (_rows_for(rows, node, start, end) if rows is not None
            else _grouped(node.path, start, end, {"n": Count("id")}))
    return _by_compound(rows, compounds, months)


def compound_change(*, node: Place, start: date, end: date, rows: list[dict] | None = None
                    ) -> dict[int, float | None]:
    """Per compound: the change in percent from the mean of the first half of the period to the mean of the
    second half (odd number of months: the middle one is left out); None with fewer than 2 months or no order
    in the first half."""
    out: dict[int, float | None] = {}
    for pk, series in monthly_by_compound(node=node, start=start, end=end, rows=rows).items():
        counts = list(series.values())
        half = len(counts) // 2
        first = sum(counts[:half]) / half if half else 0
        second = sum(counts[len(counts) - half:]) / half if half else 0
        out[pk] = (second - first) / first * 100 if first else None
    return out


# --- before and after the branch ------------------------------------------------------------------------
@dataclass
class BranchRow:
    """One compound whose branch was founded with `window` months of data on both sides."""

    compound_id: int
    name: str
    community: str
    founded_on: date
    before_mean: float
    after_mean: float
    change: float  # after − before, orders per month
    change_pct: float | None  # change ÷ before, percent
    control_change: float | None  # mean over controls of their own after − before, same calendar months
    did: float | None  # change − control_change
    did_pct: float | None  # did ÷ before, percent
    n_controls: int
    series: list[int] = field(default_factory=list)  # months −window … +window around the founding month
    control_series: list[float] | None = None  # mean of the controls in the same calendar months

    def to_dict(self) -> dict:
        return {**{name: getattr(self, name) for name in (
            "compound_id", "name", "community", "before_mean", "after_mean", "change", "change_pct",
            "control_change", "did", "did_pct", "n_controls", "series", "control_series")},
            "founded_on": self.founded_on.isoformat()}


@dataclass
class NotMeasurable:
    compound_id: int
    name: str
    community: str
    founded_on: date | None
    reason: str  # a key of NOT_MEASURABLE_REASONS

    @property
    def reason_text(self):
        return NOT_MEASURABLE_REASONS[self.reason]

    def to_dict(self) -> dict:
        return {"compound_id": self.compound_id, "name": self.name, "community": self.community,
                "founded_on": self.founded_on.isoformat() if self.founded_on else None, "reason": self.reason,
                "reason_text": str(self.reason_text)}


@dataclass
class PreTrend:
    """Slopes (orders per month, least squares) over the before-window, mean over the treated compounds that
    have controls: treated, controls (slope of their monthly mean) and the difference treated − controls.
    `drift_pct` = the difference × (window − 1) ÷ the compound's before-mean, percent, averaged: how far apart
    the two groups drifted across the before-window, relative to the treated level. `looks_parallel` is a rule
    of thumb (|drift_pct| ≤ PARALLEL_TOLERANCE_PCT), not a statistical test."""

    treated_slope: float
    control_slope: float
    difference: float
    drift_pct: float | None
    looks_parallel: bool | None

    def to_dict(self) -> dict:
        return {"treated_slope": self.treated_slope, "control_slope": self.control_slope,
                "difference": self.difference, "drift_pct": self.drift_pct, "looks_parallel": self.looks_parallel}


@dataclass
class BranchEffect:
    window: int
    data_start: date | None
    data_end: date | None  # last month with data, included
    rows: list[BranchRow]
    not_measurable: list[NotMeasurable]
    n_treated: int
    before_mean: float | None
    after_mean: float | None
    change: float | None
    change_pct: float | None
    did: float | None
    did_pct: float | None
    event_months: list[int]  # −window … +window
    event_treated: list[float | None]
    event_control: list[float | None]
    pre_trend: PreTrend | None
    caveat: str = CAVEAT

    def to_dict(self) -> dict:
        return {
            "window": self.window,
            "data_start": self.data_start.strftime("%Y-%m") if self.data_start else None,
            "data_end": self.data_end.strftime("%Y-%m") if self.data_end else None,
            "rows": [r.to_dict() for r in self.rows], "not_measurable": [r.to_dict() for r in self.not_measurable],
            "n_treated": self.n_treated, "before_mean": self.before_mean, "after_mean": self.after_mean,
            "change": self.change, "change_pct": self.change_pct, "did": self.did, "did_pct": self.did_pct,
            "event_months": self.event_months, "event_treated": self.event_treated,
            "event_control": self.event_control,
            "pre_trend": self.pre_trend.to_dict() if self.pre_trend else None, "caveat": str(self.caveat),
        }


def founding_dates(street_path: str) -> tuple[dict[int, date], set[int]]:
    """One query: (earliest known founding date per place, places with any compound branch). A branch counts
    for the place it is anchored at and for every place it covers."""
    rows = (PartyOrg.objects.filter(level=OrgLevel.COMPOUND_BRANCH)
            .filter(Q(place__path__startswith=street_path) | Q(covers__path__startswith=street_path))
            .order_by().values_list("place_id", "covers__id", "founded_on").distinct())
    earliest: dict[int, date] = {}
    branched: set[int] = set()
    for anchor, covered, founded_on in rows:
        for pk in (anchor, covered):
            if pk is None:
                continue
            branched.add(pk)
            if founded_on is not None and (pk not in earliest or founded_on < earliest[pk]):
                earliest[pk] = founded_on
    return earliest, branched


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _slope(values) -> float:
    return float(np.polyfit(np.arange(len(values)), np.asarray(values, dtype=float), 1)[0])


def branch_effect(*, node: Place, window: int = 6, data_start: date | None = None,
                  data_end: date | None = None, rows: list[dict] | None = None) -> BranchEffect:
    """Volume before and after each compound's branch was founded, against compounds without a branch in the
    same months (difference in differences). Three queries (places, the counts per month × compound of the
    whole street, the founding dates) whatever the number of orders.

    - Founding date of a compound: the earliest `founded_on` of a compound-level branch (OrgLevel.COMPOUND_BRANCH)
      anchored at it or covering it; founding month m0 = its first day. A compound whose branches all lack a
      date is not measurable and is no control either (it has a branch, since when is unknown).
    - Months with data: `data_start` … `data_end` (both first days of months, both included), by default the
      first and the last month with any order of the node's street; months without orders in between count 0.
      A last month that is only partly imported lowers the after-means: pass `data_end` then.
    - before = months m0 − window … m0 − 1, after = m0 + 1 … m0 + window (the founding month is left out); a
      compound of the node's subtree is measured only when both lie inside the months with data, else it is
      listed in `not_measurable` with the reason.
    - change = mean monthly orders after − mean before; change_pct = change ÷ before-mean × 100.
    - controls: the other compounds of the same street with no branch founded on or before the last day of the
      after-window (never treated, or treated later); control_change = mean over controls of (their mean over
      the same after-months − their mean over the same before-months); did = change − control_change; did_pct
      = did ÷ before-mean × 100 (None without controls, or with a zero before-mean).
    - aggregate: means over the measured compounds (percentages over those that have one).
    - event study: for each relative month −window … +window, the mean count of the measured compounds, and the
      mean over those with controls of their controls' mean count in the same calendar month.
    - pre_trend: see PreTrend; None with a window under 2 or no compound with controls.

    Difference in differences is a comparison, not proof: see `caveat`.
    """
    if window < 1:
        raise ValueError("window must be at least 1 month")
    for value in (data_start, data_end):
        if value is not None and (isinstance(value, datetime) or value.day != 1):
            raise ValueError("data_start and data_end must be dates on the first day of a month")
    street_path = node.street_path
    places = _places(street_path, [PlaceKind.COMMUNITY, PlaceKind.COMPOUND])
    after_data = add_months(data_end, 1) if data_end else None
    rows = (_rows_for(rows, Place(kind=PlaceKind.STREET), data_start, after_data) if rows is not None
            else _grouped(street_path, data_start, after_data, {"n": Count("id")}))
    earliest, branched = founding_dates(street_path)

    with_data = sorted({row["month"] for row in rows})
    first = data_start or (with_data[0] if with_data else None)
    last = data_end or (with_data[-1] if with_data else None)
    months = _month_range(first, last) if first and last else []
    community_names = {p["path"]: p["name"] for p in places if p["kind"] == PlaceKind.COMMUNITY}
    compounds = [p for p in places if p["kind"] == PlaceKind.COMPOUND]
    counts = _by_compound(rows, [c["id"] for c in compounds], months)

    def community_of(compound: dict) -> str:
        return community_names.get(Place.parent_path_of(compound["path"]), "")

    # compounds × months as one array: the controls' means are taken over rows of it at once (with hundreds
    # of compounds, a Python loop per treated compound and control took most of the page's time)
    row_of = {c["id"]: i for i, c in enumerate(compounds)}
    column_of = {m: j for j, m in enumerate(months)}
    matrix = np.array([[counts[c["id"]][m] for m in months] for c in compounds], dtype=float).reshape(
        len(compounds), len(months))

    def values(pk: int, span: list[date]) -> np.ndarray:
        return matrix[row_of[pk], [column_of[m] for m in span]]

    measured: list[BranchRow] = []
    not_measurable: list[NotMeasurable] = []
    slopes: list[tuple[float, float, float, float | None]] = []
    for compound in compounds:
        pk = compound["id"]
        if pk not in branched or not compound["path"].startswith(node.path):
            continue
        founded_on = earliest.get(pk)
        reason = None
        if founded_on is None:
            reason = "no_date"
        else:
            m0 = _month_of(founded_on)
            before, after = [add_months(m0, k) for k in range(-window, 0)], [add_months(m0, k) for k in range(1, window + 1)]
            if not months:
                reason = "no_data"
            elif before[0] < months[0]:
                reason = "before"
            elif after[-1] > months[-1]:
                reason = "after"
        if reason:
            not_measurable.append(NotMeasurable(pk, compound["name"], community_of(compound), founded_on, reason))
            continue

        after_end = add_months(after[-1], 1)  # founded on or after this day: not yet treated in the after-window
        controls = [c["id"] for c in compounds if c["id"] != pk
                    and (c["id"] not in branched or (c["id"] in earliest and earliest[c["id"]] >= after_end))]
        before_mean, after_mean = float(values(pk, before).mean()), float(values(pk, after).mean())
        change = after_mean - before_mean
        event_span = [add_months(m0, k) for k in range(-window, window + 1)]
        control_change = control_series = None
        if controls:
            block = matrix[[row_of[c] for c in controls]]
            cols = [column_of[m] for m in event_span]  # before = the first `window`, after = the last `window`
            control_change = float((block[:, cols[window + 1:]].mean(axis=1)
                                    - block[:, cols[:window]].mean(axis=1)).mean())
            control_series = [float(v) for v in block[:, cols].mean(axis=0)]
        did = change - control_change if control_change is not None else None
        measured.append(BranchRow(
            compound_id=pk, name=compound["name"], community=community_of(compound), founded_on=founded_on,
            before_mean=before_mean, after_mean=after_mean, change=change,
            change_pct=change / before_mean * 100 if before_mean else None, control_change=control_change,
            did=did, did_pct=did / before_mean * 100 if did is not None and before_mean else None,
            n_controls=len(controls), series=[counts[pk][m] for m in event_span], control_series=control_series))
        if controls and window >= 2:
            treated_slope = _slope(values(pk, before))
            control_slope = _slope(control_series[:window])
            difference = treated_slope - control_slope
            drift = difference * (window - 1) / before_mean * 100 if before_mean else None
            slopes.append((treated_slope, control_slope, difference, drift))

    pre_trend = None
    if slopes:
        drift_pct = _mean([s[3] for s in slopes])
        pre_trend = PreTrend(
            treated_slope=_mean([s[0] for s in slopes]), control_slope=_mean([s[1] for s in slopes]),
            difference=_mean([s[2] for s in slopes]), drift_pct=drift_pct,
            looks_parallel=abs(drift_pct) <= PARALLEL_TOLERANCE_PCT if drift_pct is not None else None)

    span = 2 * window + 1
    with_controls = [r for r in measured if r.control_series is not None]
    return BranchEffect(
        window=window, data_start=months[0] if months else None, data_end=months[-1] if months else None,
        rows=measured, not_measurable=not_measurable, n_treated=len(measured),
        before_mean=_mean([r.before_mean for r in measured]), after_mean=_mean([r.after_mean for r in measured]),
        change=_mean([r.change for r in measured]), change_pct=_mean([r.change_pct for r in measured]),
        did=_mean([r.did for r in measured]), did_pct=_mean([r.did_pct for r in measured]),
        event_months=list(range(-window, window + 1)),
        event_treated=[_mean([r.series[i] for r in measured]) for i in range(span)],
        event_control=[_mean([r.control_series[i] for r in with_controls]) for i in range(span)],
        pre_trend=pre_trend)
