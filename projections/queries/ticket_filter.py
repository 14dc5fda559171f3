"""What a ticket list may be filtered on, as conditions on ``ticket_queue``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, true

from projections.queries.keyset import like_pattern
from projections.queries.statements import Binds
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


def one_of(column: ColumnElement[Any], values: Sequence[str], binds: Binds,
           name: str) -> ColumnElement[bool]:
    """``column = value`` for one value (an index's equality prefix), else ``IN``; the
    values are parameters ``name`` or ``name_0``, ``name_1``, …"""
    if len(values) == 1:
        return column == binds.value(name, values[0])
    return column.in_([binds.value(f"{name}_{i}", value) for i, value in enumerate(values)])


def matches_text(q: str, binds: Binds) -> ColumnElement[bool]:
    """One of the searched columns contains ``q``, ignoring case (``%``, ``_`` and ``\\``
    literal): the joined text contains it, unless ``q`` holds the separator itself."""
    pattern = like_pattern(q)
    if SEPARATOR in pattern:
        binds.note("q in each column")
        bound = binds.value("q", pattern)
        return or_(*(func.lower(column).like(bound, escape="\\") for column in SEARCHED))
    return SEARCH_TEXT.like(binds.value("q", pattern), escape="\\")


def conditions(f: TicketFilter, now: datetime, binds: Binds, *,
               with_status: bool) -> list[ColumnElement[bool]]:
    """The WHERE of ``f`` (``deleted = false`` literally, as the partial indexes say), its
    values bound in ``binds``."""
    found: list[ColumnElement[bool]] = []
    if not f.include_deleted:
        binds.note("not deleted")
        found.append(Q.deleted == false())
    if with_status and f.status:
        found.append(one_of(Q.status, f.status, binds, "status"))
    if f.priority:
        found.append(one_of(Q.priority, f.priority, binds, "priority"))
    if f.category:
        found.append(one_of(Q.category, f.category, binds, "category"))
    if f.unassigned:
        binds.note("unassigned")
        found.append(Q.assignee_id.is_(None))
    elif f.assignee:
        found.append(Q.assignee_id == binds.value("assignee", f.assignee))
    if f.branch:
        found.append(Q.branch == binds.value("branch", f.branch))
    if f.branch_scope:
        found.append(or_(one_of(Q.branch, f.branch_scope, binds, "scope"), Q.branch.is_(None)))
    if f.tag:
        found.append(exists().where(ticket_tags.c.ticket_id == Q.ticket_id,
                                    ticket_tags.c.tag == binds.value("tag", f.tag)))
    if f.sla == "breached":
        binds.note("sla breached")
        found.append(or_(Q.sla_breached == true(),
                         Q.sla_next_due <= binds.value("now", now, Q.sla_next_due.type)))
    elif f.sla == "at_risk":
        binds.note("sla at risk")
        moment = binds.value("now", now, Q.sla_next_due.type)
        found.append(and_(Q.sla_breached == false(), Q.sla_next_at_risk <= moment,
                          Q.sla_next_due > moment))
    if f.q:
        found.append(matches_text(f.q, binds))
    if f.created_from:
        found.append(Q.created_at >= binds.value("created_from", f.created_from,
                                                 Q.created_at.type))
    if f.created_to:
        found.append(Q.created_at < binds.value("created_to", f.created_to, Q.created_at.type))
    if f.customer_id:
        found.append(Q.customer_id == binds.value("customer_id", f.customer_id))
    return found
