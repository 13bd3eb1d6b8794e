"""The periodic sweep: tiered escalation by SLA and yellow/red cards, set-based, in batches.

What an escalation writes comes from `escalation.py`, the same definition the transition service applies by
hand; here it is compiled into one UPDATE per batch. Each batch is its own transaction: the due rows are
stepped, their timeline events, notifications and supervision orders written from the same rows, and the
batch's audit row chained last, so the audit chain's head is locked only from that row to the commit (a login
never waits for a whole catch-up). A sweep that dies part-way leaves every case stepped once or not at all,
and the next run goes on where it stopped.

PostgreSQL runs each batch as one data-modifying statement (sweep_pg.py); SQLite marks the batch's rows, then
INSERT … SELECT, then one UPDATE … FROM.
"""
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import timezone

from weizhili.audit.services import audit_record
from weizhili.places.models import Place, PlaceKind

from . import escalation, workflow
from .clock import street_calendar, street_policy
from .models import (
    RUNNING_STATUSES,
    TIER_ORDER,
    Card,
    Case,
    Category,
    Event,
    Notification,
    Supervision,
    SupervisionReason,
)

CASE = Case._meta.db_table
EVENT = Event._meta.db_table
SUPERVISION = Supervision._meta.db_table
NOTIFICATION = Notification._meta.db_table
USER = Case._meta.get_field("assignee").related_model._meta.db_table
SYSTEM_LABEL = workflow.SYSTEM  # rendered in the reader's language by the timeline template
# Rows stepped per transaction: a catch-up is a few statements (each batch looks its due rows up afresh), and
# each commit holds those rows' locks a few seconds at most. The audit chain's head is locked only for the
# audit row and the commit itself, whatever the size.
BATCH_SIZE = 50_000


@dataclass
class SweepResult:
    escalated: dict[str, int] = field(default_factory=dict)  # new tier -> cases
    yellow: int = 0
    red: int = 0

    @property
    def total(self) -> int:
        return sum(self.escalated.values()) + self.yellow + self.red


@dataclass(frozen=True)
class Step:
    """One committed batch, for `sweep(on_batch=…)`: which step, how many cases."""

    street: Place
    action: str  # "escalate" | "red" | "yellow"
    cases: int


def sweep(*, now=None, street: Place | None = None, batch_size: int = BATCH_SIZE,
          on_batch: Callable[[Step], None] | None = None) -> SweepResult:
    """Step every due case of every street (or of `street`). `on_batch` is called after each committed batch."""
    now = now or timezone.now()
    result = SweepResult()
    streets = [street] if street is not None else list(Place.objects.filter(depth=1, kind=PlaceKind.STREET))
    for node in streets:
        _sweep_street(node, now, result, batch_size, on_batch)
    return result


def _batches(step: Callable[[], int], *, batch_size: int, audit_action: str, detail: dict,
             on_batch: Callable[[int], None]) -> int:
    """Run `step` (one batch, returns the cases stepped) in its own transaction until a batch comes up short.
    The batch's audit row is written last, so the chain's head row is locked only until the commit."""
    total = 0
    while True:
        with transaction.atomic():
            n = step()
            if n:
                if connection.vendor == "postgresql":
                    # the foreign-key checks of the batch's events and notifications are deferred to the
                    # commit: run them now, before the audit chain's head is locked (switching to IMMEDIATE
                    # runs the pending checks; DEFERRED then restores Django's default for what follows)
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                audit_record(action=audit_action, object_type="cases.case", detail={**detail, "cases": n})
        total += n
        if n:
            on_batch(n)
        # A short batch means nothing more was due (a row that changed under its lock is left for the next run).
        if n < batch_size:
            return total


