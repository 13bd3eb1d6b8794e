"""The deadline clock: counting convention, working-day and hours deadlines, extensions, time zones."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weizhili.calendar import (
    DEFAULT_CONVENTION,
    DEFAULT_HANDLE_WORKDAYS,
    MAX_EXTENSION_WORKDAYS,
    RETURN_WINDOW_WORKDAYS,
    YELLOW_CARD_WORKDAYS_BEFORE,
    CalendarError,
    Convention,
    Deadline,
    WorkCalendar,
    compute_due,
)

D = dt.date
SH = ZoneInfo("Asia/Shanghai")
END = dt.time(23, 59, 59, 999999)


def at(y, m, d, hh=0, mm=0, tz=None):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


def end_of(y, m, d, tz=None):
    return dt.datetime.combine(D(y, m, d), END, tzinfo=tz)


@pytest.fixture
def cal():
    return WorkCalendar()


# --- convention and policy constants --------------------------------------------------------------------


def test_convention_defaults_are_pinned():
    assert Convention() == Convention(start_day_counts=False, end_of_day=True, hours_roll_to_workday=False)
    assert DEFAULT_CONVENTION == Convention()
    assert WorkCalendar().convention == Convention()
    with pytest.raises(dataclasses.FrozenInstanceError):
        Convention().end_of_day = False  # type: ignore[misc]


def test_policy_constants_match_the_rules():
    assert DEFAULT_HANDLE_WORKDAYS == 5
    assert MAX_EXTENSION_WORKDAYS == 10
    assert RETURN_WINDOW_WORKDAYS == 2
    assert YELLOW_CARD_WORKDAYS_BEFORE == 1


def test_deadline_is_frozen(cal):
    deadline = cal.add_workdays(at(2025, 11, 14, 9), 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        deadline.due = at(2030, 1, 1)  # type: ignore[misc]


# --- working days ---------------------------------------------------------------------------------------


def test_friday_evening_plus_five_workdays(cal):
    # 2025-11-14 is an ordinary Friday: the start day does not count, the weekend does not count.
    assert D(2025, 11, 14).weekday() == 4
    deadline = cal.add_workdays(at(2025, 11, 14, 19, 30), 5)
    assert deadline.due == end_of(2025, 11, 21)
    assert deadline.provisional is False
    assert [i.day for i in deadline.days_consulted][0] == D(2025, 11, 15)
    assert deadline.days_consulted[-1].day == D(2025, 11, 21)


def test_start_time_of_day_does_not_matter(cal):
    assert (
        cal.add_workdays(at(2025, 11, 17, 0, 0), 1).due == cal.add_workdays(at(2025, 11, 17, 23, 59), 1).due
    )
    assert cal.add_workdays(at(2025, 11, 17, 8), 1).due == end_of(2025, 11, 18)


def test_spring_festival_2026_counts_make_up_saturday(cal):
    # Friday 13 Feb before the festival: Saturday 14 Feb is a make-up working day (day 1), then 15-23 off.
    deadline = cal.add_workdays(at(2026, 2, 13, 18), 5)
    assert deadline.due == end_of(2026, 2, 27)
    assert cal.add_workdays(at(2026, 2, 12, 10), 5).due == end_of(2026, 2, 26)
    assert cal.add_workdays(at(2026, 2, 13, 18), 1).due == end_of(2026, 2, 14)


def test_start_on_a_holiday(cal):
    # dispatched on the third day of the Spring Festival: counting starts after the start day, and the
    # fifth working day is Saturday 28 Feb, a make-up working day.
    assert cal.add_workdays(at(2026, 2, 17, 11), 5).due == end_of(2026, 2, 28)
    assert cal.add_workdays(at(2025, 10, 3, 9), 2).due == end_of(2025, 10, 10)


def test_national_day_2025(cal):
    # Friday 26 Sep: Sunday 28 Sep is a make-up working day; 1-8 Oct off.
    assert cal.add_workdays(at(2025, 9, 26, 17), 5).due == end_of(2025, 10, 10)
    # the third working day after 30 Sep is Saturday 11 Oct, a make-up working day
    assert cal.add_workdays(at(2025, 9, 30, 9), 3).due == end_of(2025, 10, 11)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_weekend_workday_is_counted(cal, year):
    # found through chinese-calendar itself, not typed in
    days = chinese_calendar.get_workdays(D(year, 1, 1), D(year, 12, 31))
    weekend = [d for d in days if d.weekday() >= 5]
    assert weekend
    for day in weekend:
        before = day - dt.timedelta(days=1)
        start = cal.previous_workday(day)
        # the weekend workday is the first working day after the previous working day
        assert cal.add_workdays(dt.datetime.combine(start, dt.time(15)), 1).due.date() == day
        assert cal.workdays_between(before, day) == 1


def test_year_boundary_2027_is_provisional_and_honours_new_year(cal):
    # Mon 28 Dec 2026: 29, 30, 31 Dec are official working days; 1 Jan 2027 (New Year's Day, from the
    # holidays package) and the weekend are rest; 4 and 5 Jan are provisional working days.
    deadline = cal.add_workdays(at(2026, 12, 28, 10, tz=SH), 5)
    assert deadline.due == end_of(2027, 1, 5, SH)
    assert deadline.provisional is True
    sources = {i.day: i.source for i in deadline.days_consulted}
    assert sources[D(2026, 12, 31)] == "official"
    assert sources[D(2027, 1, 1)] == "provisional"
    assert not next(i for i in deadline.days_consulted if i.day == D(2027, 1, 1)).workday


def test_override_moves_the_2027_deadline(cal):
    overridden = WorkCalendar({D(2027, 1, 4): False})
    assert overridden.day_source(D(2027, 1, 4)) == "override"
    deadline = overridden.add_workdays(at(2026, 12, 28, 10, tz=SH), 5)
    assert deadline.due == end_of(2027, 1, 6, SH)
    assert deadline.provisional is True  # 1 Jan etc. are still provisional


def test_entering_the_notice_makes_the_deadline_final():
    notice = {D(2027, 1, 1): False, D(2027, 1, 2): False, D(2027, 1, 3): False}
    notice |= {D(2027, 1, d): True for d in range(4, 9)}
    deadline = WorkCalendar(notice).add_workdays(at(2026, 12, 28, 10), 5)
    assert deadline.due == end_of(2027, 1, 5)
    assert deadline.provisional is False
    assert {i.source for i in deadline.days_consulted} == {"official", "override"}


def test_override_of_an_official_day_wins():
    # make Friday 21 Nov 2025 a rest day: five days from Friday 14 Nov now end on Monday 24 Nov
    cal = WorkCalendar({D(2025, 11, 21): False})
    deadline = cal.add_workdays(at(2025, 11, 14, 19), 5)
    assert deadline.due == end_of(2025, 11, 24)
    assert deadline.provisional is False
    # and an official holiday turned into a working day is counted
    cal = WorkCalendar({D(2025, 10, 8): True})
    assert cal.add_workdays(at(2025, 9, 30, 9), 1).due == end_of(2025, 10, 8)


def test_zero_and_negative(cal):
    start = at(2025, 11, 14, 19)
    assert cal.add_workdays(start, 0) == Deadline(due=start)
    with pytest.raises(ValueError):
        cal.add_workdays(start, -1)
    with pytest.raises(ValueError):
        cal.add_hours(start, -2)


def test_restart_from_an_arbitrary_time(cal):
    # re-dispatch: the new unit's clock starts at the re-dispatch time (the caller decides when)
    first = cal.add_workdays(at(2025, 11, 17, 9), 5)
    again = cal.add_workdays(at(2025, 11, 19, 16, 42), 5)
    assert first.due == end_of(2025, 11, 24)
    assert again.due == end_of(2025, 11, 26)
    # restarting on a Sunday counts from Monday
    assert cal.add_workdays(at(2025, 11, 23, 3, 7), 1).due == end_of(2025, 11, 24)


def test_extension_of_ten_workdays(cal):
    deadline = cal.add_workdays(at(2025, 9, 26, 17), 2)
    assert deadline.due == end_of(2025, 9, 29)
    longer = deadline.extend(cal, MAX_EXTENSION_WORKDAYS)
    # 30 Sep, then 9, 10, 11 (Sat, make-up), 13, 14, 15, 16, 17, 20 Oct
    assert longer.due == end_of(2025, 10, 20)
    assert cal.workdays_between(deadline.due.date(), longer.due.date()) == 10
    assert longer.provisional is False
    assert longer.days_consulted[: len(deadline.days_consulted)] == deadline.days_consulted


def test_extension_keeps_provisional(cal):
    deadline = cal.add_workdays(at(2026, 12, 28, 10), 5)  # provisional, in 2027
    assert deadline.provisional
    assert deadline.extend(cal, 1).provisional
    # extending with a calendar that has the notice does not launder the provisional base
    notice = WorkCalendar(
        {D(2027, 1, d): d >= 4 for d in range(1, 12)} | {D(2027, 1, 9): False, D(2027, 1, 10): False}
    )
    extended = deadline.extend(notice, 1)
    assert extended.due == end_of(2027, 1, 6)
    assert not any(i.provisional for i in extended.days_consulted[len(deadline.days_consulted) :])
    assert extended.provisional
    # an official-only deadline extended into 2027 becomes provisional
    plain = cal.add_workdays(at(2026, 12, 21, 10), 5)
    assert plain.due == end_of(2026, 12, 28) and not plain.provisional
    assert plain.extend(cal, 5).provisional


# --- hours ----------------------------------------------------------------------------------------------


def test_hours_across_midnight_run_on_the_clock(cal):
    assert cal.add_hours(at(2025, 11, 14, 23), 2) == Deadline(due=at(2025, 11, 15, 1))
    assert cal.add_hours(at(2025, 11, 14, 23, 30), 24).due == at(2025, 11, 15, 23, 30)


def test_hours_across_a_holiday_run_on_the_clock(cal):
    deadline = cal.add_hours(at(2025, 9, 30, 12), 24)
    assert deadline.due == at(2025, 10, 1, 12)
    assert deadline.provisional is False and deadline.days_consulted == ()


def test_hours_roll_to_workday():
    cal = WorkCalendar(convention=Convention(hours_roll_to_workday=True))
    # lands on Saturday 15 Nov 01:00 -> end of Monday 17 Nov
    assert cal.add_hours(at(2025, 11, 14, 23), 2).due == end_of(2025, 11, 17)
    # lands on National Day -> end of 9 Oct
    deadline = cal.add_hours(at(2025, 9, 30, 12), 24)
    assert deadline.due == end_of(2025, 10, 9)
    assert [i.day for i in deadline.days_consulted][0] == D(2025, 10, 1)
    # lands on a working day (Sunday 28 Sep 2025, make-up) -> unchanged
    assert cal.add_hours(at(2025, 9, 27, 8), 24).due == at(2025, 9, 28, 8)
    # same time of day instead of end of day
    same_time = WorkCalendar(convention=Convention(hours_roll_to_workday=True, end_of_day=False))
    assert same_time.add_hours(at(2025, 9, 30, 12), 24).due == at(2025, 10, 9, 12)


def test_hours_roll_into_2027_is_provisional():
    cal = WorkCalendar(convention=Convention(hours_roll_to_workday=True))
    deadline = cal.add_hours(at(2026, 12, 31, 20), 24)
    assert deadline.due == end_of(2027, 1, 4)
    assert deadline.provisional


def test_hours_keep_elapsed_time_and_tzinfo(cal):
    start = at(2026, 2, 16, 23, 15, tz=SH)
    deadline = cal.add_hours(start, 2)
    assert deadline.due == at(2026, 2, 17, 1, 15, tz=SH)
    assert deadline.due.tzinfo is SH
    assert deadline.due - start == dt.timedelta(hours=2)
    # elapsed time, not wall time, where the zone has DST
    ny = ZoneInfo("America/New_York")
    before_change = at(2025, 3, 8, 12, tz=ny)
    assert cal.add_hours(before_change, 24).due == at(2025, 3, 9, 13, tz=ny)


# --- other conventions ----------------------------------------------------------------------------------


def test_start_day_counts():
    cal = WorkCalendar(convention=Convention(start_day_counts=True))
    assert cal.add_workdays(at(2025, 11, 17, 9), 1).due == end_of(2025, 11, 17)
    assert cal.add_workdays(at(2025, 11, 17, 9), 5).due == end_of(2025, 11, 21)
    # a start on a rest day cannot count
    assert cal.add_workdays(at(2025, 11, 15, 9), 1).due == end_of(2025, 11, 17)


def test_not_end_of_day():
    cal = WorkCalendar(convention=Convention(end_of_day=False))
    assert cal.add_workdays(at(2025, 11, 14, 19, 30, tz=SH), 5).due == at(2025, 11, 21, 19, 30, tz=SH)


def test_compute_due_is_the_one_function(cal):
    start = at(2025, 11, 14, 19)
    assert compute_due(cal, start, 5, "workdays") == cal.add_workdays(start, 5)
    assert compute_due(cal, start, 2, "hours") == cal.add_hours(start, 2)
    other = Convention(end_of_day=False)
    assert compute_due(cal, start, 5, "workdays", other).due == at(2025, 11, 21, 19)
    with pytest.raises(ValueError):
        compute_due(cal, start, 5, "weeks")


# --- navigation -----------------------------------------------------------------------------------------


def test_next_previous_shift(cal):
    assert cal.next_workday(D(2025, 9, 30)) == D(2025, 10, 9)
    assert cal.first_workday_after(D(2025, 9, 30)) == D(2025, 10, 9)
    assert cal.next_workday(D(2025, 9, 26)) == D(2025, 9, 28)  # make-up Sunday
    assert cal.next_workday(D(2025, 11, 17)) == D(2025, 11, 18)  # strictly after
    assert cal.previous_workday(D(2025, 10, 9)) == D(2025, 9, 30)
    assert cal.shift_to_workday(D(2025, 10, 3)) == D(2025, 10, 9)
    assert cal.shift_to_workday(D(2025, 10, 9)) == D(2025, 10, 9)
    assert cal.shift_to_workday(D(2026, 12, 31)) == D(2026, 12, 31)
    assert cal.next_workday(D(2026, 12, 31)) == D(2027, 1, 4)


def test_walk(cal):
    walk = cal.walk(D(2026, 12, 30), 2)
    assert walk.day == D(2027, 1, 4)
    assert walk.provisional
    assert cal.walk(D(2025, 11, 17), 0).day == D(2025, 11, 17)
    assert cal.walk(D(2025, 11, 17), 0).days == ()
    assert cal.walk(D(2025, 11, 17), -3).day == D(2025, 11, 12)


def test_broken_override_table_raises_instead_of_looping():
    every_day = {D(2030, 1, 1) + dt.timedelta(days=i): False for i in range(800)}
    with pytest.raises(CalendarError):
        WorkCalendar(every_day).next_workday(D(2030, 1, 1))


def test_workdays_between(cal):
    assert cal.workdays_between(D(2025, 11, 17), D(2025, 11, 17)) == 0
    assert cal.workdays_between(D(2025, 11, 14), D(2025, 11, 17)) == 1  # Fri -> Mon
    assert cal.workdays_between(D(2025, 11, 15), D(2025, 11, 16)) == 0  # inside a weekend
    assert cal.workdays_between(D(2025, 9, 30), D(2025, 10, 8)) == 0  # inside National Day
    assert cal.workdays_between(D(2025, 9, 26), D(2025, 10, 11)) == 6
    assert cal.workdays_between(D(2025, 10, 11), D(2025, 9, 26)) == -6
    assert cal.workdays_between(D(2026, 12, 28), D(2027, 1, 5)) == 5
    assert cal.workdays_between(at(2025, 11, 14, 23), at(2025, 11, 17, 1)) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (D(2025, 11, 14), D(2025, 11, 21)),
        (D(2026, 2, 13), D(2026, 3, 2)),
        (D(2025, 9, 27), D(2025, 9, 28)),
        (D(2026, 12, 24), D(2027, 1, 11)),
    ],
)
def test_workdays_between_is_antisymmetric(cal, a, b):
    assert cal.workdays_between(a, b) == -cal.workdays_between(b, a)
    assert cal.workdays_between(a, b) > 0


# --- time zones -----------------------------------------------------------------------------------------


def test_aware_datetimes_keep_their_tzinfo(cal):
    deadline = cal.add_workdays(at(2026, 2, 13, 18, tz=SH), 5)
    assert deadline.due == end_of(2026, 2, 27, SH)
    assert deadline.due.tzinfo is SH
    assert deadline.extend(cal, 1).due.tzinfo is SH
    assert deadline.extend(cal, 1).due == end_of(2026, 2, 28, SH)  # make-up Saturday


def test_naive_stays_naive(cal):
    assert cal.add_workdays(at(2026, 2, 13, 18), 5).due.tzinfo is None


def test_start_day_is_taken_in_the_starts_own_zone(cal):
    # 2025-11-16 20:00 UTC is Monday 04:00 in Shanghai: convert to local time first
    utc = dt.datetime(2025, 11, 16, 20, tzinfo=dt.UTC)
    assert cal.add_workdays(utc, 1).due == end_of(2025, 11, 17, dt.UTC)
    assert cal.add_workdays(utc.astimezone(SH), 1).due == end_of(2025, 11, 18, SH)


# --- properties -----------------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=dt.datetime(2004, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.sampled_from([None, SH]),
)
PROPERTY_CAL = WorkCalendar({D(2027, 1, 4): False, D(2025, 10, 8): True})


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(min_value=1, max_value=30))
def test_property_due_day_is_a_workday_and_counts_n(start, n):
    deadline = PROPERTY_CAL.add_workdays(start, n)
    assert PROPERTY_CAL.is_workday(deadline.due.date())
    assert PROPERTY_CAL.workdays_between(start.date(), deadline.due.date()) == n
    assert deadline.due > start
    assert deadline.due.tzinfo is start.tzinfo
    assert deadline.due.time() == END
    assert deadline.provisional == any(i.source == "provisional" for i in deadline.days_consulted)


@settings(max_examples=200, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=25))
def test_property_strictly_increasing_in_n(start, n):
    assert PROPERTY_CAL.add_workdays(start, n).due < PROPERTY_CAL.add_workdays(start, n + 1).due


@settings(max_examples=200, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=10), m=st.integers(min_value=0, max_value=10))
def test_property_extension_adds_up(start, n, m):
    deadline = PROPERTY_CAL.add_workdays(start, n + 1)
    assert deadline.extend(PROPERTY_CAL, m).due == PROPERTY_CAL.add_workdays(start, n + 1 + m).due


@settings(max_examples=200, deadline=None)
@given(
    a=st.dates(min_value=D(2024, 6, 1), max_value=D(2027, 6, 30)),
    b=st.dates(min_value=D(2024, 6, 1), max_value=D(2027, 6, 30)),
)
def test_property_workdays_between_antisymmetric_and_additive(a, b):
    ab = PROPERTY_CAL.workdays_between(a, b)
    assert ab == -PROPERTY_CAL.workdays_between(b, a)
    mid = min(a, b) + (max(a, b) - min(a, b)) / 2
    assert ab == PROPERTY_CAL.workdays_between(a, mid) + PROPERTY_CAL.workdays_between(mid, b)
