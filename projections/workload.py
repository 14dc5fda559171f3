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

from functools import singledispatchmethod
from typing import Any

from sqlalchemy import func, insert, select, true, update

from domain import ticket_events as ev
from domain.agent import AgentProfileSet, AgentRegistered
from domain.values import Status
from projections.read_model import ReadModel
from projections.tables import agent_workload, workload_agents, workload_tickets

A = agent_workload.c
W = workload_tickets.c
R = workload_agents.c

_DONE = frozenset({Status.RESOLVED, Status.CLOSED})


class WorkloadReadModel(ReadModel):
    """Who works on what: each agent's profile, open tickets and totals."""

    name = "agent_workload"
    tables = (agent_workload, workload_tickets, workload_agents)

    def _ticket(self, event: Any) -> Any | None:
        return self.conn.execute(select(workload_tickets).where(
            W.ticket_id == str(event.originator_id))).one_or_none()

    def _update_ticket(self, event: Any, **values: Any) -> None:
        self.conn.execute(update(workload_tickets)
                          .where(W.ticket_id == str(event.originator_id)).values(**values))

    def _update_agent(self, agent_id: str | None, **values: Any) -> None:
        """Change an agent's counters; nothing when the id has no ``agent_workload`` row."""
        if agent_id is not None and values:
            self.conn.execute(update(agent_workload).where(A.agent_id == agent_id)
                              .values(**values))

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that change no workload change nothing."""

    # -- agents -----------------------------------------------------------------------

    @apply.register
    def _agent_registered(self, event: AgentRegistered, position: int) -> None:
        self.conn.execute(insert(workload_agents).values(
            agent_id=str(event.originator_id), email=event.email, created_at=event.timestamp))

    @apply.register
    def _profile_set(self, event: AgentProfileSet, position: int) -> None:
        agent_id = str(event.originator_id)
        profile = {"name": event.name, "role": event.role.value, "active": event.active,
                   "capacity": event.capacity, "escalation": event.escalation,
                   "skills": " ".join(event.skills), "branches": " ".join(event.branches)}
        if self.conn.execute(select(A.agent_id).where(A.agent_id == agent_id)).first():
            self._update_agent(agent_id, **profile)
            return
        registered = self.conn.execute(select(workload_agents).where(
            R.agent_id == agent_id)).one_or_none()
        if registered is None:
            return
        open_assigned = self.conn.execute(select(func.count()).select_from(workload_tickets)
                                          .where(W.agent_id == agent_id, W.counts == true())
                                          ).scalar_one()
        self.conn.execute(insert(agent_workload).values(
            agent_id=agent_id, email=registered.email, created_at=registered.created_at,
            open_assigned=open_assigned, assigned_total=0, resolved_total=0,
            last_assigned_at=None, **profile))

    # -- tickets ----------------------------------------------------------------------

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        self.conn.execute(insert(workload_tickets).values(
            ticket_id=str(event.originator_id), agent_id=None, counts=True))

    @apply.register
    def _assigned(self, event: ev.Assigned, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None:
            return
        if ticket.counts:
            self._update_agent(ticket.agent_id, open_assigned=A.open_assigned - 1)
        self._update_ticket(event, agent_id=event.agent_id)
        self._update_agent(event.agent_id, open_assigned=A.open_assigned + int(ticket.counts),
                           assigned_total=A.assigned_total + 1,
                           last_assigned_at=event.timestamp)

    @apply.register
    def _unassigned(self, event: ev.Unassigned, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None:
            return
        if ticket.counts:
            self._update_agent(ticket.agent_id, open_assigned=A.open_assigned - 1)
        self._update_ticket(event, agent_id=None)

    @apply.register
    def _status_changed(self, event: ev.StatusChanged, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None:
            return
        counts = event.to_status not in _DONE
        changes: dict[str, Any] = {}
        if counts != ticket.counts:
            changes["open_assigned"] = A.open_assigned + (1 if counts else -1)
            self._update_ticket(event, counts=counts)
        if event.to_status is Status.RESOLVED:
            changes["resolved_total"] = A.resolved_total + 1
        self._update_agent(ticket.agent_id, **changes)

    @apply.register
    def _deleted(self, event: ev.Deleted, position: int) -> None:
        ticket = self._ticket(event)
        if ticket is None or not ticket.counts:
            return
        self._update_agent(ticket.agent_id, open_assigned=A.open_assigned - 1)
        self._update_ticket(event, counts=False)
