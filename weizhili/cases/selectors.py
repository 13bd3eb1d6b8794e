"""Reads of cases, always bounded by the acting user's scope."""
from datetime import date, datetime

from django.db.models import Case as When_
from django.db.models import F, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone

from weizhili.calendar.months import add_months
from weizhili.params import parse_int, parse_month
from weizhili.places.models import Place, PlaceKind
from weizhili.places.scope import within_scope

from .models import OPEN_STATUSES, Card, Case, Status


# --- the overdue figures: one definition each, used by the tiles, the figures page, the queue and the export ---
def counted_q() -> Q:
    """Cases that enter the period figures: top-level (a merged duplicate closes with the case it was merged
    into), not exempt, not rejected."""
    return Q(parent__isnull=True, exempt=False) & ~Q(status=Status.REJECTED)


def overdue_now_q(now: datetime) -> Q:
    """当前超期: open, and the live deadline has passed at `now`: the current handling round's deadline
    (`due_at`, a fresh one after an escalation or a reopen), else, while no unit's clock runs (not yet
    dispatched, or returned), the case's own deadline."""
    return Q(status__in=OPEN_STATUSES) & (Q(due_at__lt=now) | Q(due_at__isnull=True, case_due_at__lt=now))


def overdue_in_period_q(start: datetime, end: datetime, now: datetime) -> Q:
    """期内超期: counted cases whose case deadline fell in [start, end) and has passed at `now`, and that were
    not closed by it (closed late, or still not closed)."""
    return (counted_q() & Q(case_due_at__gte=start, case_due_at__lt=min(end, now))
            & (Q(closed_at__isnull=True) | Q(closed_at__gt=F("case_due_at"))))


def overdue_now(qs, *, now: datetime | None = None):
    return qs.filter(overdue_now_q(now or timezone.now()))


def overdue_in_period(qs, *, start: datetime, end: datetime, now: datetime | None = None):
    return qs.filter(overdue_in_period_q(start, end, now or timezone.now()))


def month_bounds(month: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in local time; the current month when `month` is None."""
    if month is None:
        month = timezone.localdate()
    tz = timezone.get_current_timezone()
    after = add_months(month, 1)
    return datetime(month.year, month.month, 1, tzinfo=tz), datetime(after.year, after.month, 1, tzinfo=tz)


def _as_month(value) -> date | None:
    return value.replace(day=1) if isinstance(value, date) else parse_month(value)


def case_list(*, user):
    """Every case in the user's scope. Community and compound scopes use the denormalised foreign keys,
    which the queue's indexes cover; deeper scopes fall back to the place path."""
    path = user.scope_path if user.is_authenticated else None
    if path is None:
        return Case.objects.none()
    node = user.place
    qs = Case.objects.all()
    if node.kind == PlaceKind.COMMUNITY:
        return qs.filter(community_id=node.pk)
    if node.kind == PlaceKind.COMPOUND:
        return qs.filter(compound_id=node.pk)
    if node.kind == PlaceKind.STREET:
        return qs.filter(community__path__startswith=path)
    return qs.filter(place__path__startswith=path)


def case_get(*, user, case_id: int) -> Case:
    case = (case_list(user=user).select_related("category", "place", "compound", "community", "assignee", "parent")
            .filter(pk=case_id).first())
    if case is None:
        raise Http404("not found")
    return case


QUEUE_VIEWS = ("mine", "tier", "open", "closed", "reported", "all")


def case_queue(*, user, view: str = "tier", now=None, filters: dict | None = None):
    """The handler's work queue: overdue first, then red, yellow, then by deadline."""
    now = now or timezone.now()
    qs = case_list(user=user).select_related("category", "place", "compound", "assignee")
    if view == "mine":
        qs = qs.filter(assignee=user, status__in=OPEN_STATUSES)
    elif view == "tier":
        from .workflow import ROLE_TIER

        tier = ROLE_TIER.get(user.role)
        qs = qs.filter(status__in=OPEN_STATUSES)
        if tier:
            qs = qs.filter(tier=tier)
    elif view == "closed":
        qs = qs.filter(status=Status.CLOSED)
    elif view == "reported":  # what I reported myself (grid workers' reports count for them)
        qs = qs.filter(reporter_user=user)
    elif view == "all":  # every status: the list behind a period figure (closed late ones included)
        pass
    else:
        qs = qs.filter(status__in=OPEN_STATUSES + [Status.PARKED])
    filters = filters or {}
    if filters.get("status") in Status.values:
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category_id=filters["category"])
    if filters.get("card") in Card.values:
        qs = qs.filter(card=filters["card"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(Q(code__iexact=q) | Q(description__contains=q))
    if filters.get("node"):  # a place below the user's scope root (a figure's node); another one lists nothing
        node_id = parse_int(filters["node"])
        node = within_scope(Place.objects, user, via="").filter(pk=node_id).first() if node_id else None
        qs = qs.filter(place__path__startswith=node.path) if node else qs.none()
    if filters.get("overdue") == "current":
        qs = overdue_now(qs, now=now)
    elif filters.get("overdue") == "period":
        start, end = month_bounds(_as_month(filters.get("month")))
        qs = overdue_in_period(qs, start=start, end=end, now=now)
    if view == "closed":
        return qs.order_by("-closed_at", "-id")
    if view == "reported":
        return qs.order_by("-created_at", "-id")
    return qs.annotate(
        overdue=When_(When(overdue_now_q(now), then=Value(0)), default=Value(1), output_field=IntegerField()),
        card_rank=When_(When(card=Card.RED, then=Value(0)), When(card=Card.YELLOW, then=Value(1)),
                        default=Value(2), output_field=IntegerField()),
    ).order_by("overdue", "card_rank", "due_at", "id")


def case_timeline(*, case: Case, public_only: bool = False):
    events = case.events.select_related("actor").prefetch_related("attachments").order_by("at", "id")
    return events.filter(public=True) if public_only else events


def open_counts_by_compound(*, user) -> dict[int, int]:
    from django.db.models import Count

    rows = (case_list(user=user).filter(status__in=OPEN_STATUSES, compound__isnull=False).order_by()
            .values("compound_id").annotate(n=Count("id")))
    return {row["compound_id"]: row["n"] for row in rows}
