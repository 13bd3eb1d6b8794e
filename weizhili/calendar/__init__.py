"""The deadline clock: pure Python, imports no Django.

Layers of day data (override table, ``chinese-calendar``, provisional rule) are in ``days``; the counting
convention, ``WorkCalendar`` and ``Deadline`` in ``clock``; yellow and red cards as storable timestamps in
``cards``.
"""

from .cards import Card, CardTimes, card_state, card_times, red_card_at, yellow_card_at
from .clock import (
    DEFAULT_CONVENTION,
    DEFAULT_HANDLE_WORKDAYS,
    MAX_EXTENSION_WORKDAYS,
    RETURN_WINDOW_WORKDAYS,
    YELLOW_CARD_WORKDAYS_BEFORE,
    CalendarError,
    Convention,
    Deadline,
    Unit,
    Walk,
    WorkCalendar,
    compute_due,
    end_of_day,
    start_of_day,
)
from .days import DayInfo, DaySource, classify, official_is_workday, provisional_is_workday

__all__ = [
    "DEFAULT_CONVENTION",
    "DEFAULT_HANDLE_WORKDAYS",
    "MAX_EXTENSION_WORKDAYS",
    "RETURN_WINDOW_WORKDAYS",
    "YELLOW_CARD_WORKDAYS_BEFORE",
    "CalendarError",
    "Card",
    "CardTimes",
    "Convention",
    "DayInfo",
    "DaySource",
    "Deadline",
    "Unit",
    "Walk",
    "WorkCalendar",
    "card_state",
    "card_times",
    "classify",
    "compute_due",
    "end_of_day",
    "official_is_workday",
    "provisional_is_workday",
    "red_card_at",
    "start_of_day",
    "yellow_card_at",
]
