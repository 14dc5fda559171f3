"""Request and response bodies of customers and their orders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from api.schemas.common import Branch, Email, Input, Name, Phone, Ref
from api.schemas.tickets import TicketSummary
from domain import rules
from domain.customer import PRODUCTS_PER_ORDER_MAX

ORDERS_PER_REQUEST_MAX = 100

Amount = Annotated[str, msgspec.Meta(
    pattern=r"^[0-9]{1,14}(?:\.[0-9]{1,4})?$", examples=["19.99"],
    description="a decimal amount as text: up to 14 digits and 4 decimals")]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", examples=["EUR"],
                                       description="an ISO 4217 code")]
OrderNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.REF_MAX)]
Products = Annotated[list[Ref], msgspec.Meta(max_length=PRODUCTS_PER_ORDER_MAX)]


class OrderIn(Input):
    """An order to link (a later link of the same number replaces it)."""

    number: OrderNumber
    placed_on: date
    total: Amount
    currency: Currency = "EUR"
    products: Products = []


class CustomerIn(Input):
    """Register a customer (by e-mail) or update their details, and link orders."""

    email: Email
    name: Name
    phone: Phone | None = None
    branch: Branch | None = None
    orders: Annotated[list[OrderIn], msgspec.Meta(max_length=ORDERS_PER_REQUEST_MAX)] = []


class OrderOut(msgspec.Struct):
    """A linked order."""

    number: str
    placed_on: date
    total: str
    currency: str
    products: list[str]


class CustomerRecord(msgspec.Struct):
    """A customer as the write side stored them (the answer to a registration)."""

    id: str
    email: str
    name: str
    phone: str | None
    branch: str | None
    orders: list[OrderOut]
    created_at: datetime
    updated_at: datetime
    version: int
    position: int = 0


class CustomerSummary(msgspec.Struct):
    """A row of the customer search."""

    id: str
    email: str
    name: str
    phone: str | None
    branch: str | None
    created_at: datetime
    updated_at: datetime


class CustomerList(msgspec.Struct):
    """A page of customers, by name."""

    items: list[CustomerSummary]
    next_cursor: str | None


class CustomerDetail(msgspec.Struct):
    """A customer's profile, orders (newest first) and tickets the caller may see (newest
    first, at most 50)."""

    id: str
    email: str
    name: str
    phone: str | None
    branch: str | None
    created_at: datetime
    updated_at: datetime
    orders: list[OrderOut]
    tickets: list[TicketSummary]
