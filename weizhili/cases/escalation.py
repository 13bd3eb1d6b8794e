"""The escalation effect, defined once: what moving a case up one tier does to it.

`escalation_columns` is the one statement of which columns change to what. The transition service applies it
to a Case in Python (`apply_columns`); both sweeps compile it to the SET clause of their set-based UPDATE
(`set_clause`), so a case escalated by hand and one escalated by the sweep end in the same state
(tests/cases/test_escalation_once.py). The timeline event, the notification and its recipients come from here
too. A value is a constant, or one of the symbols below, resolved per case (Python) or per row (SQL):
`NOW` (the step's time), `TIER_DUE` (the new tier's deadline), `Clock(...)` (the new handling round's clock of
the case's category, started now) and `Add(n)` (the column plus n).
"""
from dataclasses import dataclass
from datetime import datetime

from weizhili.accounts.models import Role

from . import workflow
from .clock import round_clock
from .models import TIER_ORDER, Card, Case, HandlerKind, Tier

ACTION = "escalate"           # the timeline event's action, and the transition table's row
NOTIFICATION_KIND = "escalate"  # the notification's message (notify.MESSAGES)

# Who works at each tier, and so hears of a case that arrives there: the role, and the case column holding
# the place they must be attached to (None: the case's street).
TIER_STAFF = {
    Tier.COMPOUND: (Role.BRANCH_SECRETARY, "compound_id"),
    Tier.COMMUNITY: (Role.COMMUNITY_WORKER, "community_id"),
    Tier.STREET: (Role.STREET_CADRE, None),
}
TIER_HANDLER = {Tier.COMMUNITY: HandlerKind.COMMUNITY, Tier.STREET: HandlerKind.STREET}


class _Symbol:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


NOW = _Symbol("NOW")
TIER_DUE = _Symbol("TIER_DUE")


@dataclass(frozen=True)
class Clock:
    """A field of `clock.round_clock` for the case's category, started at NOW."""

    key: str


@dataclass(frozen=True)
class Add:
    n: int


def next_tier(tier: str) -> str | None:
    position = TIER_ORDER.index(tier)
    return TIER_ORDER[position + 1] if position + 1 < len(TIER_ORDER) else None


def round_start_columns() -> dict[str, object]:
    """A fresh handling unit's clock (dispatch, escalation, reopen); the case-level clock keeps running."""
    return {
        "dispatched_at": NOW, "signed_at": None, "contacted_at": None, "card": Card.NONE,
        "extension_requested_days": 0, "tier_due_at": TIER_DUE,
        "due_at": Clock("due_at"), "yellow_at": Clock("yellow_at"), "red_at": Clock("red_at"),
        "deadline_provisional": Clock("deadline_provisional"),
    }


def escalation_columns(upper: str) -> dict[str, object]:
    """Every column an escalation to `upper` writes (attname → value or symbol)."""
    return {
        "tier": upper,
        "status": workflow.TABLE[ACTION].target,
        "assignee_id": None,
        "handler_kind": TIER_HANDLER[upper],
        "escalations": Add(1),
        **round_start_columns(),
        "updated_at": NOW,
    }


def event_data(lower: str, upper: str, *, automatic: bool) -> dict:
    return {"tier": upper, "from_tier": lower, **({"automatic": True} if automatic else {})}


def tier_due(calendar, policy, tier: str, now: datetime) -> datetime:
    return calendar.add_workdays(now, policy.tier_sla(tier)).due


def _resolve(value, *, case_value, now, due, clock):
    if value is NOW:
        return now
    if value is TIER_DUE:
        return due
    if isinstance(value, Clock):
        return clock[value.key]
    if isinstance(value, Add):
        return case_value + value.n
    return value


def apply_columns(case: Case, columns: dict[str, object], *, now: datetime, calendar, policy) -> None:
    """Set `columns` on a Case in memory (the transition service saves it)."""
    clock = round_clock(calendar, case.category, now)
    due = tier_due(calendar, policy, columns.get("tier", case.tier), now)
    for name, value in columns.items():
        setattr(case, name, _resolve(value, case_value=getattr(case, name), now=now, due=due, clock=clock))


def category_clocks(calendar, categories, now: datetime) -> dict[int, dict]:
    """The round clock started at `now` for each category: the sweep's per-row `Clock` values."""
    return {category.pk: round_clock(calendar, category, now) for category in categories}


CLOCK_KEYS = ("due_at", "yellow_at", "red_at", "deadline_provisional")


def clock_table(clocks: dict[int, dict], connection) -> tuple[str, list]:
    """`clocks` as a derived table (category_id, due_at, yellow_at, red_at, deadline_provisional) to join on
    the case's category, typed for the database at hand."""
    values, params = clock_values(clocks, connection)
    names = ", ".join(f"column{i + 1} AS {name}" for i, name in enumerate(("category_id", *CLOCK_KEYS)))
    return f"(SELECT {names} FROM (VALUES {values}) AS v)", params


def clock_values(clocks: dict[int, dict], connection) -> tuple[str, list]:
    """`clocks` as a VALUES list (category_id, due_at, yellow_at, red_at, deadline_provisional)."""
    pg = connection.vendor == "postgresql"
    row = ("(%s, CAST(%s AS timestamptz), CAST(%s AS timestamptz), CAST(%s AS timestamptz), CAST(%s AS boolean))"
           if pg else "(%s, %s, %s, %s, %s)")
    params = []
    for category_id, clock in clocks.items():
        params += [category_id, *(_db(connection, clock[k]) for k in CLOCK_KEYS)]
    return ", ".join([row] * len(clocks)), params


def _db(connection, value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def set_clause(columns: dict[str, object], *, connection, case_alias: str, clock_alias: str, now: datetime,
               due: datetime) -> tuple[str, list]:
    """`columns` as the SET list of an UPDATE of cases_case AS `case_alias` joined to the clock VALUES as
    `clock_alias`, with its parameters."""
    parts, params = [], []
    for name, value in columns.items():
        column = connection.ops.quote_name(Case._meta.get_field(name).column)
        if isinstance(value, Add):
            parts.append(f"{column} = {case_alias}.{column} + %s")
            params.append(value.n)
        elif isinstance(value, Clock):
            parts.append(f"{column} = {clock_alias}.{value.key}")
        elif value is None:
            parts.append(f"{column} = NULL")
        else:
            parts.append(f"{column} = %s")
            params.append(_db(connection, _resolve(value, case_value=None, now=now, due=due, clock={})))
    return ", ".join(parts), params
