"""Day classification: is a date a working day, and who says so.

Three sources are consulted in this order; the first that knows the date wins:

1. ``override``: the street's own table (``date -> is working day``). Officials enter the State Council's
   notice there each November, and local exceptions at any time. The caller (the Django side) loads it from
   the database and passes it in; this module never reads a database.
2. ``official``: the ``chinese-calendar`` package (holidays and make-up working days, 调休). Version 1.11
   covers 2004-2026 and raises ``NotImplementedError`` outside that range; that is caught, never propagated.
3. ``provisional``: weekends are rest days, and so are the public holidays that the ``holidays`` package
   lists for China (it also lists the substituted days off of years it knows, and the make-up working days
   of those years as ``weekend_workdays``; both are honoured through ``HolidayBase.is_working_day`` so the
   two halves of a swap are never split). This rule knows every year, so classification never fails for
   lack of data. Deadlines that consulted a provisional day say so and are recomputed once the notice is in
   the override table.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import chinese_calendar  # type: ignore[import-untyped]
import holidays

__all__ = [
    "DayInfo",
    "DaySource",
    "as_date",
    "classify",
    "official_is_workday",
    "provisional_is_workday",
]


class DaySource(StrEnum):
    """Where a day's classification came from. Members compare equal to their plain string values."""

    OVERRIDE = "override"
    OFFICIAL = "official"
    PROVISIONAL = "provisional"


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One classified day."""

    day: date
    workday: bool
    source: DaySource

    @property
    def provisional(self) -> bool:
        return self.source is DaySource.PROVISIONAL


def as_date(value: date | datetime) -> date:
    """The calendar date of ``value`` (a ``datetime`` gives the date of its own wall clock)."""
    return value.date() if isinstance(value, datetime) else value


def official_is_workday(d: date) -> bool | None:
    """``chinese-calendar``'s answer, or ``None`` for a year it has no data for."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


@functools.lru_cache(maxsize=128)
def _cn_holidays(year: int) -> holidays.HolidayBase:
    # One instance per year, queried only for dates of that year, so it is never expanded (mutated) after
    # construction and can be shared between threads.
    return holidays.country_holidays("CN", years=year)


def provisional_is_workday(d: date) -> bool:
    """The fallback rule: weekends and the ``holidays`` package's Chinese public holidays are rest days."""
    return bool(_cn_holidays(d.year).is_working_day(d))


def classify(d: date | datetime, overrides: Mapping[date, bool] | None = None) -> DayInfo:
    """Classify one day: the override table first, then ``chinese-calendar``, then the provisional rule."""
    day = as_date(d)
    if overrides:
        override = overrides.get(day)
        if override is not None:
            return DayInfo(day, bool(override), DaySource.OVERRIDE)
    official = official_is_workday(day)
    if official is not None:
        return DayInfo(day, official, DaySource.OFFICIAL)
    return DayInfo(day, provisional_is_workday(day), DaySource.PROVISIONAL)
