"""``/api/v1/audit``: a ticket's stored events, the ticket as it was at any version or
instant, and the queue as it stood at any instant, rebuilt from the event store (auditors
and admins only; deleted tickets too)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from api.audit_views import (
    NOT_PAYLOAD,
    check_one_of,
    event_out,
    queue_page_as_of,
    ticket_as_of,
    ticket_history,
    verify_ticket,
)
from api.auth import AgentDep, AgentPrincipal, current_agent
from api.params import TicketNumber
from api.schemas.audit import AuditTrail, QueueAsOf, TicketAsOf, VerificationOut
from api.services import Services, ServicesDep
from api.ticket_query import TicketQuery, ticket_query
from domain.errors import NotFound
from domain.ticket import Ticket
from domain.values import Role

__all__ = ["AUDITORS", "NOT_PAYLOAD", "AuditController", "event_out", "stored_events"]

AUDITORS = (Role.AUDITOR, Role.ADMIN)


def stored_events(services: Services, agent: AgentPrincipal,
                  number: str) -> tuple[str, list[Any]]:
    """The normalised number and every stored event of the ticket, oldest first; 403 for
    other roles, 404 when it has none or lies outside the caller's branches."""
    agent.require(*AUDITORS)
    clean, events = ticket_history(services.helpdesk, number)
    if not agent.may_see_branch(getattr(events[0], "branch", None)):
        raise NotFound("ticket", clean)
    return clean, events


class AuditController(Controller):
    """What happened to a ticket, event by event, and what the queue looked like, for
    auditors and admins."""

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

    @get("/tickets/{number:str}/verify", operation_id="verifyAuditTicket",
         sync_to_thread=True)
    def verify(self, services: ServicesDep, agent: AgentDep,
               number: TicketNumber) -> VerificationOut:
        """Recompute the ticket's hash chain: the first altered, inserted, removed or moved
        event, if any."""
        clean, _ = stored_events(services, agent, number)
        return verify_ticket(services.helpdesk, services.read.store, clean)

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
        check_one_of(version, at)
        clean, events = stored_events(services, agent, number)
        return ticket_as_of(services.helpdesk, clean, events, version=version, at=at)

    @get("/queue", operation_id="getAuditQueue", sync_to_thread=True,
         dependencies={"listing": Provide(ticket_query, sync_to_thread=False)})
    def queue(
        self,
        services: ServicesDep,
        agent: AgentDep,
        listing: NamedDependency[TicketQuery],
        at: Annotated[datetime, QueryParameter(
            description="an ISO date-time (UTC without an offset), not in the future: the "
                        "queue as of the last event recorded by then")],
    ) -> QueueAsOf:
        """The queue as it stood at ``at``: the same filters, sort, page size and cursor
        as ``GET /api/v1/tickets`` (within the caller's branches), rebuilt by replaying
        the events recorded by then through the queue's own projection."""
        agent.require(*AUDITORS)
        return queue_page_as_of(services.helpdesk, at, listing.filter, sort=listing.sort,
                                limit=listing.limit, cursor=listing.cursor)
