"""The periodic sweep: tiered escalation by SLA and yellow/red cards, set-based.

Per street, in one transaction: rows due for a step are first marked with one UPDATE (which also locks them
on PostgreSQL), their timeline events, supervision orders and notifications are written with INSERT … SELECT
from the marked rows, then the marked rows are changed with one UPDATE per distinct deadline rule. Nothing is
done per case in Python, and a sweep that dies part-way leaves every case either stepped once or not at all.
"""
import json
import uuid
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from weizhili.accounts.models import Role
from weizhili.audit.services import audit_record
from weizhili.places.models import Place, PlaceKind

from .clock import card_times, category_deadline, street_calendar, street_policy
from .models import (
    RUNNING_STATUSES,
    TIER_ORDER,
    Card,
    Case,
    Category,
    Event,
    HandlerKind,
    Notification,
    Status,
    Supervision,
    SupervisionReason,
    Tier,
)

CASE = Case._meta.db_table
EVENT = Event._meta.db_table
SUPERVISION = Supervision._meta.db_table
NOTIFICATION = Notification._meta.db_table
USER = Case._meta.get_field("assignee").related_model._meta.db_table
SYSTEM_LABEL = "system"  # rendered in the reader's language by the timeline template
TIER_ROLE = {Tier.COMMUNITY: Role.COMMUNITY_WORKER, Tier.STREET: Role.STREET_CADRE}


@dataclass
class SweepResult:
    escalated: dict[str, int] = field(default_factory=dict)  # new tier -> cases
    yellow: int = 0
    red: int = 0

    @property
    def total(self) -> int:
        return sum(self.escalated.values()) + self.yellow + self.red


def _json(value: dict) -> str:
    """A JSON parameter for INSERT … SELECT, typed for the database at hand."""
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _insert_events(mark: str, action: str, *, to_status: str | None, now, data: dict, public: bool) -> None:
    """One system event per marked case; `to_status` None keeps the case's current status."""
    target, target_params = ("status", []) if to_status is None else ("%s", [to_status])
    sql = (f"INSERT INTO {EVENT} (case_id, action, from_status, to_status, actor_id, actor_label, at, note, data, "
           f"public) SELECT id, %s, status, {target}, NULL, %s, %s, '', {_json(data)}, %s "
           f"FROM {CASE} WHERE sweep_mark = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [action, *target_params, SYSTEM_LABEL, now, json.dumps(data, ensure_ascii=False),
                             public, mark])


