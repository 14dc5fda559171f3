"""``/api/v1/tickets``: the agents' queue, a ticket's page, and every change to it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.params import FromQuery, JSONBody, QueryParameter

from api.auth import AgentDep, AgentPrincipal, current_agent
from api.params import IfMatch, TicketNumber, etag, expected_version, wait_for_position
from api.presenters import message_out, ticket_out, ticket_summary
from api.schemas.tickets import MessageIn, MessageOut, TicketIn, TicketList, TicketOut, TicketPatch
from api.services import Services, ServicesDep
from application.templating import ticket_context
from application.ticket_changes import KEEP, TicketChanges
from domain.errors import InvalidInput, NotFound
from domain.ticket import Ticket
from domain.values import Priority, Role, Status
from projections.queries.tickets import SORTS, TicketFilter, list_tickets

WRITERS = (Role.AGENT, Role.ADMIN)


def _utc(moment: datetime | None) -> datetime | None:
    """Times without an offset are UTC (as documented), not the server's local time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def visible_ticket(services: Services, agent: AgentPrincipal, number: str) -> Ticket:
    """The ticket, if the agent's branches include it (404 otherwise, so existence of
    other branches' tickets does not leak)."""
    ticket = services.helpdesk.get_ticket(number)
    hidden = ticket.deleted and agent.role is not Role.ADMIN
    if hidden or not agent.may_see_branch(ticket.branch):
        raise NotFound("ticket", ticket.number)
    return ticket


