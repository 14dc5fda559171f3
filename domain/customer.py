"""Customers: who writes to the help desk, and the orders their tickets may refer to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput
from domain.ids import natural_id
from domain.rules import (
    NAME_MAX,
    check_all,
    check_branch,
    check_email,
    check_phone,
    check_ref,
    check_text,
)

PRODUCTS_PER_ORDER_MAX = 100
TOTAL_LIMIT = Decimal(10) ** 14
TOTAL_DECIMALS = 4
ORDERS_PER_CUSTOMER_MAX = 10_000


@dataclass(frozen=True)
class Order:
    """An order the customer placed, imported from the shop."""

    number: str
    placed_on: date
    total: Decimal
    currency: str = "EUR"
    products: tuple[str, ...] = ()


def check_order(order: Order) -> Order:
    """Refuse malformed orders."""
    errors: dict[str, str] = {}
    number: str | None = None
    try:
        number = check_ref("orders.number", order.number)
        if number is None:
            errors["orders.number"] = "must not be empty"
    except InvalidInput as error:
        errors.update(error.errors)
    if (not isinstance(order.total, Decimal) or not order.total.is_finite()
            or not 0 <= order.total < TOTAL_LIMIT
            or order.total.as_tuple().exponent < -TOTAL_DECIMALS):  # type: ignore[operator]
        errors["orders.total"] = (f"must be an amount from 0 to below {TOTAL_LIMIT:,} with at "
                                  f"most {TOTAL_DECIMALS} decimals")
    if not (isinstance(order.currency, str) and len(order.currency) == 3
            and order.currency.isalpha() and order.currency.isupper()):
        errors["orders.currency"] = "must be a three-letter ISO 4217 code such as EUR"
    if len(order.products) > PRODUCTS_PER_ORDER_MAX:
        errors["orders.products"] = f"at most {PRODUCTS_PER_ORDER_MAX} products"
    products: list[str] = []
    for product in order.products:
        try:
            ref = check_ref("orders.products", product)
        except InvalidInput as error:
            errors.update(error.errors)
            continue
        if ref:
            products.append(ref)
    if errors:
        raise InvalidInput(errors)
    assert number is not None
    return Order(number, order.placed_on, order.total, order.currency, tuple(products))


class CustomerRegistered(Aggregate.Created):
    """A customer became known (through a ticket, the API or an import)."""

    email: str
    name: str
    phone: str | None = None
    branch: str | None = None

    def apply(self, aggregate: Any) -> None:
        c = aggregate
        c.email, c.name, c.phone, c.branch, c.orders = (
            self.email, self.name, self.phone, self.branch, [],
        )


class CustomerUpdated(Aggregate.Event):
    """A customer's contact details changed."""

    name: str
    phone: str | None = None
    branch: str | None = None

    def apply(self, aggregate: Any) -> None:
        aggregate.name, aggregate.phone, aggregate.branch = self.name, self.phone, self.branch


class OrderLinked(Aggregate.Event):
    """An order was linked to the customer (a later link of the same number replaces it)."""

    order: Order

    def apply(self, aggregate: Any) -> None:
        kept = [o for o in aggregate.orders if o.number != self.order.number]
        aggregate.orders = [*kept, self.order]


class CustomerState:
    """Attributes of a customer."""

    email: str
    name: str
    phone: str | None
    branch: str | None
    orders: list[Order]


class Customer(CustomerState, Aggregate):
    """A person or company who opens tickets; identified by e-mail address."""

    @staticmethod
    def create_id(email: str) -> UUID:
        """A customer's id derives from the (lower-cased) e-mail address."""
        return natural_id("customer", email.lower())

    @classmethod
    def register(cls, email: str, name: str, phone: str | None = None,
                 branch: str | None = None, *, at: datetime | None = None) -> Customer:
        """Make a customer known."""
        name_, phone_, branch_ = _check_contact(name, phone, branch)
        return cls._create(CustomerRegistered, email=check_email("email", email), name=name_,
                           phone=phone_, branch=branch_, timestamp=at)

    def update(self, name: str, phone: str | None, branch: str | None, *,
               at: datetime | None = None) -> None:
        """Change contact details; no event when nothing changes."""
        contact = _check_contact(name, phone, branch)
        if contact != (self.name, self.phone, self.branch):
            self.trigger_event(CustomerUpdated, name=contact[0], phone=contact[1],
                               branch=contact[2], timestamp=at)

    def link_order(self, order: Order, *, at: datetime | None = None) -> None:
        """Link (or refresh) an order; no event when it is already linked as given."""
        clean = check_order(order)
        if clean in self.orders:
            return
        if self.find_order(clean.number) is None and len(self.orders) >= ORDERS_PER_CUSTOMER_MAX:
            raise InvalidInput.field("orders", f"at most {ORDERS_PER_CUSTOMER_MAX} orders")
        self.trigger_event(OrderLinked, order=clean, timestamp=at)

    def find_order(self, number: str) -> Order | None:
        """The linked order with this number, if any."""
        return next((o for o in self.orders if o.number == number), None)


def _check_contact(name: str, phone: str | None,
                   branch: str | None) -> tuple[str, str | None, str | None]:
    values = check_all({
        "name": lambda: check_text("name", name, NAME_MAX, single_line=True),
        "phone": lambda: check_phone("phone", phone),
        "branch": lambda: check_branch("branch", branch),
    })
    return values["name"], values["phone"], values["branch"]
