"""What auditors are shown, computed from the event store alone: a ticket's stored events,
the ticket as it was at a version or instant, and the queue as it stood at an instant.

No roles are checked here: ``api.controllers.audit`` does that for HTTP callers, and the
``helpdesk audit`` commands (run by operators with database access) use these directly,
so both print the same shapes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.utils import get_topic
from sqlalchemy import select

from api.presenters import ticket_out, ticket_summary
from api.schemas.audit import ActorOut, AuditEventOut, QueueAsOf, TicketAsOf, VerificationOut
from domain.errors import InvalidInput, NotFound
from domain.ticket import Ticket
from domain.ticket_number import check_number
from domain.values import Actor
from projections.as_of import queue_as_of
from projections.queries.tickets import TicketFilter
from projections.tables import ticket_queue

NOT_PAYLOAD = frozenset({"originator_id", "originator_version", "timestamp",
                         "access_token_hash"})
"""Fields not shown in an event's payload: the record's own columns and time (shown
apart), and the hash of the customer's access token (a credential)."""


def utc(moment: datetime) -> datetime:
    """An instant in UTC; naive values are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ticket_history(app: Any, number: str) -> tuple[str, list[Any]]:
    """The normalised number and every stored event of the ticket, oldest first;
    ``NotFound`` when it has none."""
    clean = check_number(number)
    events = list(app.events.get(Ticket.create_id(clean)))
    if not events:
        raise NotFound("ticket", clean)
    return clean, events


def event_out(event: Any) -> AuditEventOut:
    """One event for auditors: its fields made JSON-safe, the actor and reason apart."""
    payload = msgspec.to_builtins(
        {name: value for name, value in vars(event).items() if name not in NOT_PAYLOAD})
    actor = getattr(event, "actor", None)
    reason = getattr(event, "reason", None)
    return AuditEventOut(
        version=event.originator_version, type=type(event).__name__,
        topic=get_topic(type(event)), time=event.timestamp, payload=payload,
        actor=ActorOut(kind=actor.kind.value, id=actor.id) if isinstance(actor, Actor) else None,
        reason=reason or None)


def check_one_of(version: int | None, at: datetime | None) -> None:
    """Refuse (``InvalidInput`` on ``version``) unless exactly one of the two is given."""
    if (version is None) == (at is None):
        raise InvalidInput.field("version", "give either 'version' or 'at' (not both)")


def ticket_as_of(app: Any, clean: str, events: list[Any], *, version: int | None = None,
                 at: datetime | None = None) -> TicketAsOf:
    """The ticket rebuilt at ``version`` or as of the instant ``at`` (exactly one), with
    SLA state and metrics as of then; ``InvalidInput`` naming the bad one otherwise."""
    check_one_of(version, at)
    if version is not None:
        last = events[-1].originator_version
        if version < 1 or version > last:
            raise InvalidInput.field(
                "version", f"ticket {clean} has {last} version{'s' * (last != 1)}")
        chosen = next(e for e in events if e.originator_version == version)
        moment: datetime = chosen.timestamp
    else:
        assert at is not None
        moment = utc(at)
        earlier = [e for e in events if e.timestamp <= moment]
        if not earlier:
            raise InvalidInput.field(
                "at", f"the ticket did not exist yet at {moment.isoformat()}")
        chosen = earlier[-1]
    ticket = app.get_ticket(clean, version=chosen.originator_version)
    return TicketAsOf(as_of_version=chosen.originator_version, as_of_time=moment,
                      ticket=ticket_out(ticket, moment))


def queue_page_as_of(app: Any, at: datetime, f: TicketFilter, *, sort: str = "priority",
                     limit: int = 50, cursor: str | None = None) -> QueueAsOf:
    """A page of the queue as it stood at ``at``, which must not lie in the future (the
    answer could still change); ``InvalidInput`` on ``at`` otherwise."""
    moment, now = utc(at), app.clock()
    if moment > now:
        raise InvalidInput.field(
            "at", f"{moment.isoformat()} is in the future (now is {now.isoformat()})")
    page = queue_as_of(app, moment, f, sort=sort, limit=limit, cursor=cursor)
    return QueueAsOf(as_of=moment, items=[ticket_summary(row, moment) for row in page.items],
                     next_cursor=page.next_cursor, counts=page.counts,
                     counts_capped=page.counts_capped)


def verify_ticket(app: Any, store: Any, number: str) -> VerificationOut:
    """Recompute the ticket's hash chain, and check that no event at the end of its history
    disappeared: the read model, an independent copy, must not have seen more versions."""
    clean = check_number(number)
    return verify_known_ticket(app, store, Ticket.create_id(clean), clean)


def verify_known_ticket(app: Any, store: Any, ticket_id: Any, clean: str) -> VerificationOut:
    """``verify_ticket`` for a ticket known by id (its events may be gone altogether)."""
    result = app.verify_id(ticket_id)
    seen = _projected_version(store, clean)
    ok, problem, bad = result.ok, result.problem, result.first_bad_version
    if ok and seen is not None and seen > result.checked:
        ok, bad = False, result.checked + 1
        problem = (f"events after version {result.checked} are missing (the read models saw "
                   f"version {seen})")
    return VerificationOut(number=clean, ok=ok, checked=result.checked,
                           first_bad_version=bad, problem=problem, head_digest=result.head)


def projected_tickets(store: Any) -> dict[Any, str]:
    """Every ticket the read models know: id → number (an independent copy of the list)."""
    q = ticket_queue.c
    with store.reader.connect() as conn:
        return {UUID(tid): number for tid, number in conn.execute(
            select(q.ticket_id, q.number)).all()}


def _projected_version(store: Any, number: str) -> int | None:
    q = ticket_queue.c
    with store.reader.connect() as conn:
        found = conn.execute(select(q.version).where(q.number == number)).scalar()
    return None if found is None else int(found)
