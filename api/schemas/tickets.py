"""Request and response bodies of tickets, messages and the portal."""

from __future__ import annotations

from datetime import datetime

import msgspec

from api.schemas.common import (
    Body,
    Branch,
    Description,
    Email,
    Input,
    Name,
    Reason,
    Ref,
    Slug,
    Subject,
    Tags,
)
from domain.values import Channel, Priority, Status, Visibility


class PortalTicketIn(Input):
    """A customer opens a ticket."""

    name: Name
    email: Email
    subject: Subject
    description: Description
    category: Slug | None = None
    priority: Priority | None = None
    order_ref: Ref | None = None
    product_ref: Ref | None = None


class PortalMessageIn(Input):
    """A customer replies."""

    body: Body


class FollowUpIn(Input):
    """A customer continues a closed ticket in a new one."""

    description: Description
    subject: Subject | None = None


class TicketIn(Input):
    """An agent opens a ticket on behalf of a customer."""

    name: Name
    email: Email
    subject: Subject
    description: Description
    category: Slug | None = None
    priority: Priority | None = None
    channel: Channel = Channel.AGENT
    assignee: str | None = None
    branch: Branch | None = None
    order_ref: Ref | None = None
    product_ref: Ref | None = None
    tags: Tags = []


class TicketPatch(Input):
    """Change some of a ticket; ``assignee: null`` unassigns, ``tags`` is the new set."""

    status: Status | msgspec.UnsetType = msgspec.UNSET
    priority: Priority | msgspec.UnsetType = msgspec.UNSET
    category: Slug | msgspec.UnsetType = msgspec.UNSET
    assignee: str | msgspec.UnsetType | None = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET
    reason: Reason | None = None


class MessageIn(Input):
    """An agent replies or writes an internal note; ``template`` renders its text when
    ``body`` is empty and is recorded either way."""

    body: Body | None = None
    visibility: Visibility = Visibility.PUBLIC
    template: Slug | None = None


class MessageOut(msgspec.Struct):
    """One entry of the conversation."""

    id: str
    author_kind: str
    author_id: str
    visibility: Visibility
    body: str
    created_at: datetime
    template: str | None = None


class SlaOut(msgspec.Struct):
    """The ticket's SLA clocks now."""

    policy: str
    first_response_due: datetime
    first_response_at_risk: datetime
    first_response_met: bool | None
    resolution_due: datetime | None
    resolution_at_risk: datetime | None
    resolution_paused: bool
    paused_remaining_minutes: float | None
    breached: list[str]
    state: str


class MetricsOut(msgspec.Struct):
    """Durations in seconds and message counts."""

    age_seconds: float
    first_response_seconds: float | None
    resolution_seconds: float | None
    waiting_customer_seconds: float
    reopen_count: int
    messages_by_author: dict[str, int]
    messages_by_visibility: dict[str, int]


class CustomerOut(msgspec.Struct):
    """Who the ticket is for."""

    id: str
    name: str
    email: str


class TicketOut(msgspec.Struct):
    """A ticket as agents see it (GET and every write)."""

    number: str
    subject: str
    description: str
    status: Status
    priority: Priority
    category: str
    channel: Channel
    customer: CustomerOut
    assignee: str | None
    branch: str | None
    order_ref: str | None
    product_ref: str | None
    tags: list[str]
    follow_up_of: str | None
    follow_ups: list[str]
    created_at: datetime
    updated_at: datetime
    version: int
    messages: list[MessageOut]
    sla: SlaOut | None
    metrics: MetricsOut
    position: int = 0


class TicketSummary(msgspec.Struct):
    """A row of the queue."""

    number: str
    subject: str
    status: str
    priority: str
    category: str
    branch: str | None
    assignee: str | None
    customer_name: str
    customer_email: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    message_count: int
    sla_next_due: datetime | None
    sla_state: str
    version: int


class TicketList(msgspec.Struct):
    """A page of the queue with counts by status (over the same filters). A text search
    (``q``) counts at most 100 tickets per status: ``counts_capped`` is true when a count
    stopped there (100 then means "100 or more")."""

    items: list[TicketSummary]
    next_cursor: str | None
    counts: dict[str, int]
    counts_capped: bool = False


class PortalTicketOut(msgspec.Struct):
    """What a customer sees of their ticket: public messages only."""

    number: str
    subject: str
    description: str
    status: Status
    priority: Priority
    category: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut]
    follow_up_of: str | None
    follow_ups: list[str]
    version: int
    position: int = 0


class PortalCreatedOut(msgspec.Struct):
    """A new ticket and its private access token (shown once)."""

    number: str
    access_token: str
    url: str
    status: Status
    version: int
    position: int
