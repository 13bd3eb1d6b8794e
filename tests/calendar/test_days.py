"""Day classification: the three layers of day data and their sources."""

import datetime as dt

import chinese_calendar
import holidays
import pytest

from weizhili.calendar import DaySource, WorkCalendar, classify, official_is_workday, provisional_is_workday

D = dt.date


def weekend_workdays(year):
    """Make-up working days (调休) on a Saturday or Sunday, as chinese-calendar itself lists them."""
    days = chinese_calendar.get_workdays(D(year, 1, 1), D(year, 12, 31), include_weekends=True)
    return [d for d in days if d.weekday() >= 5]


def test_chinese_calendar_still_refuses_2027():
    # The premise of the provisional layer; if this starts failing, chinese-calendar learnt 2027 and the
    # year-boundary tests below should move to the next uncovered year.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))
    assert official_is_workday(D(2027, 1, 4)) is None


def test_holidays_package_lists_new_year_2027_for_china():
    cn = holidays.country_holidays("CN", years=2027)
    assert D(2027, 1, 1) in cn
    assert provisional_is_workday(D(2027, 1, 1)) is False


@pytest.mark.parametrize("year", [2025, 2026])
def test_weekend_workdays_are_official_working_days(year):
    found = weekend_workdays(year)
    assert len(found) >= 4
    cal = WorkCalendar()
    for day in found:
        assert cal.is_workday(day), day
        assert cal.day_source(day) == "official"


def test_known_make_up_days():
    cal = WorkCalendar()
    assert D(2025, 9, 28).weekday() == 6 and cal.is_workday(D(2025, 9, 28))  # Sunday before National Day
    assert D(2025, 10, 11).weekday() == 5 and cal.is_workday(D(2025, 10, 11))
    assert D(2026, 2, 14).weekday() == 5 and cal.is_workday(D(2026, 2, 14))  # Saturday, Spring Festival
    assert D(2026, 2, 28).weekday() == 5 and cal.is_workday(D(2026, 2, 28))


def test_spring_festival_2026_is_rest():
    cal = WorkCalendar()
    rest = [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]  # 15 .. 23 February
    assert not any(cal.is_workday(d) for d in rest)
    assert rest[1].weekday() == 0  # a Monday off
    assert cal.is_workday(D(2026, 2, 24))


def test_national_day_2025_is_rest():
    cal = WorkCalendar()
    assert not any(cal.is_workday(D(2025, 10, d)) for d in range(1, 9))
    assert cal.is_workday(D(2025, 10, 9))


def test_sources_in_order():
    overrides = {D(2026, 3, 2): False, D(2027, 1, 4): False, D(2027, 1, 9): True}
    cal = WorkCalendar(overrides)
    assert cal.day_source(D(2026, 3, 3)) == DaySource.OFFICIAL == "official"
    assert cal.day_source(D(2027, 1, 5)) == "provisional"
    # an override wins over the official calendar
    assert D(2026, 3, 2).weekday() == 0 and WorkCalendar().is_workday(D(2026, 3, 2))
    assert cal.day_source(D(2026, 3, 2)) == "override"
    assert cal.is_workday(D(2026, 3, 2)) is False
    # and over the provisional rule, both ways
    assert cal.day_source(D(2027, 1, 4)) == "override" and not cal.is_workday(D(2027, 1, 4))
    assert D(2027, 1, 9).weekday() == 5
    assert cal.day_source(D(2027, 1, 9)) == "override" and cal.is_workday(D(2027, 1, 9))


def test_override_can_make_an_official_holiday_a_working_day():
    cal = WorkCalendar({D(2025, 10, 8): True})
    assert cal.is_workday(D(2025, 10, 8))
    assert cal.day(D(2025, 10, 8)).source == "override"


def test_overrides_are_copied_and_accept_datetimes():
    table = {dt.datetime(2026, 3, 2, 9, 0): 0}
    cal = WorkCalendar(table)
    table[dt.datetime(2026, 3, 3)] = False
    assert cal.is_workday(D(2026, 3, 2)) is False
    assert cal.is_workday(D(2026, 3, 3)) is True
    with pytest.raises(TypeError):
        cal.overrides[D(2026, 3, 4)] = False  # type: ignore[index]


def test_datetime_argument_is_its_date():
    cal = WorkCalendar()
    assert cal.is_workday(dt.datetime(2025, 10, 1, 12, 0)) is False
    assert cal.day(dt.datetime(2025, 10, 9, 23, 59)).day == D(2025, 10, 9)


@pytest.mark.parametrize("year", [1949, 1990, 2003, 2027, 2030, 2100])
def test_never_crashes_on_a_year_without_data(year):
    cal = WorkCalendar()
    days = [D(year, 1, 1) + dt.timedelta(days=i) for i in range(0, 366, 7)]
    infos = [cal.day(d) for d in days]
    assert {i.source for i in infos} == {DaySource.PROVISIONAL}
    assert all(i.provisional for i in infos)


def test_provisional_rule_weekends_and_public_holidays():
    assert provisional_is_workday(D(2027, 1, 2)) is False  # Saturday
    assert provisional_is_workday(D(2027, 1, 3)) is False  # Sunday
    assert provisional_is_workday(D(2027, 1, 4)) is True  # Monday
    assert provisional_is_workday(D(2027, 10, 1)) is False  # National Day, a Friday
    assert provisional_is_workday(D(2027, 10, 4)) is False  # observed day the package lists


def test_provisional_rule_agrees_with_the_notice_for_2026():
    # holidays also lists 2026's substituted days off and make-up working days, so the fallback agrees with
    # the official calendar for that year; a sanity check of how we read the holidays package.
    start = D(2026, 1, 1)
    for i in range(365):
        d = start + dt.timedelta(days=i)
        assert provisional_is_workday(d) == chinese_calendar.is_workday(d), d


def test_classify_without_calendar():
    info = classify(D(2025, 10, 1))
    assert (info.day, info.workday, info.source, info.provisional) == (
        D(2025, 10, 1),
        False,
        "official",
        False,
    )
