"""The ticket list: every filter of the queue, keyset pagination, counts by status.

Every order reads from an index of ``ticket_queue`` (``QUEUE_ORDER_INDEXES`` and the
created/updated indexes in ``projections.tables``) and pages with a row comparison
(``projections.queries.keyset``), so a page costs about ``limit`` ÷ the filter's
selectivity rows, at any depth; the counts come from ``ticket_counts`` when they can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from domain.errors import InvalidInput
from projections.queries.keyset import keyset_page
from projections.queries.statements import Binds
from projections.queries.ticket_counts import Counts, counts_by_status
from projections.queries.ticket_filter import Q, TicketFilter, conditions

__all__ = ["LIST_COLUMNS", "SORTS", "TicketFilter", "TicketPage", "list_tickets"]

SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    # name: ((column, descending), ...), one direction each; the last column makes the
    # order total. priority_order is 0 for urgent … 3 for low.
    "priority": (("priority_order", False), ("sla_order", False), ("number", False)),
    "sla_due": (("sla_order", False), ("priority_order", False), ("number", False)),
    "-created_at": (("created_at", True), ("number", True)),
    "created_at": (("created_at", False), ("number", False)),
    "-updated_at": (("updated_at", True), ("number", True)),
}

CURSOR_VERSION = 2
"""Part of every cursor's list name: cursors of older versions (ordered by
``priority_rank``) are refused with a 422 rather than read with another meaning."""

LIST_COLUMNS = ("ticket_id", "number", "subject", "status", "priority", "priority_order",
                "category", "branch", "assignee_id", "customer_id", "customer_name",
                "customer_email", "tags", "created_at", "updated_at", "message_count",
                "sla_next_due", "sla_next_at_risk", "sla_order", "sla_breached", "deleted",
                "version")
"""The keys of each item: what a ticket summary shows, plus the sort keys."""

_SELECTED = select(*(Q[name] for name in LIST_COLUMNS))
_ORDERS = {sort: [(Q[name], descending) for name, descending in spec]
           for sort, spec in SORTS.items()}


@dataclass(frozen=True)
class TicketPage:
    """One page of the list."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)
    counts_capped: bool = False
    """Some count stopped at ``SEARCH_COUNT_CAP`` (a text search): there may be more."""


def cursor_name(sort: str) -> str:
    """The list name a cursor of ``sort`` carries."""
    return f"tickets.v{CURSOR_VERSION}.{sort}"


def list_tickets(conn: Connection, f: TicketFilter, *, now: datetime, sort: str = "priority",
                 limit: int = 50, cursor: str | None = None,
                 with_counts: bool = True) -> TicketPage:
    """One page of tickets matching ``f`` in ``sort`` order, after ``cursor``."""
    if sort not in SORTS:
        raise InvalidInput.field("sort", f"{sort!r} is not one of: {', '.join(SORTS)}")
    binds = Binds()
    query = _SELECTED.where(*conditions(f, now, binds, with_status=True))
    page = keyset_page(conn, query, cursor_name(sort), _ORDERS[sort], limit=limit,
                       cursor=cursor, binds=binds)
    counts = counts_by_status(conn, f, now) if with_counts else Counts()
    return TicketPage(page.items, page.next_cursor, counts.by_status, counts.capped)
