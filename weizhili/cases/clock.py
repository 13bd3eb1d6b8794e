"""The street's working-day clock: the framework-free calendar fed with the street's override table."""
from datetime import date, datetime, timedelta

from django.utils import timezone

from weizhili.calendar import (
    Deadline,
    WorkCalendar,
    official_is_workday,
    provisional_is_workday,
    red_card_at,
    yellow_card_at,
)

from .models import CalendarOverride, Category, DeadlineUnit, StreetPolicy


class StreetCalendar(WorkCalendar):
    """The clock counts days in local time (Asia/Shanghai): a start given in UTC is converted first, or a
    case raised at 07:00 in Jinan would count from the day before."""

    def add_workdays(self, start: datetime, n: int) -> Deadline:
        return super().add_workdays(timezone.localtime(start), n)

    def add_hours(self, start: datetime, hours: int) -> Deadline:
        return super().add_hours(timezone.localtime(start), hours)


def street_calendar(street) -> StreetCalendar:
    overrides = dict(CalendarOverride.objects.filter(street=street).values_list("day", "is_workday"))
    return StreetCalendar(overrides=_with_notice_years(overrides))


def _with_notice_years(overrides: dict) -> dict:
    """A year the holiday package does not know but the street's table has rows for is a year whose notice
    was entered (its holidays and make-up working days, entered together): its unlisted days follow the
    weekend-and-public-holiday rule as settled days, no longer provisional, so deadlines counted on them can
    be settled (`services.deadlines_recompute_provisional`)."""
    filled = dict(overrides)
    for year in {d.year for d in overrides}:
        if official_is_workday(date(year, 1, 1)) is not None:
            continue
        day = date(year, 1, 1)
        while day.year == year:
            filled.setdefault(day, provisional_is_workday(day))
            day += timedelta(days=1)
    return filled


def street_policy(street) -> StreetPolicy:
    policy, _created = StreetPolicy.objects.get_or_create(street=street)
    return policy


def category_deadline(calendar: WorkCalendar, category: Category, start: datetime):
    if category.deadline_unit == DeadlineUnit.HOURS:
        return calendar.add_hours(start, category.deadline_value)
    return calendar.add_workdays(start, category.deadline_value)


def card_times(calendar: WorkCalendar, due: datetime) -> tuple[datetime, datetime]:
    """When the yellow and the red card fire for a deadline."""
    return yellow_card_at(calendar, due), red_card_at(calendar, due)


def round_clock(calendar: WorkCalendar, category: Category, start: datetime) -> dict:
    """The fields of a handling round's clock, stored so that the sweep can compare timestamps in SQL."""
    deadline = category_deadline(calendar, category, start)
    yellow, red = card_times(calendar, deadline.due)
    return {"due_at": deadline.due, "yellow_at": yellow, "red_at": red, "deadline_provisional": deadline.provisional}
