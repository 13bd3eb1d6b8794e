"""Month arithmetic (weizhili/calendar/months.py): pure, so it is tested beside the rest of the calendar."""
from datetime import date

import pytest

from weizhili.calendar.months import add_months, days_in_month, month_first, month_range


@pytest.mark.parametrize(("day", "expected"), [
    (date(2024, 2, 29), date(2024, 2, 1)),
    (date(2024, 2, 1), date(2024, 2, 1)),
    (date(2023, 12, 31), date(2023, 12, 1)),
])
def test_month_first(day, expected):
    assert month_first(day) == expected


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2024, 1, 31), 1, date(2024, 2, 1)),  # from the 31st: the 1st of next month, never a clipped 29th
    (date(2024, 12, 15), 1, date(2025, 1, 1)),
    (date(2024, 1, 1), -1, date(2023, 12, 1)),
    (date(2024, 3, 1), -14, date(2023, 1, 1)),
    (date(2021, 5, 9), 0, date(2021, 5, 1)),
    (date(2021, 5, 9), 2, date(2021, 7, 1)),  # 2, not 1 nor 3: the count itself is used
    (date(2021, 5, 9), 36, date(2024, 5, 1)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_month_range_includes_both_ends_and_only_firsts():
    assert month_range(date(2023, 11, 20), date(2024, 2, 3)) == [
        date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]
    # the same month at both ends: one month (the last one is included, `<=` not `<`)
    assert month_range(date(2024, 5, 31), date(2024, 5, 1)) == [date(2024, 5, 1)]
    # `last` earlier in its month than `first`: still included, the comparison is by month
    assert month_range(date(2024, 4, 30), date(2024, 5, 2)) == [date(2024, 4, 1), date(2024, 5, 1)]


def test_month_range_empty_when_backwards():
    assert month_range(date(2024, 2, 1), date(2024, 1, 1)) == []


@pytest.mark.parametrize(("year", "month", "days"), [
    (2024, 2, 29), (2023, 2, 28), (2023, 12, 31), (2024, 4, 30), (2024, 1, 31), (2000, 2, 29), (1900, 2, 28),
])
def test_days_in_month(year, month, days):
    assert days_in_month(year, month) == days
