"""``daily_ticket_stats``: how many tickets were opened, first answered, resolved, closed,
breached and reopened per UTC day, category, priority and branch ('' when the ticket has
none).

Each counted event goes to the category, priority and branch the ticket had when it
happened: ``daily_stats_tickets`` keeps them current per ticket (and whether the ticket
already had its first public agent reply). Deleting a ticket does not take back what was
counted: the counts are facts about each day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import singledispatchmethod
from typing import Any

from domain import ticket_events as ev
from domain.transitions import REOPENING
from domain.values import ActorKind, Status, Visibility
from projections.read_model import BufferedReadModel, ids_of
from projections.row_buffer import Row, RowBuffer
from projections.tables import daily_stats_tickets, daily_ticket_stats

COUNTS = ("opened", "first_responded", "resolved", "closed", "breached", "reopened")
"""The counters of a ``daily_ticket_stats`` row."""

_LATER = (ev.MessageAdded, ev.StatusChanged, ev.SlaBreached, ev.PriorityChanged,
          ev.Escalated, ev.CategoryChanged)
_COUNTED = (ev.Opened, ev.MessageAdded, ev.StatusChanged, ev.SlaBreached)


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()


class DailyStatsReadModel(BufferedReadModel):
    """Daily ticket counts per category, priority and branch, for trend reports."""

    name = "daily_ticket_stats"
    tables = (daily_ticket_stats, daily_stats_tickets)

    @property
    def _tickets(self) -> RowBuffer:
        return self.rows(daily_stats_tickets)

    def prefetch(self, events: Sequence[Any]) -> None:
        self._tickets.prefetch(ids_of(events, _LATER, created=ev.Opened))
        days = sorted({_day(e.timestamp) for e in events if isinstance(e, _COUNTED)})
        self.rows(daily_ticket_stats).prefetch_by("day", days)

    def _ticket(self, event: Any) -> Row:
        return self._tickets.one(str(event.originator_id))

    def _update_ticket(self, event: Any, **values: Any) -> None:
        self._tickets.update(str(event.originator_id), values)

    def _count(self, event: Any, counter: str, ticket: Mapping[str, Any] | None = None) -> None:
        """Add one to ``counter`` of the event's day and the ticket's current attributes."""
        ticket = ticket if ticket is not None else self._ticket(event)
        stats = self.rows(daily_ticket_stats)
        key = (_day(event.timestamp), ticket["category"], ticket["priority"], ticket["branch"])
        row = stats.get(key)
        if row is None:
            stats.insert({"day": key[0], "category": key[1], "priority": key[2],
                          "branch": key[3], **{name: int(name == counter) for name in COUNTS}})
        else:
            stats.update(key, {counter: row[counter] + 1})

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that count nothing change nothing."""

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        ticket = {"ticket_id": str(event.originator_id), "category": event.category,
                  "priority": event.priority.value, "branch": event.branch or "",
                  "first_responded": False}
        self._tickets.insert(ticket)
        self._count(event, "opened", ticket)

    @apply.register
    def _message_added(self, event: ev.MessageAdded, position: int) -> None:
        if event.actor.kind is not ActorKind.AGENT or event.visibility is not Visibility.PUBLIC:
            return
        ticket = self._ticket(event)
        if ticket["first_responded"]:
            return
        self._update_ticket(event, first_responded=True)
        self._count(event, "first_responded", ticket)

    @apply.register
    def _status_changed(self, event: ev.StatusChanged, position: int) -> None:
        if event.to_status is Status.RESOLVED:
            self._count(event, "resolved")
        elif event.to_status is Status.CLOSED:
            self._count(event, "closed")
        elif (event.from_status, event.to_status) in REOPENING:
            self._count(event, "reopened")

    @apply.register
    def _sla_breached(self, event: ev.SlaBreached, position: int) -> None:
        self._count(event, "breached")

    @apply.register
    def _priority_changed(self, event: ev.PriorityChanged, position: int) -> None:
        self._update_ticket(event, priority=event.to_priority.value)

    @apply.register
    def _escalated(self, event: ev.Escalated, position: int) -> None:
        self._update_ticket(event, priority=event.to_priority.value)

    @apply.register
    def _category_changed(self, event: ev.CategoryChanged, position: int) -> None:
        self._update_ticket(event, category=event.to_category)

