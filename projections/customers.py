"""``customers`` (one row per customer) and ``customer_orders`` (their linked orders)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from sqlalchemy import delete, insert, update

from domain.customer import CustomerRegistered, CustomerUpdated, OrderLinked
from projections.read_model import ReadModel
from projections.tables import customer_orders, customers

C = customers.c
O = customer_orders.c  # noqa: E741 - the table's column collection, like ``Q`` in the queue


class CustomersReadModel(ReadModel):
    """Who writes to the help desk, and the orders their tickets may refer to."""

    name = "customers"
    tables = (customers, customer_orders)

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events of other aggregates change nothing."""

    @apply.register
    def _registered(self, event: CustomerRegistered, position: int) -> None:
        self.conn.execute(insert(customers).values(
            customer_id=str(event.originator_id), email=event.email, name=event.name,
            phone=event.phone, branch=event.branch, created_at=event.timestamp,
            updated_at=event.timestamp,
        ))

    @apply.register
    def _updated(self, event: CustomerUpdated, position: int) -> None:
        self.conn.execute(update(customers).where(C.customer_id == str(event.originator_id))
                          .values(name=event.name, phone=event.phone, branch=event.branch,
                                  updated_at=event.timestamp))

    @apply.register
    def _order_linked(self, event: OrderLinked, position: int) -> None:
        customer_id, order = str(event.originator_id), event.order
        self.conn.execute(delete(customer_orders).where(
            O.customer_id == customer_id, O.number == order.number))
        self.conn.execute(insert(customer_orders).values(
            customer_id=customer_id, number=order.number, placed_on=order.placed_on,
            total=order.total, currency=order.currency, products=" ".join(order.products),
        ))
