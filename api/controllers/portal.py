"""``/api/v1/portal``: customers open tickets, read them (public messages only) and reply,
authenticated by the ticket's access token."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody

from api.auth import bearer_token
from api.params import TicketNumber, etag
from api.presenters import portal_ticket_out
from api.schemas.tickets import (
    FollowUpIn,
    PortalCreatedOut,
    PortalMessageIn,
    PortalTicketIn,
    PortalTicketOut,
)
from api.services import ServicesDep
from domain.errors import NotFound
from domain.ticket import Ticket
from domain.values import Actor, Channel, Visibility


def customer_ticket(services: ServicesDep, request: Request[Any, Any, Any],
                    number: str) -> Ticket:
    """The ticket this request's access token opens; 404 for any mismatch, so a token
    never reveals whether another ticket exists."""
    ticket = services.helpdesk.authenticate_customer(number, bearer_token(request))
    if ticket is None:
        raise NotFound("ticket", number)
    return ticket


def created(services: ServicesDep, path: str, ticket: Ticket, token: str,
            position: int) -> Response[PortalCreatedOut]:
    """The 201 answer for a new ticket, with its private link."""
    url = f"{services.settings.public_url}/portal/tickets/{ticket.number}#token={token}"
    body = PortalCreatedOut(number=ticket.number, access_token=token, url=url,
                            status=ticket.status, version=ticket.version, position=position)
    return Response(body, status_code=201, headers={
        **etag(ticket.version), "Location": f"{path}/{ticket.number}",
        "Cache-Control": "no-store"})


class PortalController(Controller):
    """The customer portal's API."""

    path = "/api/v1/portal/tickets"
    tags = ["portal"]

    @post("/", operation_id="portalCreateTicket", sync_to_thread=True,
          opt={"rate_limited": True})
    def open_ticket(self, services: ServicesDep,
                    data: JSONBody[PortalTicketIn]) -> Response[PortalCreatedOut]:
        """Open a ticket; the access token in the answer is shown only this once."""
        opened = services.helpdesk.open_ticket(
            subject=data.subject, description=data.description, customer_name=data.name,
            customer_email=data.email, channel=Channel.PORTAL, category=data.category,
            priority=data.priority, order_ref=data.order_ref, product_ref=data.product_ref)
        return created(services, self.path, opened.ticket, opened.access_token,
                       opened.position)

    @get("/{number:str}", operation_id="portalGetTicket", sync_to_thread=True,
         security=[{"accessToken": []}])
    def show_ticket(self, services: ServicesDep, request: Request[Any, Any, Any],
            number: TicketNumber) -> Response[PortalTicketOut]:
        """The ticket with its public messages."""
        ticket = customer_ticket(services, request, number)
        return Response(portal_ticket_out(ticket), headers=etag(ticket.version))

    @post("/{number:str}/messages", operation_id="portalReply", sync_to_thread=True,
          security=[{"accessToken": []}])
    def reply(self, services: ServicesDep, request: Request[Any, Any, Any],
              number: TicketNumber, data: JSONBody[PortalMessageIn]) -> Response[PortalTicketOut]:
        """Reply; a reply reopens a resolved or waiting ticket, and a closed ticket refuses
        it (409) and offers a follow-up ticket instead."""
        ticket = customer_ticket(services, request, number)
        saved = services.helpdesk.add_message(
            ticket.number, data.body, author=Actor.customer(ticket.customer.id),
            visibility=Visibility.PUBLIC)
        return Response(portal_ticket_out(saved.aggregate, saved.position), status_code=201,
                        headers=etag(saved.version))

    @post("/{number:str}/follow-ups", operation_id="portalOpenFollowUp", sync_to_thread=True,
          security=[{"accessToken": []}])
    def follow_up(self, services: ServicesDep, request: Request[Any, Any, Any],
                  number: TicketNumber, data: JSONBody[FollowUpIn]) -> Response[PortalCreatedOut]:
        """Open a new ticket linked to this closed one (its own access token is returned)."""
        ticket = customer_ticket(services, request, number)
        opened = services.helpdesk.open_follow_up(
            ticket.number, subject=data.subject or f"Follow-up to {ticket.number}",
            description=data.description, actor=Actor.customer(ticket.customer.id))
        return created(services, self.path, opened.ticket, opened.access_token,
                       opened.position)
