"""``/console/tickets``: the queue, with the JSON API's filters, sort, cursor and counts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template

from api.auth import AgentDep
from api.presenters import ticket_summary
from api.services import ServicesDep
from api.web.common import ConsoleController, catch_up, page
from api.web.lookups import Lookups
from domain.errors import InvalidInput
from domain.values import Priority, Status
from projections.queries.ticket_counts import SEARCH_COUNT_CAP
from projections.queries.tickets import SORTS, TicketFilter, list_tickets

PAGE_SIZE = 25
SORT_LABELS = {"priority": "Priority, then SLA due", "sla_due": "SLA due first",
               "-created_at": "Newest first", "created_at": "Oldest first",
               "-updated_at": "Recently updated"}
SLA_FILTERS = {"at_risk": "At risk", "breached": "Breached"}
NOTICES = {"deleted": "The ticket was deleted."}


def read_filters(params: Any, agent_id: str, lookups: Lookups) -> tuple[dict[str, Any],
                                                                         list[str]]:
    """The filters asked for in the query string, and what was wrong with it (ignored)."""
    problems: list[str] = []

    def chosen(name: str, allowed: set[str], what: str) -> list[str]:
        values = [v for v in params.getall(name, []) if v]
        for bad in [v for v in values if v not in allowed]:
            problems.append(f"{what} {bad[:40]!r} is unknown and was ignored.")
        return [v for v in values if v in allowed]

    slugs = {c["slug"] for c in lookups.categories}
    wanted: dict[str, Any] = {
        "status": chosen("status", {s.value for s in Status}, "Status"),
        "priority": chosen("priority", {p.value for p in Priority}, "Priority"),
        "category": chosen("category", slugs, "Category"),
    }
    assignee = params.get("assignee") or ""
    agents = {a["agent_id"] for a in lookups.agents}
    if assignee and assignee not in ("me", "none") and assignee not in agents:
        problems.append("That assignee is unknown; showing everyone's tickets.")
        assignee = ""
    wanted["assignee"] = assignee
    sla = params.get("sla") or ""
    if sla and sla not in SLA_FILTERS:
        problems.append(f"SLA filter {sla[:40]!r} is unknown and was ignored.")
        sla = ""
    wanted["sla"] = sla
    q = (params.get("q") or "").strip()
    if len(q) > 200:
        problems.append("The search text was cut to 200 characters.")
        q = q[:200]
    wanted["q"] = q
    sort = params.get("sort") or "priority"
    if sort not in SORTS:
        problems.append(f"Sort {sort[:40]!r} is unknown; sorted by priority.")
        sort = "priority"
    wanted["sort"] = sort
    return wanted, problems


def ticket_filter(wanted: dict[str, Any], agent_id: str,
                  branches: tuple[str, ...]) -> TicketFilter:
    """The read model's filter for the chosen values (as the JSON API builds it)."""
    assignee = wanted["assignee"]
    who = agent_id if assignee == "me" else None if assignee in ("", "none") else assignee
    return TicketFilter(
        status=wanted["status"], priority=wanted["priority"], category=wanted["category"],
        unassigned=assignee == "none", assignee=who, sla=wanted["sla"] or None,
        q=wanted["q"] or None, branch_scope=branches)


def query_string(wanted: dict[str, Any], **override: Any) -> str:
    """The query string of these filters (for links that keep them)."""
    merged = {**wanted, **override}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        for item in value if isinstance(value, list) else [value]:
            if item not in (None, ""):
                pairs.append((key, str(item)))
    return urlencode(pairs)


class QueueController(ConsoleController):
    """The agents' queue."""

    path = "/console/tickets"

    @get("/", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any], services: ServicesDep,
              agent: AgentDep) -> Template:
        """One page of tickets matching the filters, counts by status, next-page link."""
        params = request.query_params
        lookups = Lookups(services)
        wanted, problems = read_filters(params, agent.id, lookups)
        catch_up(services, params.get("pos"))
        cursor = params.get("cursor") or None
        if cursor is not None and len(cursor) > 512:
            problems.append("That page link is not valid; showing the first page.")
            cursor = None
        now = services.helpdesk.clock()
        chosen = ticket_filter(wanted, agent.id, agent.branches)
        with services.read.store.reader.connect() as conn:
            try:
                found = list_tickets(conn, chosen, now=now, sort=wanted["sort"],
                                     limit=PAGE_SIZE, cursor=cursor)
            except InvalidInput:
                problems.append("That page link is not valid; showing the first page.")
                cursor = None
                found = list_tickets(conn, chosen, now=now, sort=wanted["sort"],
                                     limit=PAGE_SIZE)
        rows = [ticket_summary(row, now) for row in found.items]
        counts = {s.value: found.counts.get(s.value, 0) for s in Status}
        request.state["notice"] = NOTICES.get(params.get("done") or "")
        return page(
            request, "console/queue.html", rows=rows, counts=counts, total=sum(counts.values()),
            more="+" if found.counts_capped else "", cap=SEARCH_COUNT_CAP,
            wanted=wanted, problems=problems, now=now, lookups=lookups,
            statuses=list(Status), priorities=list(Priority), sorts=SORT_LABELS,
            sla_filters=SLA_FILTERS, cursor=cursor,
            next_link=(f"?{query_string(wanted, cursor=found.next_cursor)}"
                       if found.next_cursor else None),
            first_link=f"?{query_string(wanted)}" if cursor else None,
            status_link=lambda status: f"?{query_string(wanted, status=[status])}",
            all_link=f"?{query_string(wanted, status=[])}")
