"""The figures a street is judged by (docs/rules-and-metrics.md, "The figures"), per place and period.

Everything is counted in the database: one conditional aggregate over the cases (`Count(..., filter=Q(...))`)
and one over the follow-ups, so the number of queries is constant whatever the number of cases. The rates are
derived from the counts in Python, so figures can be summed and re-derived (e.g. per child place).

Definitions (period = [start, end), half-open; a node covers its whole subtree, `place.path` prefix):

- Counted cases: top-level (`parent` is null: a merged duplicate is represented by the case it was merged into,
  and closes with it), not exempt (`exempt`: an order approved as unreasonable or a successful appeal) and not
  rejected (不予受理: never an accepted order). Exempt cases leave every numerator and denominator; how many
  were exempted is shown as `exempt_due`.
- 办结率 closure_rate = closed ÷ due; 按期办结率 on_time_rate = closed on time ÷ due, where "due" = the case-level
  deadline (`case_due_at`) falls in the period, "closed" = `closed_at` is set (at any time up to now; a reopened
  case is not closed), "on time" = `closed_on_time`. 延期率 extension_rate = extended (`extensions` > 0) ÷ due.
- 返工率 rework_rate = closed in the period (`closed_at` in it) that failed verification (`reworks` > 0) or were
  reopened (`round` > 1) ÷ closed in the period.
- Over the cases raised in the period (`created_at` in it): 院落化解率 compound_resolution_rate = closed at
  compound tier (`resolved_tier`; the tier only ever rises, so such a case never left the compound) ÷ closed cases
  raised in a compound (`compound` set); 社区化解率 community_resolution_rate = closed at compound or community
  tier ÷ closed. Open cases are in neither (`raised_open` says how many are still open). 上报街道率 street_rate =
  reached the street tier ÷ raised, where "reached" = escalated to the street (`tier` is street; only an
  escalation event raises it) or referred to the street (a dispatch event with handler kind street). It is not
  1 − 社区化解率: a case still open at the community has not been sent upward.
- 响应率 response_rate = dispatched in the period (`dispatched_at` in it) whose handling unit signed for them and
  contacted the resident no later than the unit's deadline (`signed_at` ≤ `due_at` and `contacted_at` ≤ `due_at`)
  ÷ dispatched. A case row holds its latest handling round: a re-dispatched case is judged on its latest unit.
- 解决率 resolution_rate = valid follow-ups (`FollowUp.at` in the period, `valid`) answered resolved ÷ valid
  follow-ups; 满意率 satisfaction_rate = (satisfied + w × basically satisfied) ÷ valid follow-ups, w =
  `StreetPolicy.basic_satisfaction_weight`. Every follow-up counts (one per handling round), whatever the case's
  parent; follow-ups on exempt cases do not.
- combined_score = (a·response + b·resolution + c·satisfaction) ÷ (a + b + c), a/b/c = the policy's weights
  (30/35/35); None when any part is None.
- Overdue, two figures with two names (the lists behind them come from the same definitions in
  `selectors`): 当前超期 backlog = open cases whose live deadline has passed at `now` (`selectors.overdue_now`);
  期内超期 overdue_in_period = counted cases whose case deadline fell in the period, has passed at `now`, and that
  were not closed by it (`selectors.overdue_in_period`). parked cases are counted apart as `parked`; `open` = all
  open cases. backlog, parked and open are counts of the work in hand now: they ignore the period and include
  exempt cases (an exempt case that is still open is still work).

Rates are `Decimal` fractions rounded half-up to 4 places (0.9372 = 93.72 %), None when the denominator is 0.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Substr, TruncMonth
from django.http import Http404
from django.utils import timezone

from weizhili.calendar.months import add_months
from weizhili.places.models import Place
from weizhili.places.scope import scope_path

from .models import (
    OPEN_STATUSES,
    Case,
    Event,
    FollowUp,
    HandlerKind,
    Satisfaction,
    Status,
    StreetPolicy,
    Tier,
)
from .selectors import counted_q, overdue_in_period_q, overdue_now_q

FOUR_PLACES = Decimal("0.0001")


def ratio(numerator, denominator) -> Decimal | None:
    """numerator ÷ denominator rounded half-up to 4 places; None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _as_float(value):
    return float(value) if isinstance(value, Decimal) else value


