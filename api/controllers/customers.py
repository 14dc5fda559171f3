"""``/api/v1/customers``: search customers, see one with their orders and tickets, and
register or update customers with their orders (admins)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.params import JSONBody, PathParameter, QueryParameter

from api.auth import AgentDep, current_agent
from api.params import etag, wait_for_position
from api.presenters import ticket_summary
from api.schemas.customers import (
    CustomerDetail,
    CustomerIn,
    CustomerList,
    CustomerRecord,
    CustomerSummary,
    OrderOut,
)
from api.services import ServicesDep
from domain.customer import Customer, Order
from domain.errors import NotFound
from domain.values import Role
from projections.queries.customers import find_customer, orders_of, search_customers
from projections.queries.tickets import TicketFilter, list_tickets

READERS = (Role.AGENT, Role.ADMIN, Role.ANALYST)
TICKETS_SHOWN = 50
CENT = Decimal("0.01")
CustomerId = Annotated[str, PathParameter(max_length=64)]


def money(total: Decimal) -> str:
    """An amount as text with at least two decimals (``19.99``, ``20.00``, ``1.2345``)."""
    if total == total.quantize(CENT):
        return f"{total.quantize(CENT):f}"
    return f"{total.normalize():f}"


def order_out(order: Order | dict[str, Any]) -> OrderOut:
    """A linked order, from the aggregate or a ``customer_orders`` row."""
    if isinstance(order, Order):
        return OrderOut(order.number, order.placed_on, money(order.total), order.currency,
                        list(order.products))
    return OrderOut(order["number"], order["placed_on"], money(Decimal(order["total"])),
                    order["currency"], order["products"].split())


def customer_out(customer: Customer, position: int = 0) -> CustomerRecord:
    """A customer as the write side stored them."""
    return CustomerRecord(
        id=str(customer.id), email=customer.email, name=customer.name, phone=customer.phone,
        branch=customer.branch, orders=[order_out(o) for o in customer.orders],
        created_at=customer.created_on, updated_at=customer.modified_on,
        version=customer.version, position=position)


def customer_summary(row: dict[str, Any]) -> CustomerSummary:
    """A search row."""
    return CustomerSummary(id=row["customer_id"], email=row["email"], name=row["name"],
                           phone=row["phone"], branch=row["branch"],
                           created_at=row["created_at"], updated_at=row["updated_at"])


def canonical_id(customer_id: str) -> str:
    """The id as the read models write it; 404 for anything that is not a UUID."""
    try:
        return str(UUID(customer_id))
    except ValueError:
        raise NotFound("customer", customer_id) from None


class CustomerController(Controller):
    """Customers as agents look them up."""

    path = "/api/v1/customers"
    tags = ["customers"]
    dependencies = {"agent": Provide(current_agent, sync_to_thread=True)}
    security = [{"bearer": []}]

    @get("/", operation_id="listCustomers", sync_to_thread=True)
    def list_customers(
        self,
        services: ServicesDep,
        agent: AgentDep,
        q: Annotated[str | None, QueryParameter(
            max_length=200, description="part of the name or e-mail, any case")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        min_position: Annotated[int | None, QueryParameter(ge=0)] = None,
    ) -> CustomerList:
        """Customers whose name or e-mail contains ``q``, by name."""
        agent.require(*READERS)
        wait_for_position(services, min_position)
        with services.read.store.reader.connect() as conn:
            page = search_customers(conn, q, limit=limit, cursor=cursor)
        return CustomerList([customer_summary(row) for row in page.items], page.next_cursor)

    @get("/{customer_id:str}", operation_id="getCustomer", sync_to_thread=True)
    def show_customer(
        self,
        services: ServicesDep,
        agent: AgentDep,
        customer_id: CustomerId,
        min_position: Annotated[int | None, QueryParameter(ge=0)] = None,
    ) -> CustomerDetail:
        """A customer's profile, orders, and the newest tickets of branches the caller may
        see."""
        agent.require(*READERS)
        wait_for_position(services, min_position)
        key = canonical_id(customer_id)
        now = services.helpdesk.clock()
        with services.read.store.reader.connect() as conn:
            row = find_customer(conn, key)
            if row is None:
                raise NotFound("customer", customer_id)
            orders = orders_of(conn, key)
            tickets = list_tickets(
                conn, TicketFilter(customer_id=key, branch_scope=agent.branches), now=now,
                sort="-created_at", limit=TICKETS_SHOWN, with_counts=False)
        return CustomerDetail(
            id=row["customer_id"], email=row["email"], name=row["name"], phone=row["phone"],
            branch=row["branch"], created_at=row["created_at"], updated_at=row["updated_at"],
            orders=[order_out(o) for o in orders],
            tickets=[ticket_summary(t, now) for t in tickets.items])

    @post("/", operation_id="upsertCustomer", sync_to_thread=True)
    def upsert_customer(self, services: ServicesDep, agent: AgentDep,
                        data: JSONBody[CustomerIn]) -> Response[CustomerRecord]:
        """Register a customer (known by e-mail) or update their details, and link orders
        (admins)."""
        agent.require(Role.ADMIN)
        orders = [Order(number=o.number, placed_on=o.placed_on, total=Decimal(o.total),
                        currency=o.currency, products=tuple(o.products)) for o in data.orders]
        saved = services.helpdesk.upsert_customer(email=data.email, name=data.name,
                                                  phone=data.phone, branch=data.branch,
                                                  orders=orders)
        customer = saved.aggregate
        return Response(customer_out(customer, saved.position), status_code=201, headers={
            **etag(customer.version), "Location": f"{self.path}/{customer.id}"})
