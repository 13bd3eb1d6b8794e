"""Edges of the deadline clock found by mutation testing (bench/bench_mutation.py)."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from weizhili.calendar import CalendarError, Convention, WorkCalendar, card_times, compute_due
from weizhili.calendar.clock import _MAX_REST_RUN

TZ = ZoneInfo("Asia/Shanghai")
ROLL = Convention(hours_roll_to_workday=True)


def test_negative_periods_are_refused_with_the_reason():
    calendar = WorkCalendar()
    with pytest.raises(ValueError, match="a period cannot be negative: -1 workdays"):
        compute_due(calendar, datetime(2026, 3, 2, 9, tzinfo=TZ), -1, "workdays")
    with pytest.raises(ValueError, match="^workdays_before cannot be negative$"):
        card_times(calendar, datetime(2026, 3, 6, 18, tzinfo=TZ), workdays_before=-1)


def test_an_hours_deadline_landing_on_a_provisional_working_day_says_so():
    # 2030 is beyond the official calendar: the Monday it lands on is a provisional working day
    start = datetime(2030, 3, 4, 9, tzinfo=TZ)
    due = compute_due(WorkCalendar(), start, 2, "hours", ROLL)
    assert due.due == start + timedelta(hours=2)
    assert due.provisional is True
    assert [info.day for info in due.days_consulted] == [date(2030, 3, 4)]


def test_a_rolled_hours_deadline_keeps_the_start_s_time_zone():
    start = datetime(2026, 3, 6, 20, tzinfo=TZ)  # Friday evening + 24 h lands on Saturday
    due = compute_due(WorkCalendar(), start, 24, "hours", ROLL)
    assert due.due == datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=TZ)
    assert due.due.tzinfo is TZ


def test_the_longest_run_of_rest_days_allowed_is_exact():
    first = date(2026, 1, 1)
    rest = {first + timedelta(days=i): False for i in range(_MAX_REST_RUN - 1)}
    after = first + timedelta(days=_MAX_REST_RUN - 1)
    calendar = WorkCalendar({**rest, after: True})
    assert calendar.next_workday(first - timedelta(days=1)) == after  # 399 rest days, then work: fine
    blocked = WorkCalendar({**rest, after: False})
    with pytest.raises(CalendarError):
        blocked.next_workday(first - timedelta(days=1))
