"""Builds tickets for unit tests without any infrastructure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.ticket import Ticket
from domain.values import Actor, Channel, CustomerRef, Priority

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CUSTOMER = CustomerRef("c-1", "Bob Buyer", "bob@example.com")
BOB = Actor.customer("c-1")
ANN = Actor.agent("a-1")
ROBOT = Actor.system("test")


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def new_ticket(number: str = "TKT-2026-000001", **overrides: object) -> Ticket:
    """An open ticket with sensible defaults."""
    fields: dict[str, object] = dict(
        number=number, subject="Parcel never arrived", description="Order 1234 is late",
        customer=CUSTOMER, channel=Channel.PORTAL, category="shipping",
        priority=Priority.MEDIUM, actor=BOB, access_token_hash="h" * 64, at=T0,
    )
    fields.update(overrides)
    return Ticket.open(**fields)  # type: ignore[arg-type]
