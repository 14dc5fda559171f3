"""``/api/v1/audit``: a ticket's stored events and the ticket as it was at any version or
instant, rebuilt from the event store (auditors and admins only; deleted tickets too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from eventsourcing.utils import get_topic
from litestar import Controller, get
from litestar.di import Provide
from litestar.params import QueryParameter

from api.auth import AgentDep, AgentPrincipal, current_agent
from api.params import TicketNumber
from api.presenters import ticket_out
from api.schemas.audit import ActorOut, AuditEventOut, AuditTrail, TicketAsOf
from api.services import Services, ServicesDep
from domain.errors import InvalidInput, NotFound
from domain.ticket import Ticket
from domain.ticket_number import check_number
from domain.values import Actor, Role

AUDITORS = (Role.AUDITOR, Role.ADMIN)
NOT_PAYLOAD = frozenset({"originator_id", "originator_version", "timestamp",
                         "access_token_hash"})
"""Fields not shown in an event's payload: the record's own columns and time (shown
apart), and the hash of the customer's access token (a credential)."""


def stored_events(services: Services, agent: AgentPrincipal,
                  number: str) -> tuple[str, list[Any]]:
    """The normalised number and every stored event of the ticket, oldest first; 403 for
    other roles, 404 when it has none or lies outside the caller's branches."""
    agent.require(*AUDITORS)
    clean = check_number(number)
    events = list(services.helpdesk.events.get(Ticket.create_id(clean)))
    if not events or not agent.may_see_branch(getattr(events[0], "branch", None)):
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


class AuditController(Controller):
    """What happened to a ticket, event by event, for auditors and admins."""

    path = "/api/v1/audit"
    tags = ["audit"]
    dependencies = {"agent": Provide(current_agent, sync_to_thread=True)}
    security = [{"bearer": []}]

    @get("/tickets/{number:str}/events", operation_id="listAuditTicketEvents",
         sync_to_thread=True)
    def ticket_events(self, services: ServicesDep, agent: AgentDep,
                      number: TicketNumber) -> AuditTrail:
        """Every stored event of the ticket in order, with actor, reason and payload."""
        clean, events = stored_events(services, agent, number)
        return AuditTrail(number=clean, ticket_id=str(Ticket.create_id(clean)),
                          events=[event_out(event) for event in events])

    @get("/tickets/{number:str}/state", operation_id="getAuditTicketState",
         sync_to_thread=True)
    def ticket_state(
        self,
        services: ServicesDep,
        agent: AgentDep,
        number: TicketNumber,
        version: Annotated[int | None, QueryParameter(
            ge=1, description="the version to rebuild (1 is the ticket as opened)")] = None,
        at: Annotated[datetime | None, QueryParameter(
            description="an ISO date-time (UTC without an offset): the ticket as of the "
                        "last event recorded by then")] = None,
    ) -> TicketAsOf:
        """The ticket as it was at ``version`` or at the instant ``at`` (exactly one):
        conversation, status, SLA state and metrics as of then."""
        agent.require(*AUDITORS)
        if (version is None) == (at is None):
            raise InvalidInput.field("version", "give either 'version' or 'at' (not both)")
        clean, events = stored_events(services, agent, number)
        if version is not None:
            last = events[-1].originator_version
            if version > last:
                raise InvalidInput.field(
                    "version", f"ticket {clean} has {last} version{'s' * (last != 1)}")
            chosen = next(e for e in events if e.originator_version == version)
            moment: datetime = chosen.timestamp
        else:
            assert at is not None
            moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
            earlier = [e for e in events if e.timestamp <= moment]
            if not earlier:
                raise InvalidInput.field(
                    "at", f"the ticket did not exist yet at {moment.isoformat()}")
            chosen = earlier[-1]
        ticket = services.helpdesk.get_ticket(clean, version=chosen.originator_version)
        return TicketAsOf(as_of_version=chosen.originator_version, as_of_time=moment,
                          ticket=ticket_out(ticket, moment))
