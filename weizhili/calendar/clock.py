"""The deadline clock: working-day and natural-hour deadlines over the Chinese working calendar.

Pure Python, no Django. The Django side loads the street's override table, builds a ``WorkCalendar`` and
stores what comes out (``Deadline.due``, ``Deadline.provisional`` and the card times from
``weizhili.calendar.cards``) so that sweeps can run as plain SQL over stored timestamps.

Day boundaries are taken in the start's own ``tzinfo``: pass local times (``django.utils.timezone.localtime``
in the street's zone, Asia/Shanghai), not UTC, or "the start day" will be the wrong day for 8 hours a day.
Naive datetimes work too; results keep the start's ``tzinfo`` (or lack of one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType

from .days import DayInfo, DaySource, as_date, classify

__all__ = [
    "DEFAULT_CONVENTION",
    "DEFAULT_HANDLE_WORKDAYS",
    "MAX_EXTENSION_WORKDAYS",
    "RETURN_WINDOW_WORKDAYS",
    "YELLOW_CARD_WORKDAYS_BEFORE",
    "CalendarError",
    "Convention",
    "Deadline",
    "Unit",
    "Walk",
    "WorkCalendar",
    "compute_due",
    "end_of_day",
    "start_of_day",
]

# Shandong defaults for hotline work (docs: rules-and-metrics, "The deadline clock"). Per-street policy lives
# in the database; these are the defaults it starts from. Limits are enforced by the caller, not the clock.
DEFAULT_HANDLE_WORKDAYS = 5
MAX_EXTENSION_WORKDAYS = 10
RETURN_WINDOW_WORKDAYS = 2
YELLOW_CARD_WORKDAYS_BEFORE = 1

# A run of this many consecutive rest days can only come from a broken override table; stop instead of
# looping for ever.
_MAX_REST_RUN = 400


class CalendarError(ValueError):
    """The calendar cannot answer (for instance an override table with no working day for a year)."""


class Unit(StrEnum):
    WORKDAYS = "workdays"
    HOURS = "hours"


@dataclass(frozen=True, slots=True)
class Convention:
    """How a period is counted. See ``compute_due`` for the full rules.

    start_day_counts: the start day is working day 1 of the period (if it is a working day). Default False:
        counting begins on the day after the start.
    end_of_day: a working-day period ends at the end (23:59:59.999999) of its last day. If False, it ends at
        the start's wall-clock time on its last day. Also decides where a rolled hours deadline lands.
    hours_roll_to_workday: an hours deadline falling on a rest day moves to the next working day. Default False:
        urgent classes (2 h danger, 24 h outages) run on the clock, weekends and holidays included.
    """

    start_day_counts: bool = False
    end_of_day: bool = True
    hours_roll_to_workday: bool = False


DEFAULT_CONVENTION = Convention()


def start_of_day(d: date, tz: tzinfo | None) -> datetime:
    """00:00:00 of ``d`` in ``tz`` (naive if ``tz`` is None)."""
    return datetime.combine(d, time.min, tzinfo=tz)


def end_of_day(d: date, tz: tzinfo | None) -> datetime:
    """23:59:59.999999 of ``d`` in ``tz`` (naive if ``tz`` is None)."""
    return datetime.combine(d, time.max, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Walk:
    """The result of stepping over working days: the day reached and every day looked at on the way."""

    day: date
    days: tuple[DayInfo, ...] = ()

    @property
    def provisional(self) -> bool:
        return any(info.provisional for info in self.days)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed deadline.

    ``provisional`` is True if any day consulted while counting came from the provisional rule (a year the
    official calendar does not cover and the override table does not mention): store it, and recompute such
    deadlines when the State Council's notice is entered.
    """

    due: datetime
    provisional: bool = False
    days_consulted: tuple[DayInfo, ...] = ()

    def extend(self, calendar: WorkCalendar, n_workdays: int) -> Deadline:
        """A new deadline ``n_workdays`` working days after this one, counted from the old due date's day.

        The day of the old due date does not count (with the default convention), so the extension covers
        ``n_workdays`` whole working days after it. The policy limits (``MAX_EXTENSION_WORKDAYS``, asked for
        before the deadline, approved) are the caller's to enforce. The result stays provisional if this
        deadline was.
        """
        more = calendar.add_workdays(self.due, n_workdays)
        return Deadline(
            due=more.due,
            provisional=self.provisional or more.provisional,
            days_consulted=self.days_consulted + more.days_consulted,
        )


