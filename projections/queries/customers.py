"""Customers: search by name or e-mail, one customer's profile and linked orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from projections.queries.keyset import Page, contains, keyset_page
from projections.tables import customer_orders, customers

C = customers.c
O = customer_orders.c  # noqa: E741 - the table's column collection, like ``Q`` in the queue

ORDER = ((C.name, False), (C.customer_id, False))


def search_customers(conn: Connection, q: str | None = None, *, limit: int = 50,
                     cursor: str | None = None) -> Page:
    """Customers whose name or e-mail contains ``q`` (any case), by name then id."""
    query = select(customers)
    if q and q.strip():
        query = query.where(or_(contains(C.name, q.strip()), contains(C.email, q.strip())))
    return keyset_page(conn, query, "customers", ORDER, limit=limit, cursor=cursor)


def find_customer(conn: Connection, customer_id: str) -> dict[str, Any] | None:
    """The customer row with this id, or None."""
    row = conn.execute(select(customers).where(C.customer_id == customer_id)).mappings().first()
    return dict(row) if row is not None else None


def orders_of(conn: Connection, customer_id: str) -> list[dict[str, Any]]:
    """The customer's linked orders, newest first."""
    rows = conn.execute(select(customer_orders).where(O.customer_id == customer_id)
                        .order_by(O.placed_on.desc(), O.number)).mappings().all()
    return [dict(row) for row in rows]