class TicketController(Controller):
    """Tickets as agents work them."""

    path = "/api/v1/tickets"
    tags = ["tickets"]
    dependencies = {"agent": Provide(current_agent, sync_to_thread=True)}
    security = [{"bearer": []}]

    @get("/", operation_id="listTickets", sync_to_thread=True)
    def list_tickets(
        self,
        services: ServicesDep,
        agent: AgentDep,
        status: FromQuery[list[Status] | None] = None,
        priority: FromQuery[list[Priority] | None] = None,
        category: Annotated[list[str] | None, QueryParameter(max_items=10)] = None,
        assignee: Annotated[str | None, QueryParameter(max_length=40,
                            description="an agent id, 'me' or 'none'")] = None,
        branch: Annotated[str | None, QueryParameter(max_length=64)] = None,
        tag: Annotated[str | None, QueryParameter(max_length=40)] = None,
        sla: FromQuery[Literal["at_risk", "breached"] | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        created_from: FromQuery[datetime | None] = None,
        created_to: FromQuery[datetime | None] = None,
        sort: FromQuery[Literal["priority", "sla_due", "-created_at", "created_at",
                                "-updated_at"]] = "priority",
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        min_position: Annotated[int | None, QueryParameter(ge=0)] = None,
    ) -> TicketList:
        """The queue: filters, sort (default priority then SLA due), counts by status."""
        assert sort in SORTS
        wait_for_position(services, min_position)
        wanted = TicketFilter(
            status=[s.value for s in status or ()], priority=[p.value for p in priority or ()],
            category=category or (), unassigned=assignee == "none",
            assignee=agent.id if assignee == "me" else (None if assignee == "none"
                                                        else assignee),
            branch=branch, tag=tag.lower() if tag else None, sla=sla, q=q,
            created_from=_utc(created_from), created_to=_utc(created_to),
            branch_scope=agent.branches)
        now = services.helpdesk.clock()
        with services.read.store.reader.connect() as conn:
            page = list_tickets(conn, wanted, now=now, sort=sort, limit=limit, cursor=cursor)
        return TicketList([ticket_summary(row, now) for row in page.items], page.next_cursor,
                          page.counts)

    @post("/", operation_id="createTicket", sync_to_thread=True)
    def create_ticket(self, services: ServicesDep, agent: AgentDep,
               data: JSONBody[TicketIn]) -> Response[TicketOut]:
        """Open a ticket for a customer; without ``assignee`` the router assigns it."""
        agent.require(*WRITERS)
        opened = services.helpdesk.open_ticket(
            subject=data.subject, description=data.description, customer_name=data.name,
            customer_email=data.email, channel=data.channel, category=data.category,
            priority=data.priority, actor=agent.actor, assignee=data.assignee,
            branch=data.branch, order_ref=data.order_ref, product_ref=data.product_ref,
            tags=data.tags)
        ticket = opened.ticket
        body = ticket_out(ticket, services.helpdesk.clock(), opened.position)
        return Response(body, status_code=201, headers={
            **etag(ticket.version), "Location": f"{self.path}/{ticket.number}"})

    @get("/{number:str}", operation_id="getTicket", sync_to_thread=True)
    def get_ticket(self, services: ServicesDep, agent: AgentDep,
            number: TicketNumber) -> Response[TicketOut]:
        """A ticket with its conversation (internal notes included), SLA and metrics."""
        ticket = visible_ticket(services, agent, number)
        return Response(ticket_out(ticket, services.helpdesk.clock()),
                        headers=etag(ticket.version))

    @patch("/{number:str}", operation_id="updateTicket", sync_to_thread=True)
    def update_ticket(self, services: ServicesDep, agent: AgentDep,
               number: TicketNumber, data: JSONBody[TicketPatch],
               if_match: IfMatch = None) -> Response[TicketOut]:
        """Change status, priority, category, assignee and/or tags at once."""
        agent.require(*WRITERS)
        visible_ticket(services, agent, number)
        unset = msgspec.UNSET
        assignee = KEEP if data.assignee is unset else (
            agent.id if data.assignee == "me" else data.assignee)
        changes = TicketChanges(
            status=None if data.status is unset else data.status,
            priority=None if data.priority is unset else data.priority,
            category=None if data.category is unset else data.category,
            assignee=assignee,
            tags=None if data.tags is unset else data.tags,
            reason=data.reason or "")
        saved = services.helpdesk.update_ticket(number, changes, actor=agent.actor,
                                                expected_version=expected_version(if_match))
        return Response(ticket_out(saved.aggregate, services.helpdesk.clock(), saved.position),
                        headers=etag(saved.version))

    @delete("/{number:str}", operation_id="deleteTicket", status_code=200,
            sync_to_thread=True)
    def remove(self, services: ServicesDep, agent: AgentDep,
               number: TicketNumber,
               if_match: IfMatch = None) -> Response[TicketOut]:
        """Soft-delete (admins): hidden from queues, history kept."""
        agent.require(Role.ADMIN)
        saved = services.helpdesk.delete(number, actor=agent.actor, reason="deleted via API",
                                         expected_version=expected_version(if_match))
        return Response(ticket_out(saved.aggregate, services.helpdesk.clock(), saved.position),
                        headers=etag(saved.version))

    @get("/{number:str}/messages", operation_id="listTicketMessages", sync_to_thread=True)
    def messages(self, services: ServicesDep, agent: AgentDep,
                 number: TicketNumber) -> list[MessageOut]:
        """The conversation, internal notes included, oldest first."""
        return [message_out(m) for m in visible_ticket(services, agent, number).messages]

    @post("/{number:str}/messages", operation_id="addTicketMessage", sync_to_thread=True)
    def add_message(self, services: ServicesDep, agent: AgentDep,
                    number: TicketNumber, data: JSONBody[MessageIn],
                    if_match: IfMatch = None) -> Response[TicketOut]:
        """Reply publicly or add an internal note, optionally from a template."""
        agent.require(*WRITERS)
        ticket = visible_ticket(services, agent, number)
        body = data.body
        if data.template:
            author = services.helpdesk.get_agent(agent.id)
            url = f"{services.settings.public_url}/portal/tickets/{ticket.number}"
            _, rendered = services.helpdesk.render_template(
                data.template, ticket_context(ticket, url=url, agent=author))
            body = body or rendered
        if not body:
            raise InvalidInput.field("body", "give a body or a template")
        saved = services.helpdesk.add_message(
            ticket.number, body, author=agent.actor, visibility=data.visibility,
            template=data.template, expected_version=expected_version(if_match))
        return Response(ticket_out(saved.aggregate, services.helpdesk.clock(), saved.position),
                        status_code=201, headers=etag(saved.version))
