"""``ticket_metrics``: one row per ticket with the durations and counts of
``domain.metrics`` (first response, resolution, waiting on the customer, reopens,
escalations, messages), kept current event by event.

Nothing here depends on "now": the current wait is kept as ``waiting_since`` and readers
add ``now - waiting_since`` themselves when they want it included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import singledispatchmethod
from typing import Any

from domain import ticket_events as ev
from domain.transitions import REOPENING, resolved_at_after
from domain.values import ActorKind, SlaMetric, Status, Visibility
from projections.read_model import BufferedReadModel, ids_of
from projections.row_buffer import Row, RowBuffer
from projections.tables import ticket_metrics

_LATER = (ev.Assigned, ev.Unassigned, ev.StatusChanged, ev.PriorityChanged, ev.Escalated,
          ev.CategoryChanged, ev.MessageAdded, ev.SlaBreached, ev.Deleted)


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


class MetricsReadModel(BufferedReadModel):
    """Per-ticket durations (seconds) and counters for the analytics panel and reports."""

    name = "ticket_metrics"
    tables = (ticket_metrics,)

    @property
    def _rows(self) -> RowBuffer:
        return self.rows(ticket_metrics)

    def prefetch(self, events: Sequence[Any]) -> None:
        self._rows.prefetch(ids_of(events, _LATER, created=ev.Opened))

    def _row(self, event: Any) -> Row:
        return self._rows.one(str(event.originator_id))

    def _update(self, event: Any, **values: Any) -> None:
        self._rows.update(str(event.originator_id), values)

    def _add(self, event: Any, *counters: str, **values: Any) -> None:
        """Add one to each of ``counters`` and set ``values`` (nothing without a row)."""
        row = self._rows.get(str(event.originator_id))
        if row is not None:
            self._update(event, **{c: row[c] + 1 for c in counters}, **values)

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that change no metric change nothing."""

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        self._rows.insert(dict(
            ticket_id=str(event.originator_id), number=event.number,
            category=event.category, priority=event.priority.value, branch=event.branch,
            channel=event.channel.value, assignee_id=None, status=Status.OPEN.value,
            opened_at=event.timestamp, first_response_at=None, first_response_seconds=None,
            resolved_at=None, resolution_seconds=None, closed_at=None,
            waiting_customer_seconds=0.0, waiting_since=None, reopen_count=0,
            escalation_count=0, messages_customer=0, messages_agent=0, messages_system=0,
            messages_public=0, messages_internal=0, first_response_breached=False,
            resolution_breached=False, deleted=False,
        ))

    @apply.register
    def _assigned(self, event: ev.Assigned, position: int) -> None:
        self._update(event, assignee_id=event.agent_id)

    @apply.register
    def _unassigned(self, event: ev.Unassigned, position: int) -> None:
        self._update(event, assignee_id=None)

    @apply.register
    def _status_changed(self, event: ev.StatusChanged, position: int) -> None:
        row = self._row(event)
        at, to = event.timestamp, event.to_status
        waiting = row["waiting_customer_seconds"]
        if row["waiting_since"] is not None:
            waiting += (at - row["waiting_since"]).total_seconds()
        changes: dict[str, Any] = {
            "status": to.value, "waiting_customer_seconds": waiting,
            "waiting_since": at if to is Status.WAITING_CUSTOMER else None,
        }
        if (event.from_status, to) in REOPENING:
            changes["reopen_count"] = row["reopen_count"] + 1
        resolved_at = resolved_at_after(event.from_status, to, at, row["resolved_at"])
        if to is Status.CLOSED:
            changes["closed_at"] = at
        self._update(event, resolved_at=resolved_at,
                     resolution_seconds=_seconds(row["opened_at"], resolved_at), **changes)

    @apply.register
    def _priority_changed(self, event: ev.PriorityChanged, position: int) -> None:
        self._update(event, priority=event.to_priority.value)

    @apply.register
    def _escalated(self, event: ev.Escalated, position: int) -> None:
        self._add(event, "escalation_count", priority=event.to_priority.value)

    @apply.register
    def _category_changed(self, event: ev.CategoryChanged, position: int) -> None:
        self._update(event, category=event.to_category)

    @apply.register
    def _message_added(self, event: ev.MessageAdded, position: int) -> None:
        changes: dict[str, Any] = {}
        if event.actor.kind is ActorKind.AGENT and event.visibility is Visibility.PUBLIC:
            row = self._row(event)
            if row["first_response_at"] is None:
                changes.update(first_response_at=event.timestamp,
                               first_response_seconds=_seconds(row["opened_at"],
                                                               event.timestamp))
        self._add(event, f"messages_{event.actor.kind.value}",
                  f"messages_{event.visibility.value}", **changes)

    @apply.register
    def _sla_breached(self, event: ev.SlaBreached, position: int) -> None:
        if event.metric is SlaMetric.FIRST_RESPONSE:
            self._update(event, first_response_breached=True)
        else:
            self._update(event, resolution_breached=True)

    @apply.register
    def _deleted(self, event: ev.Deleted, position: int) -> None:
        self._update(event, deleted=True)
