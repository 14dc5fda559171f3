"""What a ticket list may be filtered on, as conditions on ``ticket_queue``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, true

from projections.queries.keyset import like_pattern
from projections.search_text import SEPARATOR, search_text
from projections.tables import ticket_queue, ticket_tags

Q = ticket_queue.c

SEARCHED = (Q.subject, Q.number, Q.customer_name, Q.customer_email)
"""The columns ``q`` looks in."""

SEARCH_TEXT = search_text(*SEARCHED)
"""Those columns as one lowered text (``ix_ticket_queue_search`` on PostgreSQL)."""


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


def one_of(column: ColumnElement[Any], values: Sequence[str]) -> ColumnElement[bool]:
    """``column = value`` for one value (an index's equality prefix), else ``IN``."""
    return column == values[0] if len(values) == 1 else column.in_(values)


def matches_text(q: str) -> ColumnElement[bool]:
    """One of the searched columns contains ``q``, ignoring case (``%``, ``_`` and ``\\``
    literal): the joined text contains it, unless ``q`` holds the separator itself."""
    pattern = like_pattern(q)
    if SEPARATOR in pattern:
        return or_(*(func.lower(column).like(pattern, escape="\\") for column in SEARCHED))
    return SEARCH_TEXT.like(pattern, escape="\\")


def conditions(f: TicketFilter, now: datetime, *,
               with_status: bool) -> list[ColumnElement[bool]]:
    """The WHERE of ``f`` (``deleted = false`` literally, as the partial indexes say)."""
    found: list[ColumnElement[bool]] = []
    if not f.include_deleted:
        found.append(Q.deleted == false())
    if with_status and f.status:
        found.append(one_of(Q.status, f.status))
    if f.priority:
        found.append(one_of(Q.priority, f.priority))
    if f.category:
        found.append(one_of(Q.category, f.category))
    if f.unassigned:
        found.append(Q.assignee_id.is_(None))
    elif f.assignee:
        found.append(Q.assignee_id == f.assignee)
    if f.branch:
        found.append(Q.branch == f.branch)
    if f.branch_scope:
        found.append(or_(Q.branch.in_(f.branch_scope), Q.branch.is_(None)))
    if f.tag:
        found.append(exists().where(ticket_tags.c.ticket_id == Q.ticket_id,
                                    ticket_tags.c.tag == f.tag))
    if f.sla == "breached":
        found.append(or_(Q.sla_breached == true(), Q.sla_next_due <= now))
    elif f.sla == "at_risk":
        found.append(and_(Q.sla_breached == false(), Q.sla_next_at_risk <= now,
                          Q.sla_next_due > now))
    if f.q:
        found.append(matches_text(f.q))
    if f.created_from:
        found.append(Q.created_at >= f.created_from)
    if f.created_to:
        found.append(Q.created_at < f.created_to)
    if f.customer_id:
        found.append(Q.customer_id == f.customer_id)
    return found
