"""Analytics over the read tables: volumes, backlog, response and resolution times and SLA
compliance, for the whole desk, per agent and per category.

The SQL is portable (SQLite and PostgreSQL); percentiles are computed in Python by nearest
rank, since the two dialects share no percentile function. Periods are half-open,
``[start, end)``. Definitions:

* volumes (opened, resolved, closed, breaches, reopens) come from ``daily_ticket_stats``: every UTC
  day the period touches counts whole; deleted tickets still count (they happened);
* durations are those of the tickets *opened* in the period (``ticket_metrics``), not
  deleted, with the dimensions (category, assignee) they have now;
* SLA compliance counts clocks that came due in the period (``ticket_sla``): first
  response due in the period; resolution reached in the period, or overdue with its due
  time in the period (the read model clears ``resolution_due`` once resolved). A clock met
  in time and never breached counts as met; one breached, missed, or still running past
  its due time as missed; one still running before its due time does not count yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.engine import Connection

from projections.tables import (
    agent_workload,
    categories,
    daily_ticket_stats,
    ticket_metrics,
    ticket_queue,
    ticket_sla,
)

D, M, Q, S = daily_ticket_stats.c, ticket_metrics.c, ticket_queue.c, ticket_sla.c
A, C = agent_workload.c, categories.c

DONE = ("resolved", "closed")
"""Statuses that are no longer backlog."""
WORKING_ROLES = ("agent", "admin")
"""Roles listed per agent even without tickets in the period."""
Scope = tuple[str, ...]


def percentile(values: Iterable[float], p: int) -> float | None:
    """The nearest-rank ``p``-th percentile (1..100): the smallest value with at least
    ``p`` % of the values at or below it; None without values. The median is ``p=50``
    (the lower middle value of an even count)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Durations:
    """How many tickets had the duration, and its median and 90th percentile (seconds)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> Durations:
        """The figures of ``values``."""
        return cls(len(values), percentile(values, 50), percentile(values, 90))


@dataclass(frozen=True)
class Compliance:
    """Clocks that met their target and clocks that missed it."""

    met: int = 0
    missed: int = 0

    @property
    def share(self) -> float | None:
        """Met over met plus missed; None when no clock came due."""
        total = self.met + self.missed
        return self.met / total if total else None


@dataclass(frozen=True)
class Group:
    """The figures of one group of tickets (the whole desk, an agent, a category)."""

    opened: int = 0
    resolved: int = 0
    closed: int = 0
    breaches: int = 0
    reopened: int = 0
    backlog: dict[str, int] = field(default_factory=dict)
    first_response: Durations = Durations()
    resolution: Durations = Durations()
    first_response_sla: Compliance = Compliance()
    resolution_sla: Compliance = Compliance()


@dataclass(frozen=True)
class AgentFigures:
    """One agent's profile, load and figures (``figures.opened``: tickets opened in the
    period and assigned to the agent now; ``figures.resolved``: tickets assigned to the
    agent now and resolved in the period)."""

    agent_id: str
    name: str
    role: str
    active: bool
    open_assigned: int
    capacity: int
    figures: Group


@dataclass(frozen=True)
class CategoryFigures:
    """One category's name and figures."""

    slug: str
    name: str
    figures: Group


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _keyed(key: Any | None) -> list[Any]:
    """The grouping column to select first (none for the whole desk)."""
    return [] if key is None else [key]


def _split(row: Sequence[Any], key: Any | None) -> tuple[Any, Sequence[Any]]:
    """A row's group (None for the whole desk) and its other values."""
    return (None, row) if key is None else (row[0], row[1:])


def _branches(column: Any, scope: Scope, blank: Any = None) -> list[ColumnElement[bool]]:
    """Rows of the branches in ``scope`` and rows of no branch (nothing when unscoped)."""
    if not scope:
        return []
    none = column.is_(None) if blank is None else column == blank
    return [or_(column.in_(scope), none)]


