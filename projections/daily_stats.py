"""``daily_ticket_stats``: how many tickets were opened, first answered, resolved, closed
and breached per UTC day, category, priority and branch ('' when the ticket has none).

Each counted event goes to the category, priority and branch the ticket had when it
happened: ``daily_stats_tickets`` keeps them current per ticket (and whether the ticket
already had its first public agent reply). Deleting a ticket does not take back what was
counted: the counts are facts about each day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import singledispatchmethod
from typing import Any

from sqlalchemy import insert, select, update

from domain import ticket_events as ev
from domain.values import ActorKind, Status, Visibility
from projections.read_model import ReadModel
from projections.tables import daily_stats_tickets, daily_ticket_stats

D = daily_ticket_stats.c
T = daily_stats_tickets.c

COUNTS = ("opened", "first_responded", "resolved", "closed", "breached")
"""The counters of a ``daily_ticket_stats`` row."""


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()


class DailyStatsReadModel(ReadModel):
    """Daily ticket counts per category, priority and branch, for trend reports."""

    name = "daily_ticket_stats"
    tables = (daily_ticket_stats, daily_stats_tickets)

    def _ticket(self, event: Any) -> Any:
        return self.conn.execute(select(daily_stats_tickets).where(
            T.ticket_id == str(event.originator_id))).one()

    def _update_ticket(self, event: Any, **values: Any) -> None:
        self.conn.execute(update(daily_stats_tickets)
                          .where(T.ticket_id == str(event.originator_id)).values(**values))

    def _count(self, event: Any, counter: str, ticket: Any | None = None) -> None:
        """Add one to ``counter`` of the event's day and the ticket's current attributes
        (select, then update or insert: one writer per read model, no dialect upsert)."""
        ticket = ticket if ticket is not None else self._ticket(event)
        key = {"day": _day(event.timestamp), "category": ticket.category,
               "priority": ticket.priority, "branch": ticket.branch}
        where = [D[column] == value for column, value in key.items()]
        found = self.conn.execute(select(D.day).where(*where)).first()
        if found is None:
            self.conn.execute(insert(daily_ticket_stats).values(
                **key, **{name: int(name == counter) for name in COUNTS}))
        else:
            self.conn.execute(update(daily_ticket_stats).where(*where)
                              .values({counter: D[counter] + 1}))

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that count nothing change nothing."""

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        ticket = {"ticket_id": str(event.originator_id), "category": event.category,
                  "priority": event.priority.value, "branch": event.branch or "",
                  "first_responded": False}
        self.conn.execute(insert(daily_stats_tickets).values(**ticket))
        self._count(event, "opened", _Ticket(ticket))

    @apply.register
    def _message_added(self, event: ev.MessageAdded, position: int) -> None:
        if event.actor.kind is not ActorKind.AGENT or event.visibility is not Visibility.PUBLIC:
            return
        ticket = self._ticket(event)
        if ticket.first_responded:
            return
        self._update_ticket(event, first_responded=True)
        self._count(event, "first_responded", ticket)

    @apply.register
    def _status_changed(self, event: ev.StatusChanged, position: int) -> None:
        if event.to_status is Status.RESOLVED:
            self._count(event, "resolved")
        elif event.to_status is Status.CLOSED:
            self._count(event, "closed")

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


class _Ticket:
    """Attribute access over a dict (the ticket row just inserted)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
