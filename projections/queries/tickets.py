"""The ticket list: every filter of the queue, keyset pagination, counts by status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.engine import Connection

from domain.errors import InvalidInput
from projections.queries.cursor import decode_cursor, encode_cursor
from projections.tables import ticket_queue, ticket_tags

Q = ticket_queue.c

SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    # name: ((column, descending), ...) — the last column makes the order total.
    "priority": (("priority_rank", True), ("sla_order", False), ("number", False)),
    "sla_due": (("sla_order", False), ("priority_rank", True), ("number", False)),
    "-created_at": (("created_at", True), ("number", True)),
    "created_at": (("created_at", False), ("number", False)),
    "-updated_at": (("updated_at", True), ("number", True)),
}
_TIMESTAMPS = {"sla_order", "created_at", "updated_at"}


@dataclass(frozen=True)
class TicketFilter:
    """What the caller asked for, plus the branches the caller may see."""

    status: Sequence[str] = ()
    priority: Sequence[str] = ()
    category: Sequence[str] = ()
    assignee: str | None = None
    unassigned: bool = False
    branch: str | None = None
    tag: str | None = None
    sla: str | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    customer_id: str | None = None
    branch_scope: tuple[str, ...] = ()
    include_deleted: bool = False


@dataclass(frozen=True)
class TicketPage:
    """One page of the list."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def _conditions(f: TicketFilter, now: datetime, *, with_status: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not f.include_deleted:
        conditions.append(Q.deleted == false())
    if with_status and f.status:
        conditions.append(Q.status.in_(f.status))
    if f.priority:
        conditions.append(Q.priority.in_(f.priority))
    if f.category:
        conditions.append(Q.category.in_(f.category))
    if f.unassigned:
        conditions.append(Q.assignee_id.is_(None))
    elif f.assignee:
        conditions.append(Q.assignee_id == f.assignee)
    if f.branch:
        conditions.append(Q.branch == f.branch)
    if f.branch_scope:
        conditions.append(or_(Q.branch.in_(f.branch_scope), Q.branch.is_(None)))
    if f.tag:
        conditions.append(exists().where(ticket_tags.c.ticket_id == Q.ticket_id,
                                         ticket_tags.c.tag == f.tag))
    if f.sla == "breached":
        conditions.append(or_(Q.sla_breached == true(), Q.sla_next_due <= now))
    elif f.sla == "at_risk":
        conditions.append(and_(Q.sla_breached == false(), Q.sla_next_at_risk <= now,
                               Q.sla_next_due > now))
    if f.q:
        pattern = "%" + f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Q.subject, Q.number, Q.customer_name, Q.customer_email))))
    if f.created_from:
        conditions.append(Q.created_at >= f.created_from)
    if f.created_to:
        conditions.append(Q.created_at < f.created_to)
    if f.customer_id:
        conditions.append(Q.customer_id == f.customer_id)
    return conditions


def _after(sort: str, values: list[Any]) -> ColumnElement[bool]:
    spec = SORTS[sort]
    if len(values) != len(spec):
        raise InvalidInput.field("cursor", "not a cursor this list returned (use next_cursor)")
    typed: list[Any] = []
    for (name, _), value in zip(spec, values, strict=True):
        try:
            typed.append(datetime.fromisoformat(value) if name in _TIMESTAMPS else value)
        except (TypeError, ValueError):
            raise InvalidInput.field("cursor", "not a cursor this list returned") from None
    alternatives = []
    for i, (name, descending) in enumerate(spec):
        column = Q[name]
        equal = [Q[n] == typed[j] for j, (n, _) in enumerate(spec[:i])]
        beyond = column < typed[i] if descending else column > typed[i]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def list_tickets(conn: Connection, f: TicketFilter, *, now: datetime, sort: str = "priority",
                 limit: int = 50, cursor: str | None = None,
                 with_counts: bool = True) -> TicketPage:
    """One page of tickets matching ``f`` in ``sort`` order, after ``cursor``."""
    if sort not in SORTS:
        raise InvalidInput.field("sort", f"{sort!r} is not one of: {', '.join(SORTS)}")
    spec = SORTS[sort]
    conditions = _conditions(f, now, with_status=True)
    if cursor:
        conditions.append(_after(sort, decode_cursor(cursor, sort)))
    order = [Q[name].desc() if descending else Q[name].asc() for name, descending in spec]
    rows = conn.execute(select(ticket_queue).where(*conditions).order_by(*order)
                        .limit(limit + 1)).mappings().all()
    items = [dict(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(sort, [
            last[name].isoformat() if name in _TIMESTAMPS else last[name] for name, _ in spec])
    counts: dict[str, int] = {}
    if with_counts:
        counted = conn.execute(select(Q.status, func.count()).where(
            *_conditions(f, now, with_status=False)).group_by(Q.status)).all()
        counts = {status: int(n) for status, n in counted}
    return TicketPage(items, next_cursor, counts)