def _sla_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """``ticket_sla`` has no branch: take it from the ticket's metrics row."""
    if not scope:
        return []
    return [S.ticket_id.in_(select(M.ticket_id).where(*_branches(M.branch, scope)))]


def _volumes(conn: Connection, start: datetime, end: datetime, scope: Scope,
             key: Any | None) -> dict[Any, dict[str, int]]:
    """Counts of every UTC day that ``[start, end)`` touches."""
    first, last = start.astimezone(UTC).date(), (end - timedelta(microseconds=1)).astimezone(
        UTC).date()
    sums = [func.coalesce(func.sum(D[name]), 0) for name in (
        "opened", "resolved", "closed", "breached", "reopened")]
    rows = conn.execute(select(*_keyed(key), *sums).where(
        D.day >= first, D.day <= last, *_branches(D.branch, scope, ""))
        .group_by(*_keyed(key)))
    names = ("opened", "resolved", "closed", "breaches", "reopened")
    return {group: {name: int(value) for name, value in zip(names, values, strict=True)}
            for group, values in (_split(row, key) for row in rows)}


def _backlog(conn: Connection, scope: Scope, key: Any | None) -> dict[Any, dict[str, int]]:
    rows = conn.execute(select(*_keyed(key), Q.status, func.count()).where(
        Q.deleted == false(), Q.status.not_in(DONE), *_branches(Q.branch, scope))
        .group_by(*_keyed(key), Q.status))
    found: dict[Any, dict[str, int]] = defaultdict(dict)
    for row in rows:
        group, (status, count) = _split(row, key)
        found[group][status] = int(count)
    return found


