"""Response bodies of ``/api/v1/audit``: a ticket's stored events, the ticket as it was
at a version or an instant, and the queue as it stood at an instant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from api.schemas.tickets import TicketOut, TicketSummary


class ActorOut(msgspec.Struct):
    """Who caused an event: ``customer``, ``agent`` or ``system``, and their id (or the
    automation's name)."""

    kind: str
    id: str


class AuditEventOut(msgspec.Struct, omit_defaults=True):
    """One stored event: its version in the ticket's history, class name, stored topic,
    time, actor and reason (when the event has them) and every other field as stored."""

    version: int
    type: str
    topic: str
    time: datetime
    payload: dict[str, Any]
    actor: ActorOut | None = None
    reason: str | None = None


class AuditTrail(msgspec.Struct):
    """Every stored event of a ticket, oldest first."""

    number: str
    ticket_id: str
    events: list[AuditEventOut]


class TicketAsOf(msgspec.Struct):
    """The ticket rebuilt from its events up to ``as_of_version``; SLA state and metrics
    are computed as of ``as_of_time``."""

    as_of_version: int
    as_of_time: datetime
    ticket: TicketOut


class QueueAsOf(msgspec.Struct):
    """A page of the queue as it stood at ``as_of`` (rebuilt from the events recorded by
    then), with counts by status over the same filters; SLA states are those of then."""

    as_of: datetime
    items: list[TicketSummary]
    next_cursor: str | None
    counts: dict[str, int]
    counts_capped: bool = False
    """As in the live list: a text search counts at most 100 tickets per status."""


class VerificationOut(msgspec.Struct):
    """Whether a ticket's stored history is the one that was written."""

    number: str
    ok: bool
    checked: int
    first_bad_version: int | None
    problem: str
    head_digest: str
