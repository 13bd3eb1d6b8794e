"""Yellow and red cards, at their exact boundaries, as storable timestamps."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weizhili.calendar import Card, WorkCalendar, card_state, card_times, red_card_at, yellow_card_at

D = dt.date
SH = ZoneInfo("Asia/Shanghai")
US = dt.timedelta(microseconds=1)


def at(y, m, d, hh=0, mm=0, tz=SH):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


def end_of(y, m, d, tz=SH):
    return dt.datetime.combine(D(y, m, d), dt.time.max, tzinfo=tz)


@pytest.fixture
def cal():
    return WorkCalendar()


def test_card_values_are_plain_strings():
    assert [c.value for c in Card] == ["none", "yellow", "red"]
    assert Card.RED == "red"


def test_ordinary_week(cal):
    due = end_of(2025, 11, 21)  # Friday
    assert yellow_card_at(cal, due) == at(2025, 11, 20)  # Thursday 00:00
    assert red_card_at(cal, due) == at(2025, 11, 24)  # Monday 00:00
    assert yellow_card_at(cal, due).tzinfo is SH


def test_exact_boundaries(cal):
    due = end_of(2025, 11, 21)
    yellow, red = at(2025, 11, 20), at(2025, 11, 24)
    assert card_state(cal, due, yellow - US) == "none"
    assert card_state(cal, due, yellow) == "yellow"
    assert card_state(cal, due, due) == "yellow"
    assert card_state(cal, due, due + US) == "yellow"  # overdue over the weekend, not yet red
    assert card_state(cal, due, red - US) == "yellow"
    assert card_state(cal, due, red) == "red"
    assert card_state(cal, due, red + US) == "red"
    assert card_state(cal, due, at(2026, 6, 1)) == "red"
    assert card_state(cal, due, at(2025, 11, 1)) == "none"


def test_red_card_on_a_make_up_saturday(cal):
    # due at the end of Friday 10 Oct 2025; Saturday 11 Oct is a make-up working day
    due = end_of(2025, 10, 10)
    assert red_card_at(cal, due) == at(2025, 10, 11)
    assert card_state(cal, due, at(2025, 10, 11) - US) == "yellow"
    assert card_state(cal, due, at(2025, 10, 11)) == "red"


def test_holiday_between_due_and_red(cal):
    due = end_of(2025, 9, 30)
    assert yellow_card_at(cal, due) == at(2025, 9, 29)
    assert red_card_at(cal, due) == at(2025, 10, 9)
    assert card_state(cal, due, at(2025, 10, 5, 12)) == "yellow"
    assert card_state(cal, due, at(2025, 10, 9) - US) == "yellow"
    assert card_state(cal, due, at(2025, 10, 9)) == "red"


def test_yellow_on_a_make_up_sunday(cal):
    # due at the end of Monday 29 Sep 2025: the working day before is Sunday 28 Sep (make-up)
    due = end_of(2025, 9, 29)
    assert yellow_card_at(cal, due) == at(2025, 9, 28)
    assert card_state(cal, due, at(2025, 9, 28) - US) == "none"
    assert card_state(cal, due, at(2025, 9, 28)) == "yellow"


def test_yellow_after_spring_festival(cal):
    # due at the end of Tuesday 24 Feb 2026: the previous working day is Saturday 14 Feb
    due = end_of(2026, 2, 24)
    assert yellow_card_at(cal, due) == at(2026, 2, 14)
    assert card_state(cal, due, at(2026, 2, 20, 10)) == "yellow"


def test_due_before_midnight(cal):
    # an hours deadline at Monday 10:00: overdue from 10:00, red from Tuesday 00:00
    due = at(2025, 11, 17, 10)
    assert card_state(cal, due, due + US) == "yellow"
    assert red_card_at(cal, due) == at(2025, 11, 18)
    assert card_state(cal, due, at(2025, 11, 18)) == "red"
    # a short deadline is yellow from the previous working day on
    assert yellow_card_at(cal, due) == at(2025, 11, 14)


def test_other_timezone_now_compares_instants(cal):
    due = end_of(2025, 11, 21)
    red_in_utc = at(2025, 11, 24).astimezone(dt.UTC)
    assert red_in_utc.date() == D(2025, 11, 23)
    assert card_state(cal, due, red_in_utc - US) == "yellow"
    assert card_state(cal, due, red_in_utc) == "red"


def test_naive(cal):
    due = end_of(2025, 11, 21, tz=None)
    assert red_card_at(cal, due) == dt.datetime(2025, 11, 24)
    assert card_state(cal, due, dt.datetime(2025, 11, 20)) == "yellow"


def test_card_times_from_a_deadline(cal):
    deadline = cal.add_workdays(at(2025, 11, 14, 19), 5)
    times = card_times(cal, deadline)
    assert (times.due_at, times.yellow_at, times.red_at) == (
        end_of(2025, 11, 21),
        at(2025, 11, 20),
        at(2025, 11, 24),
    )
    assert times.provisional is False
    assert times.state(at(2025, 11, 20)) == card_state(cal, deadline, at(2025, 11, 20)) == "yellow"


def test_card_times_provisional_across_the_year_end(cal):
    # the deadline itself is official, but the red day lies in 2027
    deadline = cal.add_workdays(at(2026, 12, 24, 10), 5)
    assert deadline.due == end_of(2026, 12, 31)
    assert deadline.provisional is False
    times = card_times(cal, deadline)
    assert times.red_at == at(2027, 1, 4)
    assert times.provisional is True
    # an entered notice removes the doubt
    notice = WorkCalendar(
        {D(2027, 1, 1): False, D(2027, 1, 2): False, D(2027, 1, 3): False, D(2027, 1, 4): True}
    )
    assert card_times(notice, deadline).provisional is False
    # a provisional deadline gives provisional card times
    later = cal.add_workdays(at(2026, 12, 28, 10), 5)
    assert card_times(WorkCalendar(), later).provisional is True


def test_workdays_before_is_configurable(cal):
    due = end_of(2025, 11, 21)
    assert yellow_card_at(cal, due, workdays_before=2) == at(2025, 11, 19)
    assert yellow_card_at(cal, due, workdays_before=0) == at(2025, 11, 21)
    with pytest.raises(ValueError):
        yellow_card_at(cal, due, workdays_before=-1)


PROPERTY_CAL = WorkCalendar()


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2028, 12, 31)),
    n=st.integers(min_value=1, max_value=20),
    offset=st.timedeltas(min_value=dt.timedelta(days=-20), max_value=dt.timedelta(days=20)),
)
def test_property_cards_are_ordered_and_agree_with_sql_comparisons(start, n, offset):
    deadline = PROPERTY_CAL.add_workdays(start, n)
    times = card_times(PROPERTY_CAL, deadline)
    assert times.yellow_at < times.due_at < times.red_at
    assert PROPERTY_CAL.is_workday(times.yellow_at.date())
    assert PROPERTY_CAL.is_workday(times.red_at.date())
    now = deadline.due + offset
    state = card_state(PROPERTY_CAL, deadline, now)
    sql = "red" if times.red_at <= now else "yellow" if times.yellow_at <= now else "none"
    assert state == sql
    if now > deadline.due:
        assert state != "none"