def _durations(conn: Connection, start: datetime, end: datetime, scope: Scope,
               key: Any | None) -> dict[Any, tuple[Durations, Durations]]:
    rows = conn.execute(select(*_keyed(key), M.first_response_seconds,
                               M.resolution_seconds).where(
        _in(M.opened_at, start, end), M.deleted == false(), *_branches(M.branch, scope)))
    values: dict[Any, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for row in rows:
        group, (first, resolution) = _split(row, key)
        firsts, resolutions = values[group]
        if first is not None:
            firsts.append(float(first))
        if resolution is not None:
            resolutions.append(float(resolution))
    return {group: (Durations.of(f), Durations.of(r)) for group, (f, r) in values.items()}


def _compliance(conn: Connection, start: datetime, end: datetime, now: datetime, scope: Scope,
                key: Any | None) -> dict[Any, tuple[Compliance, Compliance]]:
    first_met = and_(S.first_response_met == true(), S.first_response_breached == false())
    first_missed = or_(S.first_response_breached == true(), S.first_response_met == false(),
                       and_(S.first_responded_at.is_(None), S.first_response_due <= now))
    resolution_met = and_(S.resolved_at.is_not(None), S.resolution_met == true(),
                          S.resolution_breached == false())
    resolution_missed = or_(S.resolution_breached == true(), S.resolution_met == false(),
                            and_(S.resolved_at.is_(None), S.resolution_due <= now))
    clocks = (
        (_in(S.first_response_due, start, end), first_met, first_missed),
        (or_(_in(S.resolved_at, start, end),
             and_(S.resolved_at.is_(None), _in(S.resolution_due, start, end))),
         resolution_met, resolution_missed),
    )
    found: dict[Any, list[Compliance]] = defaultdict(lambda: [Compliance(), Compliance()])
    for index, (due, met, missed) in enumerate(clocks):
        counted = [func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                   for condition in (met, missed)]
        rows = conn.execute(select(*_keyed(key), *counted).where(
            due, S.deleted == false(), *_sla_scope(scope)).group_by(*_keyed(key)))
        for row in rows:
            group, (met_count, missed_count) = _split(row, key)
            found[group][index] = Compliance(int(met_count), int(missed_count))
    return {group: (pair[0], pair[1]) for group, pair in found.items()}


def _groups(conn: Connection, start: datetime, end: datetime, now: datetime, scope: Scope,
            *, volume_key: Any | None, backlog_key: Any | None, metrics_key: Any | None,
            sla_key: Any | None) -> dict[Any, Group]:
    """Every figure, keyed by group (None for the whole desk); volumes and backlog are
    skipped when their key is None while the others are grouped."""
    grouped = metrics_key is not None
    volumes = {} if grouped and volume_key is None else _volumes(
        conn, start, end, scope, volume_key)
    backlog = {} if grouped and backlog_key is None else _backlog(conn, scope, backlog_key)
    durations = _durations(conn, start, end, scope, metrics_key)
    compliance = _compliance(conn, start, end, now, scope, sla_key)
    keys = {*volumes, *backlog, *durations, *compliance} if grouped else {None}
    times, clocks = (Durations(), Durations()), (Compliance(), Compliance())
    return {key: Group(
        **volumes.get(key, {}), backlog=dict(sorted(backlog.get(key, {}).items())),
        first_response=durations.get(key, times)[0], resolution=durations.get(key, times)[1],
        first_response_sla=compliance.get(key, clocks)[0],
        resolution_sla=compliance.get(key, clocks)[1],
    ) for key in keys}


def overview(conn: Connection, start: datetime, end: datetime, branch_scope: Scope = (),
             *, now: datetime | None = None) -> Group:
    """The desk's figures for ``[start, end)``, within ``branch_scope`` (empty: every
    branch); the backlog is the one ``now`` (default: the current time)."""
    moment = now or datetime.now(UTC)
    return _groups(conn, start, end, moment, branch_scope, volume_key=None, backlog_key=None,
                   metrics_key=None, sla_key=None)[None]


def by_agent(conn: Connection, start: datetime, end: datetime, branch_scope: Scope = (),
             *, now: datetime | None = None) -> list[AgentFigures]:
    """Per agent, by name: tickets opened in the period and assigned to them now, those
    resolved in the period, durations, compliance, and open load against capacity.
    Agents of working roles are listed even without tickets; others only with some."""
    moment = now or datetime.now(UTC)
    groups = _groups(conn, start, end, moment, branch_scope, volume_key=None,
                     backlog_key=None, metrics_key=M.assignee_id, sla_key=S.assignee_id)
    cohort, resolved = ({str(agent_id): int(count) for agent_id, count in conn.execute(
        select(M.assignee_id, func.count()).where(
            _in(column, start, end), M.deleted == false(), M.assignee_id.is_not(None),
            *_branches(M.branch, branch_scope)).group_by(M.assignee_id))}
        for column in (M.opened_at, M.resolved_at))
    agents = conn.execute(select(agent_workload).order_by(A.name, A.agent_id)).all()
    found: list[AgentFigures] = []
    for agent in agents:
        group = groups.get(agent.agent_id)
        if group is None and agent.agent_id not in resolved and agent.role not in WORKING_ROLES:
            continue
        group = replace(group or Group(), opened=cohort.get(agent.agent_id, 0),
                        resolved=resolved.get(agent.agent_id, 0))
        found.append(AgentFigures(agent.agent_id, agent.name, agent.role, agent.active,
                                  agent.open_assigned, agent.capacity, group))
    return found


def by_category(conn: Connection, start: datetime, end: datetime, branch_scope: Scope = (),
                *, now: datetime | None = None) -> list[CategoryFigures]:
    """Per category, by slug: volumes of the period, backlog now, durations and compliance.
    Active categories are listed even without tickets."""
    moment = now or datetime.now(UTC)
    groups = _groups(conn, start, end, moment, branch_scope, volume_key=D.category,
                     backlog_key=Q.category, metrics_key=M.category, sla_key=S.category)
    rows = conn.execute(select(C.slug, C.name, C.active)).all()
    names = {row.slug: row.name for row in rows}
    wanted = {row.slug for row in rows if row.active} | set(groups)
    return [CategoryFigures(slug, names.get(slug, slug), groups.get(slug, Group()))
            for slug in sorted(wanted)]
