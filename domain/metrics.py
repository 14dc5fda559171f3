"""Durations and counts derived from a ticket's events (via its state)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from domain.ticket_state import TicketState
from domain.values import ActorKind, Visibility


@dataclass(frozen=True)
class TicketMetrics:
    """What the analytics panel of a ticket shows; durations in seconds."""

    age_seconds: float
    first_response_seconds: float | None
    resolution_seconds: float | None
    waiting_customer_seconds: float
    reopen_count: int
    messages_by_author: dict[str, int]
    messages_by_visibility: dict[str, int]


def measure(ticket: TicketState, opened_at: datetime, now: datetime) -> TicketMetrics:
    """The ticket's metrics as of ``now``.

    First response counts only the first PUBLIC reply by an AGENT (automatic replies are
    the system's). Time waiting on the customer includes the current wait, if any.
    """
    end = ticket.closed_at or now
    waiting = ticket.waiting_seconds
    if ticket.waiting_since is not None:
        waiting += max(0.0, (now - ticket.waiting_since).total_seconds())
    by_author: Counter[str] = Counter({kind.value: 0 for kind in ActorKind})
    by_visibility: Counter[str] = Counter({v.value: 0 for v in Visibility})
    for message in ticket.messages:
        by_author[message.author.kind.value] += 1
        by_visibility[message.visibility.value] += 1
    return TicketMetrics(
        age_seconds=max(0.0, (end - opened_at).total_seconds()),
        first_response_seconds=_between(opened_at, ticket.first_response_at),
        resolution_seconds=_between(opened_at, ticket.resolved_at),
        waiting_customer_seconds=waiting,
        reopen_count=ticket.reopen_count,
        messages_by_author=dict(by_author),
        messages_by_visibility=dict(by_visibility),
    )


def _between(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()
