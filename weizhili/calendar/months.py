"""Month arithmetic, written once for the whole platform (python-dateutil's relativedelta, no Django)."""
from datetime import date

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # no stubs in the lock


def month_first(day: date) -> date:
    """The first day of the month of `day`."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (negative: before) the month of `day`."""
    shifted: date = month_first(day) + relativedelta(months=months)  # relativedelta is untyped: say what it gives
    return shifted


def month_range(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s, both included."""
    out, month, last = [], month_first(first), month_first(last)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def days_in_month(year: int, month: int) -> int:
    first = date(year, month, 1)
    return (add_months(first, 1) - first).days
