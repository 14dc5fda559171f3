"""``/api/v1/tickets``: the agents' queue, a ticket's page, and every change to it."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from api.auth import AgentDep, AgentPrincipal, current_agent
from api.params import IfMatch, TicketNumber, etag, expected_version, wait_for_position
from api.presenters import message_out, ticket_out, ticket_summary
from api.schemas.tickets import MessageIn, MessageOut, TicketIn, TicketList, TicketOut, TicketPatch
from api.services import Services, ServicesDep, read_connection
from api.ticket_query import TicketQuery, ticket_query
from application.templating import ticket_context
from application.ticket_changes import KEEP, TicketChanges
from domain.errors import InvalidInput, NotFound
from domain.ticket import Ticket
from domain.values import Role
from projections.queries.tickets import list_tickets

WRITERS = (Role.AGENT, Role.ADMIN)


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

    @get("/", operation_id="listTickets", sync_to_thread=True,
         dependencies={"listing": Provide(ticket_query, sync_to_thread=False)})
    def list_tickets(
        self,
        services: ServicesDep,
        listing: NamedDependency[TicketQuery],
        min_position: Annotated[int | None, QueryParameter(ge=0)] = None,
    ) -> TicketList:
        """The queue: filters, sort (default priority then SLA due), counts by status."""
        wait_for_position(services, min_position)
        now = services.helpdesk.clock()
        with read_connection(services) as conn:
            page = list_tickets(conn, listing.filter, now=now, sort=listing.sort,
                                limit=listing.limit, cursor=listing.cursor)
        return TicketList([ticket_summary(row, now) for row in page.items], page.next_cursor,
                          page.counts, page.counts_capped)

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
