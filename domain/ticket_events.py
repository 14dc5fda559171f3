"""Events of the Ticket aggregate, and how each one evolves a ticket's state.

Event classes are immutable and stored by topic (``domain.ticket_events:Opened``); a new
field must come with a default so older stored events still decode.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from domain.sla import SlaTerms
from domain.sla_clock import ResolutionPause
from domain.ticket_state import Message
from domain.transitions import REOPENING, resolved_at_after
from domain.values import (
    Actor,
    ActorKind,
    Channel,
    CustomerRef,
    Priority,
    SlaMetric,
    Status,
    Visibility,
)


class TicketEvent(Aggregate.Event):
    """Base of the events after ``Opened``; every one names who caused it."""

    actor: Actor


class Opened(Aggregate.Created):
    """A customer, an agent or an integration opened a ticket."""

    number: str
    subject: str
    description: str
    customer: CustomerRef
    channel: Channel
    category: str
    priority: Priority
    actor: Actor
    access_token_hash: str
    branch: str | None = None
    order_ref: str | None = None
    product_ref: str | None = None
    tags: tuple[str, ...] = ()
    follow_up_of: str | None = None
    sla: SlaTerms | None = None

    def apply(self, aggregate: Any) -> None:
        t = aggregate
        t.number, t.subject, t.description = self.number, self.subject, self.description
        t.customer, t.channel, t.category = self.customer, self.channel, self.category
        t.priority, t.status, t.assignee = self.priority, Status.OPEN, None
        t.branch, t.order_ref, t.product_ref = self.branch, self.order_ref, self.product_ref
        t.tags, t.access_token_hash = self.tags, self.access_token_hash
        t.follow_up_of, t.follow_ups, t.messages, t.deleted = self.follow_up_of, [], [], False
        t.first_response_at = t.resolved_at = t.closed_at = t.waiting_since = None
        t.waiting_seconds, t.reopen_count, t.breached, t.escalation_level = 0.0, 0, [], 0
        t.last_customer_reply_at = None
        t.sla, t.sla_pause = self.sla, ResolutionPause()


class Assigned(TicketEvent):
    """The ticket was given to an agent (by a person or by the router, see ``reason``)."""

    agent_id: str
    reason: str = ""

    def apply(self, aggregate: Any) -> None:
        aggregate.assignee = self.agent_id


class Unassigned(TicketEvent):
    """The ticket went back to the unassigned queue."""

    agent_id: str
    reason: str = ""

    def apply(self, aggregate: Any) -> None:
        aggregate.assignee = None


class StatusChanged(TicketEvent):
    """The ticket moved from one status to another."""

    from_status: Status
    to_status: Status
    reason: str = ""

    def apply(self, aggregate: Any) -> None:
        t = aggregate
        at: datetime = self.timestamp
        if t.waiting_since is not None:
            t.waiting_seconds += (at - t.waiting_since).total_seconds()
            t.waiting_since = None
        if self.to_status is Status.WAITING_CUSTOMER:
            t.waiting_since = at
        if (self.from_status, self.to_status) in REOPENING:
            t.reopen_count += 1
        t.resolved_at = resolved_at_after(self.from_status, self.to_status, at, t.resolved_at)
        if self.to_status is Status.CLOSED:
            t.closed_at = at
        t.sla_pause = t.sla_pause.moved(t.sla, self.to_status, at)
        t.status = self.to_status


class PriorityChanged(TicketEvent):
    """Someone changed how urgent the ticket is."""

    from_priority: Priority
    to_priority: Priority
    reason: str = ""
    sla: SlaTerms | None = None

    def apply(self, aggregate: Any) -> None:
        aggregate.priority = self.to_priority
        aggregate.sla = self.sla or aggregate.sla


class CategoryChanged(TicketEvent):
    """The ticket was moved to another category."""

    from_category: str
    to_category: str
    reason: str = ""
    sla: SlaTerms | None = None

    def apply(self, aggregate: Any) -> None:
        aggregate.category = self.to_category
        aggregate.sla = self.sla or aggregate.sla


class MessageAdded(TicketEvent):
    """A reply, an internal note or an automatic response was added to the conversation.

    ``actor`` is the author."""

    message_id: str
    body: str
    visibility: Visibility
    template: str | None = None

    def apply(self, aggregate: Any) -> None:
        t = aggregate
        t.messages.append(
            Message(self.message_id, self.actor, self.body, self.visibility, self.timestamp,
                    self.template)
        )
        author = self.actor.kind
        if author is ActorKind.CUSTOMER:
            t.last_customer_reply_at = self.timestamp
        elif (
            author is ActorKind.AGENT
            and self.visibility is Visibility.PUBLIC
            and t.first_response_at is None
        ):
            t.first_response_at = self.timestamp


class Tagged(TicketEvent):
    """Tags were added."""

    tags: tuple[str, ...]

    def apply(self, aggregate: Any) -> None:
        aggregate.tags = tuple(sorted({*aggregate.tags, *self.tags}))


class Untagged(TicketEvent):
    """Tags were removed."""

    tags: tuple[str, ...]

    def apply(self, aggregate: Any) -> None:
        aggregate.tags = tuple(t for t in aggregate.tags if t not in self.tags)


class SlaBreached(TicketEvent):
    """An SLA clock ran out before the ticket met it."""

    metric: SlaMetric
    due_at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.breached.append(self.metric)


class Escalated(TicketEvent):
    """The ticket was escalated: priority raised one level (unless already urgent)."""

    from_priority: Priority
    to_priority: Priority
    reason: str = ""

    sla: SlaTerms | None = None

    def apply(self, aggregate: Any) -> None:
        aggregate.priority = self.to_priority
        aggregate.sla = self.sla or aggregate.sla
        aggregate.escalation_level += 1


class Deleted(TicketEvent):
    """The ticket was soft-deleted: hidden from queues, its history kept."""

    reason: str = ""

    def apply(self, aggregate: Any) -> None:
        aggregate.deleted = True


class FollowUpOpened(TicketEvent):
    """A follow-up ticket was opened for this (closed) ticket."""

    follow_up_number: str

    def apply(self, aggregate: Any) -> None:
        aggregate.follow_ups.append(self.follow_up_number)


TICKET_EVENTS: tuple[type[Aggregate.Event], ...] = (
    Opened, Assigned, Unassigned, StatusChanged, PriorityChanged, CategoryChanged,
    MessageAdded, Tagged, Untagged, SlaBreached, Escalated, Deleted, FollowUpOpened,
)
