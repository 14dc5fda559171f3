"""The status-transition table, and the moves the system makes by itself.

Rows are the current status, entries the statuses an agent may request; the system moves
open → in_progress on assignment, waiting_customer/resolved → open on a customer reply and
resolved → closed after the auto-close delay. Closed is final. See docs/events.md.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import NotAllowed, TicketClosed, TransitionRefused
from domain.values import ActorKind, Status

OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED = (
    Status.OPEN,
    Status.IN_PROGRESS,
    Status.WAITING_CUSTOMER,
    Status.RESOLVED,
    Status.CLOSED,
)

AGENT_TRANSITIONS: dict[Status, frozenset[Status]] = {
    OPEN: frozenset({IN_PROGRESS, WAITING, RESOLVED, CLOSED}),
    IN_PROGRESS: frozenset({OPEN, WAITING, RESOLVED, CLOSED}),
    WAITING: frozenset({IN_PROGRESS, RESOLVED, CLOSED}),
    RESOLVED: frozenset({IN_PROGRESS, CLOSED}),
    CLOSED: frozenset(),
}
"""What an agent may request explicitly."""

SYSTEM_TRANSITIONS: dict[Status, frozenset[Status]] = {
    OPEN: frozenset({IN_PROGRESS}),
    RESOLVED: frozenset({CLOSED}),
}
"""What automations may request explicitly: the move on assignment and auto-close."""

ON_CUSTOMER_REPLY: dict[Status, Status] = {WAITING: OPEN, RESOLVED: OPEN}
"""Where a customer reply moves a ticket; statuses not listed stay as they are."""

REOPENING: frozenset[tuple[Status, Status]] = frozenset({(RESOLVED, IN_PROGRESS), (RESOLVED, OPEN)})
"""Moves that count as a reopen in the metrics."""


def check_can_transition(current: Status, requested: Status, actor: ActorKind) -> None:
    """Raise unless ``actor`` may move a ticket from ``current`` to ``requested``."""
    if actor is ActorKind.CUSTOMER:
        raise NotAllowed("customers cannot change a ticket's status; they reply instead")
    if current == requested:
        raise TransitionRefused(current, requested, "the ticket already has that status")
    table = AGENT_TRANSITIONS if actor is ActorKind.AGENT else SYSTEM_TRANSITIONS
    if requested not in table.get(current, frozenset()):
        detail = "closed tickets are final" if current is CLOSED else "not an allowed transition"
        raise TransitionRefused(current, requested, detail)


def status_after_customer_reply(current: Status, number: str) -> Status:
    """The status a customer reply leads to; replies on closed tickets are refused."""
    if current is CLOSED:
        raise TicketClosed(number)
    return ON_CUSTOMER_REPLY.get(current, current)


def resolved_at_after(from_status: Status, to_status: Status, at: datetime,
                      resolved_at: datetime | None) -> datetime | None:
    """When the ticket counts as resolved after moving ``from_status`` → ``to_status`` at
    ``at``: set on resolution (or on closing an unresolved ticket), cleared on a reopen.
    The one rule the aggregate and every read model share."""
    if (from_status, to_status) in REOPENING:
        resolved_at = None
    if to_status is RESOLVED or (to_status is CLOSED and resolved_at is None):
        return at
    return resolved_at
