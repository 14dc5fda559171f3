"""``/api/v1/analytics``: the desk's figures over a period, per agent and per category
(analysts and admins only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import QueryParameter

from api.auth import AgentDep, AgentPrincipal, current_agent
from api.schemas.analytics import (
    AgentAnalytics,
    AgentAnalyticsList,
    AnalyticsOverview,
    BacklogOut,
    CategoryAnalytics,
    CategoryAnalyticsList,
    ComplianceOut,
    DurationStatsOut,
    OverviewSlaOut,
    PeriodOut,
    SlaComplianceOut,
    VolumesOut,
)
from api.services import Services, ServicesDep
from domain.errors import InvalidInput
from domain.values import Role
from projections.queries.analytics import (
    Compliance,
    Durations,
    Group,
    by_agent,
    by_category,
)
from projections.queries.analytics import overview as desk_overview

READERS = (Role.ANALYST, Role.ADMIN)
DEFAULT_DAYS = 30
MAX_DAYS = 366
_INSTANT = ("an ISO date or date-time in UTC unless an offset is given, "
            "such as 2026-03-01 or 2026-03-01T09:30:00Z")
From = Annotated[str | None, QueryParameter(
    name="from", max_length=40,
    description=f"start of the period, included: {_INSTANT} (default: 30 days before 'to')")]
To = Annotated[str | None, QueryParameter(
    name="to", max_length=40,
    description=f"end of the period, excluded: {_INSTANT} (default: now)")]


def parse_instant(field: str, text: str) -> datetime:
    """An ISO date (midnight UTC) or date-time (UTC when it has no offset)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.field(field, f"{text!r} is not {_INSTANT}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def period(services: Services, start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """``[from, to)`` as asked: by default the last 30 days; ``to`` must come after
    ``from``, at most 366 days later (422 otherwise)."""
    to = parse_instant("to", end) if end is not None else services.helpdesk.clock()
    begin = parse_instant("from", start) if start is not None else (
        to - timedelta(days=DEFAULT_DAYS))
    if to <= begin:
        raise InvalidInput.field("to", "must be after 'from'")
    if to - begin > timedelta(days=MAX_DAYS):
        raise InvalidInput.field("to", f"the period may span at most {MAX_DAYS} days")
    return begin, to


def compliance_out(figures: Compliance) -> ComplianceOut:
    """Met, missed and the share met."""
    return ComplianceOut(met=figures.met, missed=figures.missed, compliance=figures.share)


def durations_out(figures: Durations) -> DurationStatsOut:
    """Count, median and 90th percentile."""
    return DurationStatsOut(count=figures.count, median_seconds=figures.median,
                            p90_seconds=figures.p90)


def sla_out(group: Group) -> SlaComplianceOut:
    """Both clocks' compliance."""
    return SlaComplianceOut(first_response=compliance_out(group.first_response_sla),
                            resolution=compliance_out(group.resolution_sla))


class AnalyticsController(Controller):
    """Reports over the read models, for analysts and admins."""

    path = "/api/v1/analytics"
    tags = ["analytics"]
    dependencies = {"agent": Provide(current_agent, sync_to_thread=True)}
    security = [{"bearer": []}]

    @staticmethod
    def _allowed(services: Services, agent: AgentPrincipal, start: str | None,
                 end: str | None) -> tuple[datetime, datetime, datetime]:
        """Refuse (403) other roles; the period asked for and now."""
        agent.require(*READERS)
        begin, to = period(services, start, end)
        return begin, to, services.helpdesk.clock()

    @get("/overview", operation_id="getAnalyticsOverview", sync_to_thread=True)
    def overview(self, services: ServicesDep, agent: AgentDep, from_: From = None,
                 to: To = None) -> AnalyticsOverview:
        """Volumes, backlog now, first response and resolution times, SLA compliance."""
        begin, end, now = self._allowed(services, agent, from_, to)
        with services.read.store.reader.connect() as conn:
            desk = desk_overview(conn, begin, end, agent.branches, now=now)
        return AnalyticsOverview(
            period=PeriodOut(from_=begin, to=end),
            volumes=VolumesOut(opened=desk.opened, resolved=desk.resolved, closed=desk.closed,
                               reopened=desk.reopened),
            backlog=BacklogOut(total=sum(desk.backlog.values()), by_status=desk.backlog),
            first_response=durations_out(desk.first_response),
            resolution=durations_out(desk.resolution),
            sla=OverviewSlaOut(first_response=compliance_out(desk.first_response_sla),
                               resolution=compliance_out(desk.resolution_sla),
                               breaches=desk.breaches))

    @get("/agents", operation_id="getAnalyticsByAgent", sync_to_thread=True)
    def agents(self, services: ServicesDep, agent: AgentDep, from_: From = None,
               to: To = None) -> AgentAnalyticsList:
        """Per agent: assigned and resolved tickets, median times, compliance, load."""
        begin, end, now = self._allowed(services, agent, from_, to)
        with services.read.store.reader.connect() as conn:
            rows = by_agent(conn, begin, end, agent.branches, now=now)
        return AgentAnalyticsList(period=PeriodOut(from_=begin, to=end), items=[
            AgentAnalytics(
                agent_id=row.agent_id, name=row.name, role=row.role, active=row.active,
                assigned=row.figures.opened, resolved=row.figures.resolved,
                median_first_response_seconds=row.figures.first_response.median,
                median_resolution_seconds=row.figures.resolution.median,
                sla=sla_out(row.figures), open_assigned=row.open_assigned,
                capacity=row.capacity,
                load=row.open_assigned / row.capacity if row.capacity > 0 else None)
            for row in rows])

    @get("/categories", operation_id="getAnalyticsByCategory", sync_to_thread=True)
    def categories(self, services: ServicesDep, agent: AgentDep, from_: From = None,
                   to: To = None) -> CategoryAnalyticsList:
        """Per category: opened and resolved in the period, backlog now, median times,
        compliance."""
        begin, end, now = self._allowed(services, agent, from_, to)
        with services.read.store.reader.connect() as conn:
            rows = by_category(conn, begin, end, agent.branches, now=now)
        return CategoryAnalyticsList(period=PeriodOut(from_=begin, to=end), items=[
            CategoryAnalytics(
                slug=row.slug, name=row.name, opened=row.figures.opened,
                resolved=row.figures.resolved, reopened=row.figures.reopened,
                backlog=sum(row.figures.backlog.values()),
                median_first_response_seconds=row.figures.first_response.median,
                median_resolution_seconds=row.figures.resolution.median,
                sla=sla_out(row.figures))
            for row in rows])