def _sweep_street(street: Place, now, result: SweepResult, batch_size: int, on_batch) -> None:
    calendar = street_calendar(street)
    policy = street_policy(street)
    clocks = escalation.category_clocks(calendar, Category.objects.filter(street=street), now)
    pg = connection.vendor == "postgresql"
    if pg:
        from . import sweep_pg

    def report(action):
        return (lambda n: on_batch(Step(street, action, n))) if on_batch else (lambda n: None)

    # 1. escalation, lowest tier first (a case escalated now has a fresh tier clock and is not stepped twice)
    for lower in TIER_ORDER[:-1]:
        upper = escalation.next_tier(lower)
        columns = escalation.escalation_columns(upper)
        due = escalation.tier_due(calendar, policy, upper, now)
        args = dict(street=street, lower=lower, upper=upper, columns=columns, now=now, due=due, clocks=clocks,
                    limit=batch_size)
        n = _batches(lambda a=args: (sweep_pg.escalate if pg else _escalate)(**a), batch_size=batch_size,
                     audit_action="case.sweep.escalate", detail={"tier": upper}, on_batch=report("escalate"))
        if n:
            result.escalated[upper] = result.escalated.get(upper, 0) + n

    # 2. red cards (the first working day after the deadline) with their supervision orders, 3. yellow cards
    for card in (Card.RED, Card.YELLOW):
        args = dict(street=street, card=card, now=now, limit=batch_size)
        n = _batches(lambda a=args: (sweep_pg.raise_cards if pg else _raise_cards)(**a), batch_size=batch_size,
                     audit_action=f"case.sweep.{card}_card", detail={}, on_batch=report(str(card)))
        setattr(result, card, getattr(result, card) + n)


# --- the generic path (SQLite) --------------------------------------------------------------------------
def _running(street: Place):
    return Case.objects.filter(community__path__startswith=street.path, status__in=RUNNING_STATUSES)


def _mark(qs, limit: int) -> tuple[str, int]:
    mark = uuid.uuid4().hex
    n = Case.objects.filter(pk__in=Subquery(qs.values("pk")[:limit])).update(sweep_mark=mark)
    return mark, n


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
        cursor.execute(sql, [action, *target_params, SYSTEM_LABEL, connection.ops.adapt_datetimefield_value(now),
                             json.dumps(data, ensure_ascii=False), public, mark])


def recipients_join(tier: str, street: Place, case_alias: str, user_alias: str) -> tuple[str, list]:
    """The join condition between a case and the staff who hear of it at `tier` (escalation.TIER_STAFF)."""
    role, column = escalation.TIER_STAFF[tier]
    place = f"{case_alias}.{column}" if column else "%s"
    return (f"{user_alias}.place_id = {place} AND {user_alias}.role = %s AND {user_alias}.is_active",
            ([] if column else [street.pk]) + [role])


def _escalate(*, street, lower, upper, columns, now, due, clocks, limit) -> int:
    if not clocks:
        return 0
    mark, n = _mark(_running(street).filter(tier=lower, tier_due_at__lt=now), limit)
    if not n:
        return 0
    transition = workflow.TABLE[escalation.ACTION]
    _insert_events(mark, escalation.ACTION, to_status=transition.target, now=now,
                   data=escalation.event_data(lower, upper, automatic=True), public=transition.public)
    join, join_params = recipients_join(upper, street, "c", "u")
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {NOTIFICATION} (user_id, case_id, kind, params, text, created_at, read_at, "
                       f"emailed_at) SELECT u.id, c.id, %s, json_object('code', c.code), '', %s, NULL, NULL "
                       f"FROM {CASE} c JOIN {USER} u ON {join} WHERE c.sweep_mark = %s",
                       [escalation.NOTIFICATION_KIND, at, *join_params, mark])
        clock, clock_params = escalation.clock_table(clocks, connection)
        assignments, set_params = escalation.set_clause(columns, connection=connection, case_alias="c",
                                                        clock_alias="k", now=now, due=due)
        cursor.execute(f"UPDATE {CASE} AS c SET {assignments}, sweep_mark = '' FROM {clock} AS k "
                       f"WHERE c.sweep_mark = %s AND k.category_id = c.category_id",
                       [*set_params, *clock_params, mark])
        if cursor.rowcount != n:  # a marked case whose category has no clock must not stay marked
            raise RuntimeError(f"escalated {cursor.rowcount} of {n} marked cases")
    return n


def _raise_cards(*, street, card, now, limit) -> int:
    running = _running(street)
    due = (running.exclude(card=Card.RED).filter(yellow_at__lte=now, red_at__lte=now) if card == Card.RED
           else running.filter(card=Card.NONE, yellow_at__lte=now, red_at__gt=now))
    mark, n = _mark(due, limit)
    if not n:
        return 0
    _insert_events(mark, "card", to_status=None, now=now, data={"card": str(card)}, public=False)
    if card == Card.RED:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {SUPERVISION} (case_id, reason, note, created_at, created_by_id, closed_at) "
                           f"SELECT id, %s, %s, %s, NULL, NULL FROM {CASE} WHERE sweep_mark = %s",
                           [SupervisionReason.RED_CARD, "", connection.ops.adapt_datetimefield_value(now), mark])
    Case.objects.filter(sweep_mark=mark).update(card=card, sweep_mark="", updated_at=now)
    return n
