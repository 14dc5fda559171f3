"""The state a Ticket aggregate holds, with its types.

The annotations are the single description of that state: snapshots are decoded by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.sla import SlaTerms
from domain.sla_clock import ResolutionPause
from domain.values import (
    Actor,
    Channel,
    CustomerRef,
    Priority,
    SlaMetric,
    Status,
    Visibility,
)


@dataclass(frozen=True)
class Message:
    """One entry of a ticket's conversation."""

    id: str
    author: Actor
    body: str
    visibility: Visibility
    at: datetime
    template: str | None = None


class TicketState:
    """Attributes of a ticket; set by the events' ``apply`` methods only."""

    number: str
    subject: str
    description: str
    customer: CustomerRef
    channel: Channel
    category: str
    priority: Priority
    status: Status
    assignee: str | None
    branch: str | None
    order_ref: str | None
    product_ref: str | None
    tags: tuple[str, ...]
    access_token_hash: str
    follow_up_of: str | None
    follow_ups: list[str]
    messages: list[Message]
    deleted: bool
    # Clocks and counters the metrics are derived from.
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    waiting_since: datetime | None
    waiting_seconds: float
    reopen_count: int
    breached: list[SlaMetric]
    escalation_level: int
    last_customer_reply_at: datetime | None
    # The SLA the ticket is under, and how long its resolution clock has been paused.
    sla: SlaTerms | None
    sla_pause: ResolutionPause
