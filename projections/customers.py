"""``customers`` (one row per customer) and ``customer_orders`` (their linked orders)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from domain.customer import CustomerRegistered, CustomerUpdated, OrderLinked
from projections.read_model import BufferedReadModel, ids_of
from projections.tables import customer_orders, customers


class CustomersReadModel(BufferedReadModel):
    """Who writes to the help desk, and the orders their tickets may refer to."""

    name = "customers"
    tables = (customers, customer_orders)

    def prefetch(self, events: Sequence[Any]) -> None:
        self.rows(customers).prefetch(
            ids_of(events, CustomerUpdated, created=CustomerRegistered))
        self.rows(customer_orders).prefetch_by(
            "customer_id", ids_of(events, OrderLinked))

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events of other aggregates change nothing."""

    @apply.register
    def _registered(self, event: CustomerRegistered, position: int) -> None:
        self.rows(customers).insert({
            "customer_id": str(event.originator_id), "email": event.email,
            "name": event.name, "phone": event.phone, "branch": event.branch,
            "created_at": event.timestamp, "updated_at": event.timestamp,
        })

    @apply.register
    def _updated(self, event: CustomerUpdated, position: int) -> None:
        self.rows(customers).update(str(event.originator_id), {
            "name": event.name, "phone": event.phone, "branch": event.branch,
            "updated_at": event.timestamp})

    @apply.register
    def _order_linked(self, event: OrderLinked, position: int) -> None:
        customer_id, order = str(event.originator_id), event.order
        orders = self.rows(customer_orders)
        orders.delete((customer_id, order.number))
        orders.insert({
            "customer_id": customer_id, "number": order.number,
            "placed_on": order.placed_on, "total": order.total,
            "currency": order.currency, "products": " ".join(order.products),
        })
