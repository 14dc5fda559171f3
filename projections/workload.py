"""``agent_workload`` (one row per agent: profile and ticket counters) and
``workload_tickets`` (each ticket's assignee and whether it counts as open work).

``AgentRegistered`` carries only the e-mail; the profile (name, role, ...) follows in
``AgentProfileSet``. Rather than show a half-made agent, the e-mail and registration time
wait in ``workload_agents`` (defined here on the shared ``metadata`` until
``projections.tables`` and the migrations include it) and the ``agent_workload`` row is
inserted by the first ``AgentProfileSet``.

A ticket counts (``workload_tickets.counts``) while it is neither resolved, closed nor
deleted; it then adds one to its assignee's ``open_assigned``. Tickets assigned to an id
without an ``agent_workload`` row are tracked all the same; only the counters are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import singledispatchmethod
from typing import Any

from sqlalchemy import bindparam, func, select, true

from domain import ticket_events as ev
from domain.agent import AgentProfileSet, AgentRegistered
from domain.values import Status
from projections.read_model import BufferedReadModel, ids_of
from projections.row_buffer import Row, RowBuffer
from projections.tables import agent_workload, workload_agents, workload_tickets

W = workload_tickets.c

_DONE = frozenset({Status.RESOLVED, Status.CLOSED})
_TICKET_EVENTS = (ev.Assigned, ev.Unassigned, ev.StatusChanged, ev.Deleted)
_OPEN_ASSIGNED = (select(func.count()).select_from(workload_tickets)
                  .where(W.agent_id == bindparam("agent_id"), W.counts == true()))


class WorkloadReadModel(BufferedReadModel):
    """Who works on what: each agent's profile, open tickets and totals."""

    name = "agent_workload"
    tables = (agent_workload, workload_tickets, workload_agents)

    @property
    def _tickets(self) -> RowBuffer:
        return self.rows(workload_tickets)

    @property
    def _agents(self) -> RowBuffer:
        return self.rows(agent_workload)

    def prefetch(self, events: Sequence[Any]) -> None:
        tickets = self._tickets
        tickets.prefetch(ids_of(events, _TICKET_EVENTS, created=ev.Opened))
        agents = {row["agent_id"] for row in tickets.rows()}
        agents.update(e.agent_id for e in events if isinstance(e, ev.Assigned))
        agents.update(ids_of(events, AgentProfileSet))
        agents.discard(None)
        self._agents.prefetch(sorted(agents))
        self.rows(workload_agents).prefetch(
            ids_of(events, AgentProfileSet, created=AgentRegistered))

    def _ticket(self, event: Any) -> Row | None:
        return self._tickets.get(str(event.originator_id))

    def _update_ticket(self, event: Any, **values: Any) -> None:
        self._tickets.update(str(event.originator_id), values)

    def _update_agent(self, agent_id: str | None, add: Mapping[str, int] | None = None,
                      **values: Any) -> None:
        """Add ``add`` to an agent's counters and set ``values``; nothing when the id has
        no ``agent_workload`` row."""
        row = None if agent_id is None else self._agents.get(agent_id)
        if row is None or not (add or values):
            return
        values.update((column, row[column] + delta) for column, delta in (add or {}).items())
        self._agents.update(agent_id, values)

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that change no workload change nothing."""

    # -- agents -----------------------------------------------------------------------

    @apply.register
    def _agent_registered(self, event: AgentRegistered, position: int) -> None:
        self.rows(workload_agents).insert({
            "agent_id": str(event.originator_id), "email": event.email,
            "created_at": event.timestamp})

    @apply.register
    def _profile_set(self, event: AgentProfileSet, position: int) -> None:
        agent_id = str(event.originator_id)
        profile: dict[str, Any] = {
            "name": event.name, "role": event.role.value, "active": event.active,
            "capacity": event.capacity, "escalation": event.escalation,
            "skills": " ".join(event.skills), "branches": " ".join(event.branches)}
        if self._agents.get(agent_id) is not None:
            self._update_agent(agent_id, **profile)
            return
        registered = self.rows(workload_agents).get(agent_id)
        if registered is None:
            return
        self._tickets.flush()  # the count below reads the table as the events left it
        open_assigned = self.conn.execute(_OPEN_ASSIGNED, {"agent_id": agent_id}).scalar_one()
        self._agents.insert({
            "agent_id": agent_id, "email": registered["email"],
            "created_at": registered["created_at"], "open_assigned": open_assigned,
            "assigned_total": 0, "resolved_total": 0, "last_assigned_at": None, **profile})

    # -- tickets ----------------------------------------------------------------------

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        self._tickets.insert(
            {"ticket_id": str(event.originator_id), "agent_id": None, "counts": True})

    @apply.register
    def _assigned(self, event: ev.Assigned, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None:
            return
        if ticket["counts"]:
            self._update_agent(ticket["agent_id"], {"open_assigned": -1})
        self._update_ticket(event, agent_id=event.agent_id)
        self._update_agent(event.agent_id,
                           {"open_assigned": int(ticket["counts"]), "assigned_total": 1},
                           last_assigned_at=event.timestamp)

    @apply.register
    def _unassigned(self, event: ev.Unassigned, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None:
            return
        if ticket["counts"]:
            self._update_agent(ticket["agent_id"], {"open_assigned": -1})
        self._update_ticket(event, agent_id=None)

    @apply.register
    def _status_changed(self, event: ev.StatusChanged, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None:
            return
        counts = event.to_status not in _DONE
        changes: dict[str, int] = {}
        if counts != ticket["counts"]:
            changes["open_assigned"] = 1 if counts else -1
            self._update_ticket(event, counts=counts)
        if event.to_status is Status.RESOLVED:
            changes["resolved_total"] = 1
        self._update_agent(ticket["agent_id"], changes)

    @apply.register
    def _deleted(self, event: ev.Deleted, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None or not ticket["counts"]:
            return
        self._update_agent(ticket["agent_id"], {"open_assigned": -1})
        self._update_ticket(event, counts=False)
