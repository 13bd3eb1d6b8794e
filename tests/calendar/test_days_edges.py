"""Day classification edges found by mutation testing (bench/bench_mutation.py, calendar/days)."""
import datetime as dt

from weizhili.calendar.days import DayInfo, DaySource, _cn_holidays, classify, provisional_is_workday

D = dt.date


def test_an_override_names_its_day():
    # a datetime is classified as its date, and the override's DayInfo carries that date like the other sources
    info = classify(dt.datetime(2025, 10, 1, 9, 30), {D(2025, 10, 1): True})
    assert info == DayInfo(D(2025, 10, 1), True, DaySource.OVERRIDE)


def test_the_provisional_rule_keeps_one_holiday_table_per_year():
    # The tables are shared between threads, which is safe only because each is built for its own year and never
    # expanded afterwards: a table built without a year would grow on every query of a new year.
    _cn_holidays.cache_clear()
    assert provisional_is_workday(D(2031, 5, 1)) is False  # Labour Day
    assert provisional_is_workday(D(2032, 3, 1)) is True  # a Monday
    assert _cn_holidays.cache_info().currsize == 2
    hits = _cn_holidays.cache_info().hits
    assert _cn_holidays(2031).years == {2031} and _cn_holidays(2032).years == {2032}
    assert _cn_holidays.cache_info().hits == hits + 2  # the very tables the rule used