@dataclass
class CaseFigures:
    """Raw counts of one place and period; the rates are derived from them (see the module docstring)."""

    path: str
    start: datetime
    end: datetime
    now: datetime
    place_id: int | None = None
    # deadlines in the period
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    extended: int = 0
    exempt_due: int = 0
    # closed in the period
    closed_in_period: int = 0
    reworked: int = 0
    # raised in the period
    raised: int = 0
    raised_closed: int = 0
    raised_closed_compound: int = 0  # of those, raised in a compound
    resolved_compound: int = 0
    resolved_community: int = 0  # at compound or community tier
    sent_to_street: int = 0
    overdue_in_period: int = 0
    # dispatched in the period
    dispatched: int = 0
    responded: int = 0
    # work in hand at `now`
    backlog: int = 0
    parked: int = 0
    open: int = 0
    # valid follow-ups in the period
    followups: int = 0
    followups_resolved: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    # the policy the derived figures use
    basic_weight: Decimal = Decimal(1)
    weights: tuple[int, int, int] = (30, 35, 35)

    COUNTS = ("due", "closed", "closed_on_time", "extended", "exempt_due", "closed_in_period", "reworked",
              "raised", "raised_closed", "raised_closed_compound", "resolved_compound", "resolved_community",
              "sent_to_street", "overdue_in_period", "dispatched", "responded", "backlog", "parked",
              "open", "followups", "followups_resolved", "satisfied", "basic", "unsatisfied")

    # --- rates ---------------------------------------------------------------------------------------------
    @property
    def closure_rate(self) -> Decimal | None:
        return ratio(self.closed, self.due)

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.closed_on_time, self.due)

    @property
    def extension_rate(self) -> Decimal | None:
        return ratio(self.extended, self.due)

    @property
    def rework_rate(self) -> Decimal | None:
        return ratio(self.reworked, self.closed_in_period)

    @property
    def raised_open(self) -> int:
        """Raised in the period and not closed (yet): in neither 化解率."""
        return self.raised - self.raised_closed

    @property
    def compound_resolution_rate(self) -> Decimal | None:
        return ratio(self.resolved_compound, self.raised_closed_compound)

    @property
    def community_resolution_rate(self) -> Decimal | None:
        return ratio(self.resolved_community, self.raised_closed)

    @property
    def street_rate(self) -> Decimal | None:
        """Raised in the period and sent to the street (escalated or referred) ÷ raised."""
        return ratio(self.sent_to_street, self.raised)

    @property
    def response_rate(self) -> Decimal | None:
        return ratio(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> Decimal | None:
        return ratio(self.followups_resolved, self.followups)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return ratio(self.satisfied + self.basic_weight * self.basic, self.followups)

    @property
    def satisfaction_distribution(self) -> dict[str, int]:
        return {Satisfaction.SATISFIED.value: self.satisfied, Satisfaction.BASIC.value: self.basic,
                Satisfaction.UNSATISFIED.value: self.unsatisfied}

    @property
    def combined_score(self) -> Decimal | None:
        """a·response + b·resolution + c·satisfaction over a + b + c, from the exact (unrounded) parts."""
        if not (self.dispatched and self.followups) or not sum(self.weights):
            return None
        a, b, c = (Decimal(w) for w in self.weights)
        response = Decimal(self.responded) / self.dispatched
        resolution = Decimal(self.followups_resolved) / self.followups
        satisfaction = (self.satisfied + self.basic_weight * self.basic) / Decimal(self.followups)
        return ratio(a * response + b * resolution + c * satisfaction, a + b + c)

    RATES = ("closure_rate", "on_time_rate", "extension_rate", "rework_rate", "compound_resolution_rate",
             "community_resolution_rate", "street_rate", "response_rate", "resolution_rate", "satisfaction_rate",
             "combined_score")

    def to_dict(self) -> dict:
        """JSON-ready: counts as int, rates as float fractions (or None), times in ISO 8601."""
        return {
            "place_id": self.place_id, "path": self.path, "start": self.start.isoformat(),
            "end": self.end.isoformat(), "now": self.now.isoformat(),
            **{name: getattr(self, name) for name in self.COUNTS}, "raised_open": self.raised_open,
            **{name: _as_float(getattr(self, name)) for name in self.RATES},
            "satisfaction_distribution": self.satisfaction_distribution,
            "basic_weight": float(self.basic_weight), "weights": list(self.weights),
        }


# --- the queries ----------------------------------------------------------------------------------------
def _counted() -> Q:
    """Cases that enter the rates: top-level, not exempt, not rejected."""
    return counted_q()


def _sent_to_street() -> Q:
    """Reached the street tier: escalated there (the tier only rises, and only by an escalation event) or
    referred there (a dispatch event naming the street as the handling unit)."""
    referred = Event.objects.filter(case=OuterRef("pk"), action="dispatch", data__handler_kind=HandlerKind.STREET)
    return Q(tier=Tier.STREET) | Q(Exists(referred))


def _case_aggregates(start: datetime, end: datetime, now: datetime) -> dict:
    counted = _counted()
    due = counted & Q(case_due_at__gte=start, case_due_at__lt=end)
    closed_in_period = counted & Q(closed_at__gte=start, closed_at__lt=end)
    raised = counted & Q(created_at__gte=start, created_at__lt=end)
    raised_closed = raised & Q(status=Status.CLOSED)
    dispatched = counted & Q(dispatched_at__gte=start, dispatched_at__lt=end)
    return {
        "due": Count("id", filter=due),
        "closed": Count("id", filter=due & Q(closed_at__isnull=False)),
        "closed_on_time": Count("id", filter=due & Q(closed_on_time=True)),
        "extended": Count("id", filter=due & Q(extensions__gt=0)),
        "exempt_due": Count("id", filter=Q(parent__isnull=True, exempt=True, case_due_at__gte=start,
                                           case_due_at__lt=end)),
        "closed_in_period": Count("id", filter=closed_in_period),
        "reworked": Count("id", filter=closed_in_period & (Q(reworks__gt=0) | Q(round__gt=1))),
        "raised": Count("id", filter=raised),
        "raised_closed": Count("id", filter=raised_closed),
        "raised_closed_compound": Count("id", filter=raised_closed & Q(compound__isnull=False)),
        "resolved_compound": Count("id", filter=raised_closed & Q(compound__isnull=False,
                                                                  resolved_tier=Tier.COMPOUND)),
        "resolved_community": Count("id", filter=raised_closed & Q(resolved_tier__in=[Tier.COMPOUND,
                                                                                     Tier.COMMUNITY])),
        "sent_to_street": Count("id", filter=raised & _sent_to_street()),
        "overdue_in_period": Count("id", filter=overdue_in_period_q(start, end, now)),
        "dispatched": Count("id", filter=dispatched),
        "responded": Count("id", filter=dispatched & Q(signed_at__lte=F("due_at"),
                                                       contacted_at__lte=F("due_at"))),
        "backlog": Count("id", filter=overdue_now_q(now)),
        "parked": Count("id", filter=Q(status=Status.PARKED)),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
    }


def _followup_aggregates() -> dict:
    return {
        "followups": Count("id"),
        "followups_resolved": Count("id", filter=Q(resolved=True)),
        "satisfied": Count("id", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        "basic": Count("id", filter=Q(satisfaction=Satisfaction.BASIC)),
        "unsatisfied": Count("id", filter=Q(satisfaction=Satisfaction.UNSATISFIED)),
    }


def _followups(path: str, start: datetime, end: datetime):
    return FollowUp.objects.filter(case__place__path__startswith=path, case__exempt=False, valid=True,
                                   at__gte=start, at__lt=end)


def _check_period(start: datetime, end: datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("start and end must be timezone-aware")
    if start > end:
        raise ValueError("start must not be after end")


def street_policy_of(node: Place) -> StreetPolicy:
    """The policy of the node's street, or the defaults (unsaved: reading figures writes nothing)."""
    return StreetPolicy.objects.filter(street__path=node.street_path).first() or StreetPolicy()


def _policy_fields(policy: StreetPolicy) -> dict:
    return {"basic_weight": Decimal(str(policy.basic_satisfaction_weight)),
            "weights": (policy.weight_response, policy.weight_resolution, policy.weight_satisfaction)}


def case_figures(*, node: Place, start: datetime, end: datetime, now: datetime | None = None,
                 policy: StreetPolicy | None = None) -> CaseFigures:
    """The figures of `node`'s subtree for [start, end): two queries (three when the policy is looked up)."""
    _check_period(start, end)
    now = now or timezone.now()
    policy = policy or street_policy_of(node)
    counts = Case.objects.within(node.path).aggregate(**_case_aggregates(start, end, now))
    counts |= _followups(node.path, start, end).aggregate(**_followup_aggregates())
    return CaseFigures(path=node.path, start=start, end=end, now=now, place_id=node.pk, **counts,
                       **_policy_fields(policy))


def figures_by_child(*, node: Place, start: datetime, end: datetime, now: datetime | None = None,
                     policy: StreetPolicy | None = None) -> dict[Place, CaseFigures]:
    """One `CaseFigures` per child of `node` (per community of a street, per compound of a community …), in
    tree order, children without cases included; four queries whatever the number of children and cases.

    Cases placed on `node` itself (e.g. raised at community level, outside any compound) belong to no child:
    they are returned under the key `node` itself, last, and only when there are any, so that the values
    always sum to `case_figures(node=node, ...)`."""
    _check_period(start, end)
    now = now or timezone.now()
    policy = policy or street_policy_of(node)
    width = node.child_path_width()
    children = list(node.children_qs())
    case_rows = (Case.objects.within(node.path).order_by()
                 .annotate(prefix=Substr("place__path", 1, width)).values("prefix")
                 .annotate(**_case_aggregates(start, end, now)))
    followup_rows = (_followups(node.path, start, end).order_by()
                     .annotate(prefix=Substr("case__place__path", 1, width)).values("prefix")
                     .annotate(**_followup_aggregates()))
    counts: dict[str, dict] = {}
    for row in [*case_rows, *followup_rows]:  # one row per child (and per node itself), not per case
        prefix = row.pop("prefix")
        counts.setdefault(prefix, {}).update(row)
    extra = _policy_fields(policy)

    def figures(place: Place) -> CaseFigures:
        return CaseFigures(path=place.path, start=start, end=end, now=now, place_id=place.pk,
                           **counts.get(place.path, {}), **extra)

    result = {child: figures(child) for child in children}
    if node.path in counts:
        result[node] = figures(node)
    return result


# --- the chart --------------------------------------------------------------------------------------------
@dataclass
class MonthFigures:
    """One calendar month (local time): cases raised in it, closed in it, and the deadlines that fell in it."""

    month: date
    raised: int = 0
    closed: int = 0
    due: int = 0
    closed_on_time: int = 0

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.closed_on_time, self.due)

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**data, "month": self.month.strftime("%Y-%m"), "on_time_rate": _as_float(self.on_time_rate)}


def _month_start(day: date, back: int = 0) -> date:
    return add_months(day, -back)


def monthly_series(*, node: Place, months: int, now: datetime | None = None) -> list[MonthFigures]:
    """The last `months` calendar months up to and including the month of `now`, in the default time zone
    (Asia/Shanghai), oldest first, empty months included; three queries. The same counted cases as
    `case_figures`: raised = created in the month; closed = `closed_at` in the month; on_time_rate = closed
    on time ÷ due in the month (按期办结率 of that month)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    tz = timezone.get_default_timezone()
    now = now or timezone.now()
    today = timezone.localtime(now, tz).date()
    firsts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    window_start = datetime(firsts[0].year, firsts[0].month, 1, tzinfo=tz)
    after = _month_start(today, -1)
    window_end = datetime(after.year, after.month, 1, tzinfo=tz)
    base = Case.objects.within(node.path).filter(_counted()).order_by()
    series = {first: MonthFigures(month=first) for first in firsts}

    def by_month(field_name: str, **aggregates):
        return (base.filter(**{f"{field_name}__gte": window_start, f"{field_name}__lt": window_end})
                .annotate(month=TruncMonth(field_name, tzinfo=tz)).values("month").annotate(**aggregates))

    for rows in (by_month("created_at", raised=Count("id")), by_month("closed_at", closed=Count("id")),
                 by_month("case_due_at", due=Count("id"), closed_on_time=Count("id", filter=Q(closed_on_time=True)))):
        for row in rows:
            month = series[timezone.localtime(row.pop("month"), tz).date()]
            for name, value in row.items():
                setattr(month, name, value)
    return list(series.values())


# --- scoped entry point -----------------------------------------------------------------------------------
def case_figures_for_user(user, node: Place, *, start: datetime, end: datetime, now: datetime | None = None,
                          policy: StreetPolicy | None = None) -> CaseFigures:
    """`case_figures` for a node the user may see; a node outside the user's scope answers 404 like a
    missing one."""
    path = scope_path(user)
    if path is None or not node.path.startswith(path):
        raise Http404("not found")
    return case_figures(node=node, start=start, end=end, now=now, policy=policy)
