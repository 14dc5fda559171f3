"""``/console/analytics``: the desk's figures with charts, for admins and analysts (the
same queries as ``/api/v1/analytics``, plus the daily volumes they are summed from)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from api.auth import AgentDep
from api.controllers.analytics import READERS, period
from api.services import ServicesDep
from api.web.charts import Series, bar_list, column_chart
from api.web.common import ConsoleController, form_errors, page
from domain.errors import InvalidInput
from domain.values import Status
from projections.queries.analytics import by_agent, by_category, overview
from projections.tables import daily_ticket_stats

D = daily_ticket_stats.c
HOUR = 3600.0


def daily_volumes(conn: Connection, start: datetime, end: datetime,
                  scope: tuple[str, ...]) -> list[tuple[date, int, int, int]]:
    """Tickets opened, resolved and closed on each UTC day of ``[start, end)`` (zeros for
    quiet days), from the read model the overview sums."""
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    where = [D.day >= first, D.day <= last]
    if scope:
        where.append(or_(D.branch.in_(scope), D.branch == ""))
    rows = conn.execute(select(D.day, func.sum(D.opened), func.sum(D.resolved),
                               func.sum(D.closed)).where(*where).group_by(D.day))
    found = {row[0]: (int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in rows}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(day, *found.get(day, (0, 0, 0))) for day in days]


def inclusive_end(text: str | None) -> str | None:
    """The form's last day is included: the period ends at the next midnight."""
    if text is None or len(text.strip()) != 10:
        return text
    try:
        return (date.fromisoformat(text.strip()) + timedelta(days=1)).isoformat()
    except ValueError:
        return text


def hours(seconds: float | None) -> float | None:
    """Seconds as hours (for the charts)."""
    return None if seconds is None else round(seconds / HOUR, 1)


def hours_text(value: float) -> str:
    """An axis label in hours."""
    return f"{value:g} h"


class AnalyticsPageController(ConsoleController):
    """The dashboard."""

    path = "/console/analytics"

    @get("/", sync_to_thread=True)
    def dashboard(self, request: Request[Any, Any, Any], services: ServicesDep,
                  agent: AgentDep) -> Template:
        """Volumes per day, backlog, response-time percentiles, SLA compliance."""
        agent.require(*READERS)
        params = request.query_params
        start_text, end_text = params.get("from") or None, params.get("to") or None
        error = None
        try:
            start, end = period(services, start_text, inclusive_end(end_text))
        except InvalidInput as refused:
            error = form_errors(refused)[0] + " " + "; ".join(refused.errors.values())
            start, end = period(services, None, None)
            start_text = end_text = None
        now = services.helpdesk.clock()
        with services.read.store.reader.connect() as conn:
            desk = overview(conn, start, end, agent.branches, now=now)
            agents = by_agent(conn, start, end, agent.branches, now=now)
            categories = by_category(conn, start, end, agent.branches, now=now)
            days = daily_volumes(conn, start, end, agent.branches)
        labels = [d.strftime("%m-%d") for d, *_ in days]
        every = max(1, -(-len(days) // 10))
        backlog = [(s, desk.backlog.get(s.value, 0)) for s in Status
                   if s not in (Status.RESOLVED, Status.CLOSED)]
        charts = {
            "volume": column_chart(
                "chart-volume", "Tickets per day", labels,
                [Series("Opened", [float(o) for _, o, _, _ in days], "s1"),
                 Series("Resolved", [float(r) for _, _, r, _ in days], "s2")], every=every,
                width=1100),
            "backlog": column_chart(
                "chart-backlog", "Backlog now by status",
                [s.value.replace("_", " ") for s, _ in backlog],
                [Series("Tickets", [float(n) for _, n in backlog], "s3")]),
            "times": column_chart(
                "chart-times", "First response and resolution times (hours)",
                ["First response", "Resolution"],
                [Series("Median", [hours(desk.first_response.median),
                                   hours(desk.resolution.median)], "s1"),
                 Series("90th percentile", [hours(desk.first_response.p90),
                                            hours(desk.resolution.p90)], "s2")],
                fmt=hours_text),
            "categories": bar_list(
                "chart-sla-categories", "SLA compliance by category",
                [(c.name, (c.figures.first_response_sla.share,
                           c.figures.resolution_sla.share)) for c in categories],
                ["First response", "Resolution"]),
            "agents": bar_list(
                "chart-sla-agents", "SLA compliance by agent",
                [(a.name, (a.figures.first_response_sla.share, a.figures.resolution_sla.share))
                 for a in agents], ["First response", "Resolution"]),
        }
        return page(request, "console/analytics.html", error=error, start=start, end=end,
                    start_value=(start_text or start.date().isoformat())[:10],
                    end_value=(end - timedelta(microseconds=1)).date().isoformat(), desk=desk,
                    agents=agents, categories=categories, days=days, backlog=backlog,
                    backlog_total=sum(n for _, n in backlog), charts=charts)
