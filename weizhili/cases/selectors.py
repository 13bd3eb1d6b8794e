"""Reads of cases, always bounded by the acting user's scope."""
from django.db.models import Case as When_
from django.db.models import IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone

from weizhili.places.models import PlaceKind

from .models import OPEN_STATUSES, Card, Case, Status


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


QUEUE_VIEWS = ("mine", "tier", "open", "closed", "reported")


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
    if view == "closed":
        return qs.order_by("-closed_at", "-id")
    if view == "reported":
        return qs.order_by("-created_at", "-id")
    return qs.annotate(
        overdue=When_(When(due_at__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()),
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
