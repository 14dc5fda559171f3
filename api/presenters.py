"""Turn aggregates and read-model rows into response bodies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any

from api.schemas.tickets import (
    CustomerOut,
    MessageOut,
    MetricsOut,
    PortalTicketOut,
    SlaOut,
    TicketOut,
    TicketSummary,
)
from domain.metrics import measure
from domain.sla_clock import due_times
from domain.ticket import Ticket
from domain.ticket_state import Message
from domain.values import Status


def message_out(message: Message) -> MessageOut:
    """One conversation entry."""
    return MessageOut(id=message.id, author_kind=message.author.kind.value,
                      author_id=message.author.id, visibility=message.visibility,
                      body=message.body, created_at=message.at, template=message.template)


def sla_state(next_due: datetime | None, at_risk: datetime | None, breached: bool,
              now: datetime) -> str:
    """``breached``, ``at_risk``, ``ok`` or ``none`` (no clock running)."""
    if breached or (next_due is not None and next_due <= now):
        return "breached"
    if next_due is None:
        return "none"
    if at_risk is not None and at_risk <= now:
        return "at_risk"
    return "ok"


def sla_out(ticket: Ticket, now: datetime) -> SlaOut | None:
    """The SLA clocks of a ticket, computed from its recorded terms."""
    if ticket.sla is None:
        return None
    due = due_times(ticket.sla, ticket.created_on, ticket.sla_pause)
    responded = ticket.first_response_at
    first_met = None if responded is None else responded <= due.first_response_due
    done = ticket.status in (Status.RESOLVED, Status.CLOSED)
    clocks: list[tuple[datetime, datetime]] = []
    if responded is None and not done:
        clocks.append((due.first_response_due, due.first_response_at_risk))
    if due.resolution_due is not None and due.resolution_at_risk is not None and not done:
        clocks.append((due.resolution_due, due.resolution_at_risk))
    next_due, at_risk = min(clocks) if clocks else (None, None)
    breached = [m.value for m in ticket.breached]
    state = sla_state(next_due, at_risk, bool(breached), now) if not done else (
        "breached" if breached else "met")
    if ticket.sla_pause.paused_since is not None and not done and state == "none":
        state = "paused"
    return SlaOut(
        policy=ticket.sla.policy, first_response_due=due.first_response_due,
        first_response_at_risk=due.first_response_at_risk, first_response_met=first_met,
        resolution_due=due.resolution_due, resolution_at_risk=due.resolution_at_risk,
        resolution_paused=ticket.sla_pause.paused_since is not None,
        paused_remaining_minutes=due.paused_remaining_minutes, breached=breached, state=state)


def ticket_out(ticket: Ticket, now: datetime, position: int = 0) -> TicketOut:
    """The full ticket for agents: internal notes, SLA, metrics, version."""
    metrics = measure(ticket, ticket.created_on, now)
    return TicketOut(
        number=ticket.number, subject=ticket.subject, description=ticket.description,
        status=ticket.status, priority=ticket.priority, category=ticket.category,
        channel=ticket.channel,
        customer=CustomerOut(ticket.customer.id, ticket.customer.name, ticket.customer.email),
        assignee=ticket.assignee, branch=ticket.branch, order_ref=ticket.order_ref,
        product_ref=ticket.product_ref, tags=list(ticket.tags),
        follow_up_of=ticket.follow_up_of, follow_ups=list(ticket.follow_ups),
        created_at=ticket.created_on, updated_at=ticket.modified_on, version=ticket.version,
        messages=[message_out(m) for m in ticket.messages], sla=sla_out(ticket, now),
        metrics=MetricsOut(**metrics.__dict__), position=position)


def portal_ticket_out(ticket: Ticket, position: int = 0) -> PortalTicketOut:
    """What the customer may see: no internal notes, no agent-only fields."""
    return PortalTicketOut(
        number=ticket.number, subject=ticket.subject, description=ticket.description,
        status=ticket.status, priority=ticket.priority, category=ticket.category,
        created_at=ticket.created_on, updated_at=ticket.modified_on,
        messages=[message_out(m) for m in ticket.public_messages()],
        follow_up_of=ticket.follow_up_of, follow_ups=list(ticket.follow_ups),
        version=ticket.version, position=position)


_SUMMARY_COLUMNS = itemgetter(
    "number", "subject", "status", "priority", "category", "branch", "assignee_id",
    "customer_name", "customer_email", "tags", "created_at", "updated_at", "message_count",
    "sla_next_due", "sla_next_at_risk", "sla_breached", "version")
"""The columns of a queue row a summary shows, read in one call."""


def ticket_summary(row: Mapping[str, Any], now: datetime) -> TicketSummary:
    """A queue row (a mapping of ``ticket_queue`` columns); built positionally, in the
    order of ``TicketSummary``'s fields, as this runs for every row of every page."""
    (number, subject, status, priority, category, branch, assignee, customer_name,
     customer_email, tags, created_at, updated_at, message_count, next_due, at_risk,
     breached, version) = _SUMMARY_COLUMNS(row)
    return TicketSummary(
        number, subject, status, priority, category, branch, assignee, customer_name,
        customer_email, tags.split(), created_at, updated_at, message_count, next_due,
        sla_state(next_due, at_risk, breached, now), version)
