"""``ticket_queue`` (one row per ticket, everything the queue filters and sorts on),
``ticket_tags`` and ``ticket_counts`` (the queue's counts, changed with its rows)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import singledispatchmethod
from typing import Any

from domain import ticket_events as ev
from domain.transitions import resolved_at_after
from domain.values import ActorKind, Priority, Status, Visibility
from projections.queue_counts import total_changes, write_count_changes
from projections.read_model import BufferedReadModel, ids_of
from projections.row_buffer import Row, RowBuffer
from projections.sla_columns import (
    decode_terms,
    due_of,
    encode_terms,
    next_deadline,
    pause_of,
)
from projections.tables import ticket_counts, ticket_queue, ticket_tags

_TAGGING = (ev.Tagged, ev.Untagged)


class QueueReadModel(BufferedReadModel):
    """What agents see in their queue, and how many tickets it holds per status,
    priority, category, branch, assignee and deleted flag (``ticket_counts``)."""

    name = "ticket_queue"
    tables = (ticket_queue, ticket_tags, ticket_counts)
    buffered = (ticket_queue, ticket_tags)

    @property
    def queue(self) -> RowBuffer:
        """The ``ticket_queue`` rows of the unit of work in progress."""
        return self.rows(ticket_queue)

    def prefetch(self, events: Sequence[Any]) -> None:
        self.queue.prefetch(ids_of(events, ev.TicketEvent, created=ev.Opened))
        self.rows(ticket_tags).prefetch_by("ticket_id", ids_of(events, _TAGGING))

    def queue_changes(self) -> Iterator[tuple[Row | None, Row | None]]:
        """Each ``ticket_queue`` row the unit of work in progress changed: as it was when
        the unit began (None if new) and as it is now (None if deleted)."""
        return self.queue.changes()

    def finish_unit(self) -> None:
        changes = total_changes(self.queue_changes())
        super().finish_unit()
        write_count_changes(self.conn, changes)

    def _row(self, event: Any) -> Row:
        return self.queue.one(str(event.originator_id))

    def _update(self, event: Any, position: int, **values: Any) -> None:
        self.queue.update(str(event.originator_id), {
            "updated_at": event.timestamp, "version": event.originator_version,
            "position": position, **values})

    def _with_sla(self, row: Row, **changes: Any) -> dict[str, Any]:
        """``changes`` plus the SLA columns recomputed from the row as changed."""
        merged = {**row, **changes}
        terms = decode_terms(merged["sla_terms"])
        pause = pause_of(merged)
        due = due_of(terms, merged["created_at"], pause)
        return {**changes, **next_deadline(due, Status(merged["status"]),
                                           merged["first_response_at"])}

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events the queue does not show change nothing."""

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        terms = event.sla
        row = {
            "ticket_id": str(event.originator_id), "number": event.number,
            "subject": event.subject, "status": Status.OPEN.value,
            **priority_columns(event.priority),
            "category": event.category, "branch": event.branch,
            "channel": event.channel.value, "assignee_id": None,
            "customer_id": event.customer.id, "customer_name": event.customer.name,
            "customer_email": event.customer.email, "order_ref": event.order_ref,
            "product_ref": event.product_ref, "tags": " ".join(event.tags),
            "follow_up_of": event.follow_up_of, "created_at": event.timestamp,
            "updated_at": event.timestamp, "message_count": 0, "escalation_level": 0,
            "sla_policy": terms.policy if terms else None, "sla_terms": encode_terms(terms),
            "sla_paused_minutes": 0.0, "sla_paused_since": None, "sla_breached": False,
            "deleted": False, "version": event.originator_version, "position": position,
            "first_response_at": None,
        }
        row.update(next_deadline(due_of(terms, event.timestamp, pause_of(row)),
                                 Status.OPEN, None))
        self.queue.insert(row)
        tags = self.rows(ticket_tags)
        for tag in event.tags:
            tags.insert({"ticket_id": row["ticket_id"], "tag": tag})

    @apply.register
    def _assigned(self, event: ev.Assigned, position: int) -> None:
        self._update(event, position, assignee_id=event.agent_id)

    @apply.register
    def _unassigned(self, event: ev.Unassigned, position: int) -> None:
        self._update(event, position, assignee_id=None)

    @apply.register
    def _status_changed(self, event: ev.StatusChanged, position: int) -> None:
        row = self._row(event)
        terms = decode_terms(row["sla_terms"])
        pause = pause_of(row).moved(terms, event.to_status, event.timestamp)
        changes: dict[str, Any] = {"status": event.to_status.value,
                                   "sla_paused_minutes": pause.paused_minutes,
                                   "sla_paused_since": pause.paused_since}
        changes["resolved_at"] = resolved_at_after(event.from_status, event.to_status,
                                                   event.timestamp, row["resolved_at"])
        if event.to_status is Status.CLOSED:
            changes["closed_at"] = event.timestamp
        self._update(event, position, **self._with_sla(row, **changes))

    def _reprioritised(self, event: Any, position: int, priority: Priority,
                       **extra: Any) -> None:
        row = self._row(event)
        changes: dict[str, Any] = {**priority_columns(priority), **extra}
        if event.sla is not None:
            changes.update(sla_terms=encode_terms(event.sla), sla_policy=event.sla.policy)
        self._update(event, position, **self._with_sla(row, **changes))

    @apply.register
    def _priority_changed(self, event: ev.PriorityChanged, position: int) -> None:
        self._reprioritised(event, position, event.to_priority)

    @apply.register
    def _escalated(self, event: ev.Escalated, position: int) -> None:
        level = self._row(event)["escalation_level"] + 1
        self._reprioritised(event, position, event.to_priority, escalation_level=level)

    @apply.register
    def _category_changed(self, event: ev.CategoryChanged, position: int) -> None:
        row = self._row(event)
        self._reprioritised(event, position, Priority(row["priority"]),
                            category=event.to_category)

    @apply.register
    def _message_added(self, event: ev.MessageAdded, position: int) -> None:
        row = self._row(event)
        changes: dict[str, Any] = {"message_count": row["message_count"] + 1,
                                   "last_message_at": event.timestamp}
        kind = event.actor.kind
        if kind is ActorKind.CUSTOMER:
            changes["last_customer_reply_at"] = event.timestamp
        if (kind is ActorKind.AGENT and event.visibility is Visibility.PUBLIC
                and row["first_response_at"] is None):
            changes["first_response_at"] = event.timestamp
        self._update(event, position, **self._with_sla(row, **changes))

    @apply.register
    def _tagged(self, event: ev.Tagged, position: int) -> None:
        row = self._row(event)
        tags = sorted({*row["tags"].split(), *event.tags})
        buffer = self.rows(ticket_tags)
        for tag in event.tags:
            buffer.insert({"ticket_id": row["ticket_id"], "tag": tag})
        self._update(event, position, tags=" ".join(tags))

    @apply.register
    def _untagged(self, event: ev.Untagged, position: int) -> None:
        row = self._row(event)
        tags = [t for t in row["tags"].split() if t not in event.tags]
        buffer = self.rows(ticket_tags)
        for tag in event.tags:
            buffer.delete((row["ticket_id"], tag))
        self._update(event, position, tags=" ".join(tags))

    @apply.register
    def _sla_breached(self, event: ev.SlaBreached, position: int) -> None:
        self._update(event, position, sla_breached=True)

    @apply.register
    def _deleted(self, event: ev.Deleted, position: int) -> None:
        self._update(event, position, deleted=True)

    @apply.register
    def _follow_up_opened(self, event: ev.FollowUpOpened, position: int) -> None:
        self._update(event, position)


def priority_columns(priority: Priority) -> dict[str, Any]:
    """The queue's priority columns: the name, its rank and the ascending sort key."""
    return {"priority": priority.value, "priority_rank": priority.rank,
            "priority_order": URGENT_RANK - priority.rank}


URGENT_RANK = Priority.URGENT.rank

