"""Yellow and red cards (黄牌/红牌) as timestamps, so that a sweep can be pure SQL.

The rules: a yellow card fires 1 working day before the deadline, a red card on the first working day after.
Precisely, for a deadline ``due`` (day boundaries in ``due``'s own tzinfo):

- ``yellow_at`` = 00:00 of the working day that is ``YELLOW_CARD_WORKDAYS_BEFORE`` (1) working day(s) before
  the due day. For a due at the end of Friday that is Thursday 00:00.
- ``red_at`` = 00:00 of the first working day after the due day. For a due at the end of Friday before a
  plain weekend that is Monday 00:00; before a make-up Saturday (调休), Saturday 00:00.
- Always ``yellow_at < due < red_at``. Between ``due`` and ``red_at`` (a weekend, a holiday, or the rest of
  the due day for a due before midnight) the case is overdue but the card stays yellow: still three states,
  and "overdue" is simply ``now > due``.

``card_state`` compares ``now`` with exactly those stored instants, so Python and SQL always agree::

    -- the sweep, one statement per colour, no Python per row
    UPDATE cases_case SET card = 'red'    WHERE closed_at IS NULL AND card <> 'red' AND red_at <= :now;
    UPDATE cases_case SET card = 'yellow' WHERE closed_at IS NULL AND card = 'none' AND yellow_at <= :now;
    -- overdue / backlog:                      WHERE closed_at IS NULL AND due_at < :now

Store ``CardTimes.provisional`` with the row: the card times of a deadline near a year end can depend on
provisional days too, and must be recomputed with the deadline when the State Council's notice is entered.

For natural-hours deadlines shorter than a working day, ``yellow_at`` lies before the dispatch, so the card is
yellow from the start; that is intended (an urgent case is always close to its deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .clock import YELLOW_CARD_WORKDAYS_BEFORE, Deadline, WorkCalendar, start_of_day

__all__ = ["Card", "CardTimes", "card_state", "card_times", "red_card_at", "yellow_card_at"]


class Card(StrEnum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class CardTimes:
    """The three instants to store with a case: ``due_at``, ``yellow_at`` and ``red_at``."""

    due_at: datetime
    yellow_at: datetime
    red_at: datetime
    provisional: bool = False

    def state(self, now: datetime) -> Card:
        """The card at ``now``; the same comparisons the SQL sweep makes."""
        if now >= self.red_at:
            return Card.RED
        if now >= self.yellow_at:
            return Card.YELLOW
        return Card.NONE


def _due(due: datetime | Deadline) -> datetime:
    return due.due if isinstance(due, Deadline) else due


def card_times(
    calendar: WorkCalendar,
    due: datetime | Deadline,
    *,
    workdays_before: int = YELLOW_CARD_WORKDAYS_BEFORE,
) -> CardTimes:
    """Compute the card instants of a deadline (see the module docstring for the rules).

    ``provisional`` is True if the deadline was provisional (when a ``Deadline`` is passed) or if finding the
    yellow or red day consulted a provisional day.
    """
    if workdays_before < 0:
        raise ValueError("workdays_before cannot be negative")
    due_at = _due(due)
    tz = due_at.tzinfo
    yellow = calendar.walk(due_at, -workdays_before)
    red = calendar.walk(due_at, 1)
    provisional = yellow.provisional or red.provisional or (isinstance(due, Deadline) and due.provisional)
    return CardTimes(
        due_at=due_at,
        yellow_at=start_of_day(yellow.day, tz),
        red_at=start_of_day(red.day, tz),
        provisional=provisional,
    )


def yellow_card_at(
    calendar: WorkCalendar,
    due: datetime | Deadline,
    *,
    workdays_before: int = YELLOW_CARD_WORKDAYS_BEFORE,
) -> datetime:
    """00:00 (in ``due``'s tzinfo) of the working day ``workdays_before`` working days before the due day."""
    return card_times(calendar, due, workdays_before=workdays_before).yellow_at


def red_card_at(calendar: WorkCalendar, due: datetime | Deadline) -> datetime:
    """00:00 (in ``due``'s tzinfo) of the first working day after the due day."""
    return card_times(calendar, due).red_at


def card_state(calendar: WorkCalendar, due: datetime | Deadline, now: datetime) -> Card:
    """``"none"``, ``"yellow"`` or ``"red"`` at ``now``.

    Yellow from 00:00 of the working day before the due day; red from 00:00 of the first working day after
    the due day. Past ``due`` but before that red instant (over a weekend or a holiday) the card is still
    yellow: overdue is ``now > due`` and is not a card state. Instants are compared, so ``now`` may be in any
    timezone (aware with aware, naive with naive).
    """
    return card_times(calendar, due).state(now)
