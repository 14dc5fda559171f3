"""The query parameters of a ticket list, declared once as a dependency: filters, sort,
page size and cursor, read into a ``TicketFilter`` scoped to the caller's branches.

``GET /api/v1/tickets`` and ``GET /api/v1/audit/queue`` take them through
``Provide(ticket_query)``, so the live queue and the queue as it was filter alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from litestar.params import FromQuery, QueryParameter

from api.auth import AgentDep
from domain.values import Priority, Status
from projections.queries.tickets import SORTS, TicketFilter

Sort = Literal["priority", "sla_due", "-created_at", "created_at", "-updated_at"]
"""The orders of the ticket list (``projections.queries.tickets.SORTS``)."""


@dataclass(frozen=True)
class TicketQuery:
    """What a ticket-list request asks for."""

    filter: TicketFilter
    sort: str
    limit: int
    cursor: str | None


def as_utc(moment: datetime | None) -> datetime | None:
    """An instant in UTC; naive values are taken as UTC (as the API documents)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ticket_query(
    agent: AgentDep,
    status: FromQuery[list[Status] | None] = None,
    priority: FromQuery[list[Priority] | None] = None,
    category: Annotated[list[str] | None, QueryParameter(max_items=10)] = None,
    assignee: Annotated[str | None, QueryParameter(max_length=40,
                        description="an agent id, 'me' or 'none'")] = None,
    branch: Annotated[str | None, QueryParameter(max_length=64)] = None,
    tag: Annotated[str | None, QueryParameter(max_length=40)] = None,
    sla: FromQuery[Literal["at_risk", "breached"] | None] = None,
    q: Annotated[str | None, QueryParameter(max_length=200)] = None,
    created_from: FromQuery[datetime | None] = None,
    created_to: FromQuery[datetime | None] = None,
    sort: FromQuery[Sort] = "priority",
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
) -> TicketQuery:
    """Dependency: the list's parameters as a filter within the caller's branches."""
    assert sort in SORTS
    wanted = TicketFilter(
        status=[s.value for s in status or ()], priority=[p.value for p in priority or ()],
        category=category or (), unassigned=assignee == "none",
        assignee=agent.id if assignee == "me" else (None if assignee == "none" else assignee),
        branch=branch, tag=tag.lower() if tag else None, sla=sla, q=q,
        created_from=as_utc(created_from), created_to=as_utc(created_to),
        branch_scope=agent.branches)
    return TicketQuery(wanted, sort, limit, cursor)
