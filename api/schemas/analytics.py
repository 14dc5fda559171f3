"""Response bodies of ``/api/v1/analytics``: figures over a period, durations in seconds."""

from __future__ import annotations

from datetime import datetime

import msgspec


class PeriodOut(msgspec.Struct):
    """The half-open period ``[from, to)`` the figures cover (UTC)."""

    from_: datetime = msgspec.field(name="from")
    to: datetime


class DurationStatsOut(msgspec.Struct):
    """A duration over the tickets opened in the period that have it: how many, the
    median and the 90th percentile (nearest rank; null without data)."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None


class ComplianceOut(msgspec.Struct):
    """SLA clocks that came due in the period: met, missed, and the share met (null when
    none came due)."""

    met: int
    missed: int
    compliance: float | None


class SlaComplianceOut(msgspec.Struct):
    """Both SLA clocks."""

    first_response: ComplianceOut
    resolution: ComplianceOut


class VolumesOut(msgspec.Struct):
    """Tickets opened, resolved, closed and reopened on the UTC days of the period."""

    opened: int
    resolved: int
    closed: int
    reopened: int


class BacklogOut(msgspec.Struct):
    """Tickets neither resolved, closed nor deleted now, by status."""

    total: int
    by_status: dict[str, int]


class OverviewSlaOut(msgspec.Struct):
    """SLA compliance, and the breaches recorded on the UTC days of the period."""

    first_response: ComplianceOut
    resolution: ComplianceOut
    breaches: int


class AnalyticsOverview(msgspec.Struct):
    """The desk's figures over a period."""

    period: PeriodOut
    volumes: VolumesOut
    backlog: BacklogOut
    first_response: DurationStatsOut
    resolution: DurationStatsOut
    sla: OverviewSlaOut


class AgentAnalytics(msgspec.Struct):
    """One agent: ``assigned`` are tickets opened in the period and assigned to the agent
    now, ``resolved`` those assigned to the agent and resolved in the period; ``load`` is
    open tickets over capacity (null when the capacity is 0)."""

    agent_id: str
    name: str
    role: str
    active: bool
    assigned: int
    resolved: int
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    sla: SlaComplianceOut
    open_assigned: int
    capacity: int
    load: float | None


class AgentAnalyticsList(msgspec.Struct):
    """Every working agent (and anyone else with tickets in the period), by name."""

    period: PeriodOut
    items: list[AgentAnalytics]


class CategoryAnalytics(msgspec.Struct):
    """One category: volumes of the period, backlog now, durations and compliance."""

    slug: str
    name: str
    opened: int
    resolved: int
    reopened: int
    backlog: int
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    sla: SlaComplianceOut


class CategoryAnalyticsList(msgspec.Struct):
    """Every active category (and any other with tickets), by slug."""

    period: PeriodOut
    items: list[CategoryAnalytics]