def compute_due(
    calendar: WorkCalendar,
    start: datetime,
    amount: int,
    unit: Unit | str,
    convention: Convention | None = None,
) -> Deadline:
    """The one place where the counting convention lives.

    Working days (``unit="workdays"``), with the default ``Convention()``:

    - The start day does not count, whatever the time of day and whether or not it is a working day: a case
      dispatched on Friday evening, or on a holiday, starts counting on the next calendar day.
    - A period of N working days ends at the end (23:59:59.999999, in the start's tzinfo) of the N-th working
      day after the start day. Make-up working days (调休, a Saturday or Sunday declared a working day) count.
    - The rules say "a last day that falls on a holiday moves to the next working day". Counting working days,
      the last day is a working day by construction, so that rule never fires here; it matters only for
      hours deadlines (``hours_roll_to_workday``).
    - ``start_day_counts=True``: the start day is working day 1 if it is a working day (counting starts from
      the start day instead of the day after).
    - ``end_of_day=False``: the period ends at the start's wall-clock time on its last day.
    - N == 0 is an empty period: the due time is the start itself.

    Natural hours (``unit="hours"``):

    - due = start + N hours of elapsed time (computed in UTC for aware datetimes), whatever the calendar says.
    - ``hours_roll_to_workday=True``: if that falls on a rest day, move to the end of the next working day
      (or to the same wall-clock time on it when ``end_of_day=False``). Default False: urgent classes such as
      2 h danger and 24 h outages run on the clock through nights, weekends and holidays.

    Negative amounts raise ``ValueError``.
    """
    conv = convention if convention is not None else calendar.convention
    unit = Unit(unit)
    if amount < 0:
        raise ValueError(f"a period cannot be negative: {amount} {unit}")
    tz = start.tzinfo

    if unit is Unit.HOURS:
        if tz is not None:
            due = (start.astimezone(UTC) + timedelta(hours=amount)).astimezone(tz)
        else:
            due = start + timedelta(hours=amount)
        if not conv.hours_roll_to_workday:
            return Deadline(due=due)
        landing = calendar.day(due)
        if landing.workday:
            return Deadline(due=due, provisional=landing.provisional, days_consulted=(landing,))
        walk = calendar.walk(landing.day, 1)
        rolled = end_of_day(walk.day, tz) if conv.end_of_day else datetime.combine(walk.day, due.timetz())
        days = (landing, *walk.days)
        return Deadline(due=rolled, provisional=any(i.provisional for i in days), days_consulted=days)

    if amount == 0:
        return Deadline(due=start)
    anchor = start.date()
    if conv.start_day_counts:
        anchor -= timedelta(days=1)  # walking starts on the day after the anchor, i.e. on the start day
    walk = calendar.walk(anchor, amount)
    due = end_of_day(walk.day, tz) if conv.end_of_day else datetime.combine(walk.day, start.timetz())
    return Deadline(due=due, provisional=walk.provisional, days_consulted=walk.days)


class WorkCalendar:
    """The working calendar of one street: its override table over the official and provisional calendars.

    ``overrides`` maps a date to "is a working day"; it is copied at construction (build a new calendar when
    the table changes). ``convention`` is used by ``add_workdays``/``add_hours``.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        convention: Convention = DEFAULT_CONVENTION,
    ) -> None:
        self._overrides: Mapping[date, bool] = MappingProxyType(
            {as_date(d): bool(v) for d, v in (overrides or {}).items()}
        )
        self.convention = convention

    def __repr__(self) -> str:
        return f"WorkCalendar({len(self._overrides)} overrides, {self.convention!r})"

    @property
    def overrides(self) -> Mapping[date, bool]:
        return self._overrides

    # --- days ---------------------------------------------------------------------------------------------

    def day(self, d: date | datetime) -> DayInfo:
        """The classification of one day, with its source."""
        return classify(d, self._overrides)

    def is_workday(self, d: date | datetime) -> bool:
        return self.day(d).workday

    def day_source(self, d: date | datetime) -> DaySource:
        """``"override"``, ``"official"`` or ``"provisional"`` (a ``StrEnum``: compares equal to the string)."""
        return self.day(d).source

    def walk(self, d: date | datetime, n: int) -> Walk:
        """Step to the n-th working day after ``d`` (n > 0) or before it (n < 0); ``d`` itself never counts.

        n == 0 returns ``d`` without consulting any day.
        """
        current = as_date(d)
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        seen: list[DayInfo] = []
        rest_run = 0
        while remaining:
            current += step
            info = self.day(current)
            seen.append(info)
            if info.workday:
                remaining -= 1
                rest_run = 0
            else:
                rest_run += 1
                if rest_run >= _MAX_REST_RUN:
                    raise CalendarError(
                        f"no working day within {_MAX_REST_RUN} days of {current - step * rest_run}"
                    )
        return Walk(current, tuple(seen))

    def next_workday(self, d: date | datetime) -> date:
        """The first working day strictly after ``d``."""
        return self.walk(d, 1).day

    def first_workday_after(self, d: date | datetime) -> date:
        """The first working day strictly after ``d`` (same as ``next_workday``; the red-card day)."""
        return self.walk(d, 1).day

    def previous_workday(self, d: date | datetime) -> date:
        """The last working day strictly before ``d``."""
        return self.walk(d, -1).day

    def shift_to_workday(self, d: date | datetime) -> date:
        """``d`` itself if it is a working day, else the next working day."""
        day = as_date(d)
        return day if self.is_workday(day) else self.next_workday(day)

    def workdays_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after ``a`` up to and including ``b``; negative (antisymmetric) when ``b`` < ``a``."""
        start, stop = as_date(a), as_date(b)
        if stop < start:
            return -self.workdays_between(stop, start)
        count = 0
        current = start
        while current < stop:
            current += timedelta(days=1)
            count += self.is_workday(current)
        return count

    # --- deadlines ----------------------------------------------------------------------------------------

    def add_workdays(self, start: datetime, n: int) -> Deadline:
        """The deadline ``n`` working days after ``start`` (see ``compute_due`` for the convention)."""
        return compute_due(self, start, n, Unit.WORKDAYS)

    def add_hours(self, start: datetime, hours: int) -> Deadline:
        """The deadline ``hours`` natural hours after ``start`` (see ``compute_due`` for the convention)."""
        return compute_due(self, start, hours, Unit.HOURS)
