"""``/console/tickets/new``: open a ticket for a customer found by name or e-mail, with one
of their orders, a category, a priority and manual or automatic assignment."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from api.auth import AgentDep, AgentPrincipal
from api.controllers.customers import money
from api.services import Services, ServicesDep
from api.web.common import WRITERS, ConsoleController, Form, form_errors, page, redirect
from api.web.lookups import Lookups
from domain.errors import DomainError
from domain.values import Channel, Priority
from projections.queries.customers import find_customer, orders_of, search_customers

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
FOUND_MAX = 10
EMPTY = {"name": "", "email": "", "subject": "", "description": "", "category": "",
         "priority": "", "order_ref": "", "order_ref_other": "", "assignment": "auto",
         "assignee": "", "tags": ""}


def customer_and_orders(services: Services, customer_id: str) -> tuple[dict[str, Any] | None,
                                                                        list[dict[str, Any]]]:
    """A customer of the read model and their orders (amounts as text)."""
    try:
        key = str(UUID(customer_id))
    except ValueError:
        return None, []
    with services.read.store.reader.connect() as conn:
        row = find_customer(conn, key)
        orders = orders_of(conn, key) if row else []
    return row, [{**o, "total": money(Decimal(o["total"])),
                  "products": o["products"].split()} for o in orders]


def new_ticket_page(request: Request[Any, Any, Any], services: Services,
                    agent: AgentPrincipal, values: dict[str, str], *, status: int = 200,
                    error: str | None = None, errors: dict[str, str] | None = None,
                    customer_q: str = "", customer_id: str = "") -> Template:
    """The form, with customer search results and the chosen customer's orders."""
    found: list[dict[str, Any]] = []
    search_error = None
    if customer_q:
        if len(customer_q) > 200:
            search_error, customer_q = "Search for at most 200 characters.", customer_q[:200]
        with services.read.store.reader.connect() as conn:
            found = search_customers(conn, customer_q, limit=FOUND_MAX).items
    customer, orders = (customer_and_orders(services, customer_id) if customer_id
                        else (None, []))
    if customer is not None and not values.get("email"):
        values = {**values, "name": customer["name"], "email": customer["email"]}
    elif customer_id and customer is None:
        search_error = "That customer is unknown; search again."
    lookups = Lookups(services)
    return page(request, "console/new_ticket.html", status=status, values=values,
                error=error, errors=errors or {}, customer_q=customer_q, found=found,
                search_error=search_error, customer=customer, orders=orders,
                lookups=lookups, priorities=list(Priority))


class NewTicketController(ConsoleController):
    """Agents open tickets for customers."""

    path = "/console/tickets/new"

    @get("/", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             customer_q: FromQuery[str] = "", customer: FromQuery[str] = "") -> Template:
        """The form; ``customer_q`` searches customers, ``customer`` picks one."""
        agent.require(*WRITERS)
        return new_ticket_page(request, services, agent, dict(EMPTY),
                               customer_q=customer_q.strip(), customer_id=customer[:64])

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
               data: FormData) -> Template | Redirect:
        """Open the ticket (the router assigns it unless an agent is chosen)."""
        agent.require(*WRITERS)
        form = Form(data)
        values = {name: form.text(name, default) for name, default in EMPTY.items()}
        errors: dict[str, str] = {}
        priority = None
        if values["priority"]:
            if values["priority"] in {p.value for p in Priority}:
                priority = Priority(values["priority"])
            else:
                errors["priority"] = "choose a priority"
        assignee = None
        if values["assignment"] == "manual":
            assignee = values["assignee"] or None
            if assignee is None:
                errors["assignee"] = "choose an agent, or let the desk assign the ticket"
        order_ref = (values["order_ref_other"] if values["order_ref"] == "other"
                     else values["order_ref"]) or None
        for name, limit in (("subject", 200), ("description", 20_000)):
            if not values[name]:
                errors[name] = "must not be empty"
            elif len(values[name]) > limit:
                errors[name] = f"must be at most {limit} characters"
        customer_id = form.text("customer_id")[:64]
        if errors:
            return new_ticket_page(request, services, agent, values, status=422,
                                   error="Some fields need attention.", errors=errors,
                                   customer_id=customer_id)
        try:
            opened = services.helpdesk.open_ticket(
                subject=values["subject"], description=values["description"],
                customer_name=values["name"], customer_email=values["email"],
                channel=Channel.AGENT, category=values["category"] or None,
                priority=priority, actor=agent.actor, assignee=assignee,
                order_ref=order_ref,
                tags=values["tags"].replace(",", " ").lower().split())
        except DomainError as error:
            summary, fields = form_errors(error)
            if "order_ref" in fields and values["order_ref"] == "other":
                fields["order_ref_other"] = fields.pop("order_ref")
            return new_ticket_page(request, services, agent, values, status=422,
                                   error=summary, errors=fields, customer_id=customer_id)
        return redirect(f"/console/tickets/{opened.ticket.number}", done="created")
