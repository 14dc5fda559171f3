"""Ticket numbers ``TKT-<year>-<6 digits>``, handed out in order by one sequence per year.

The sequence is an aggregate: allocating numbers records an event, saved in the same
transaction as the tickets that use them, so two writers can never take the same number
(the second save conflicts and retries with the next one).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput
from domain.ids import natural_id

_NUMBER = re.compile(r"^TKT-(\d{4})-(\d{6})$")
MAX_PER_YEAR = 999_999


def format_number(year: int, serial: int) -> str:
    """``format_number(2026, 42)`` → ``TKT-2026-000042``."""
    return f"TKT-{year:04d}-{serial:06d}"


def check_number(value: str, field: str = "number") -> str:
    """Refuse anything that is not a well-formed ticket number (upper-casing the prefix)."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _NUMBER.match(text):
        raise InvalidInput.field(field, f"{value!r} is not a ticket number like TKT-2026-000042")
    return text


class Allocated(Aggregate.Event):
    """Serials ``first`` .. ``first + count - 1`` were taken."""

    first: int
    count: int

    def apply(self, aggregate: Any) -> None:
        aggregate.last = self.first + self.count - 1


class SequenceStarted(Aggregate.Created):
    """The numbering of a new year began."""

    year: int

    def apply(self, aggregate: Any) -> None:
        aggregate.year = self.year
        aggregate.last = 0


class SequenceState:
    """Attributes of a sequence."""

    year: int
    last: int


class TicketNumberSequence(SequenceState, Aggregate):
    """The numbers already handed out in one year."""

    @staticmethod
    def create_id(year: int) -> UUID:
        """One sequence per year."""
        return natural_id("ticket-number-sequence", str(year))

    @classmethod
    def start(cls, year: int, at: datetime | None = None) -> TicketNumberSequence:
        """Begin numbering ``year``."""
        return cls._create(SequenceStarted, year=year, timestamp=at)

    def allocate(self, count: int = 1, at: datetime | None = None) -> list[str]:
        """Take the next ``count`` numbers."""
        if self.last + count > MAX_PER_YEAR:
            raise InvalidInput.field("number", f"ticket numbers for {self.year} are exhausted")
        first = self.last + 1
        self.trigger_event(Allocated, first=first, count=count, timestamp=at)
        return [format_number(self.year, serial) for serial in range(first, first + count)]