def sweep(*, now=None, street: Place | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    streets = [street] if street is not None else list(Place.objects.filter(depth=1, kind=PlaceKind.STREET))
    for node in streets:
        with transaction.atomic():
            _sweep_street(node, now, result)
    return result


def _sweep_street(street: Place, now, result: SweepResult) -> None:
    if connection.vendor == "postgresql":
        return _sweep_street_pg(street, now, result)
    calendar = street_calendar(street)
    policy = street_policy(street)
    in_street = Case.objects.filter(community__path__startswith=street.path, status__in=RUNNING_STATUSES)

    # 1. escalation, lowest tier first (a case escalated now has a fresh tier clock and is not stepped twice)
    for lower, upper in zip(TIER_ORDER, TIER_ORDER[1:], strict=False):
        mark = uuid.uuid4().hex
        n = in_street.filter(tier=lower, tier_due_at__lt=now).update(sweep_mark=mark)
        if not n:
            continue
        _insert_events(mark, "escalate", to_status=Status.DISPATCHED, now=now,
                       data={"tier": upper, "from_tier": lower, "automatic": True}, public=True)
        marked = Case.objects.filter(sweep_mark=mark)
        for unit, value in marked.values_list("category__deadline_unit", "category__deadline_value").distinct():
            deadline = category_deadline(calendar, Category(deadline_unit=unit, deadline_value=value), now)
            yellow, red = card_times(calendar, deadline.due)
            marked.filter(category__deadline_unit=unit, category__deadline_value=value).update(
                due_at=deadline.due, yellow_at=yellow, red_at=red, deadline_provisional=deadline.provisional)
        tier_due = calendar.add_workdays(now, policy.tier_sla(upper)).due
        _notify_tier(mark, upper, now, street)
        marked.update(tier=upper, status=Status.DISPATCHED, assignee=None, escalations=F("escalations") + 1,
                      handler_kind=HandlerKind.COMMUNITY if upper == Tier.COMMUNITY else HandlerKind.STREET,
                      tier_due_at=tier_due, dispatched_at=now, signed_at=None, contacted_at=None, card=Card.NONE,
                      extension_requested_days=0, sweep_mark="")
        result.escalated[upper] = result.escalated.get(upper, 0) + n
        audit_record(action="case.sweep.escalate", object_type="cases.case", detail={"tier": upper, "cases": n})

    # 2. red cards (the first working day after the deadline) and their supervision orders
    mark = uuid.uuid4().hex
    n = in_street.exclude(card=Card.RED).filter(red_at__lte=now).update(sweep_mark=mark)
    if n:
        _insert_events(mark, "card", to_status=None, now=now, data={"card": "red"}, public=False)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {SUPERVISION} (case_id, reason, note, created_at, created_by_id, closed_at) "
                           f"SELECT id, %s, %s, %s, NULL, NULL FROM {CASE} WHERE sweep_mark = %s",
                           [SupervisionReason.RED_CARD, "", now, mark])
        Case.objects.filter(sweep_mark=mark).update(card=Card.RED, sweep_mark="")
        result.red += n
        audit_record(action="case.sweep.red_card", object_type="cases.case", detail={"cases": n})

    # 3. yellow cards (one working day before the deadline)
    mark = uuid.uuid4().hex
    n = in_street.filter(card=Card.NONE, yellow_at__lte=now).update(sweep_mark=mark)
    if n:
        _insert_events(mark, "card", to_status=None, now=now, data={"card": "yellow"}, public=False)
        Case.objects.filter(sweep_mark=mark).update(card=Card.YELLOW, sweep_mark="")
        result.yellow += n
        audit_record(action="case.sweep.yellow_card", object_type="cases.case", detail={"cases": n})


def _sweep_street_pg(street: Place, now, result: SweepResult) -> None:
    """The same steps as `_sweep_street`, one statement each (see sweep_pg.py)."""
    from . import sweep_pg

    calendar = street_calendar(street)
    policy = street_policy(street)
    clocks = {}
    for category in Category.objects.filter(street=street):
        deadline = category_deadline(calendar, category, now)
        yellow, red = card_times(calendar, deadline.due)
        clocks[category.pk] = (deadline.due, yellow, red, deadline.provisional)
    for lower, upper in zip(TIER_ORDER, TIER_ORDER[1:], strict=False):
        tier_due = calendar.add_workdays(now, policy.tier_sla(upper)).due
        n = sweep_pg.escalate(street=street, lower=lower, upper=upper, now=now, tier_due=tier_due, clocks=clocks,
                              label=SYSTEM_LABEL)
        if n:
            result.escalated[upper] = result.escalated.get(upper, 0) + n
            audit_record(action="case.sweep.escalate", object_type="cases.case", detail={"tier": upper, "cases": n})
    for card in (Card.RED, Card.YELLOW):
        n = sweep_pg.raise_cards(street=street, card=card, now=now, label=SYSTEM_LABEL)
        if n:
            setattr(result, card, getattr(result, card) + n)
            audit_record(action=f"case.sweep.{card}_card", object_type="cases.case", detail={"cases": n})


def _notify_tier(mark: str, tier: str, now, street: Place) -> None:
    """Tell the staff of the new tier: community workers of the case's community, or the street's cadres."""
    join, params = ("u.place_id = c.community_id", []) if tier == Tier.COMMUNITY else ("u.place_id = %s", [street.pk])
    sql = (f"INSERT INTO {NOTIFICATION} (user_id, case_id, text, created_at, read_at, emailed_at) "
           f"SELECT u.id, c.id, %s || c.code, %s, NULL, NULL FROM {CASE} c JOIN {USER} u ON {join} "
           f"WHERE c.sweep_mark = %s AND u.role = %s AND u.is_active")
    text = "诉求已上报到社区：" if tier == Tier.COMMUNITY else "诉求已上报到街道："
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, now, *params, mark, TIER_ROLE[tier]])
