"""Ticket routing: which agent a new or waiting ticket goes to, and why.

Eligible are active agents and admins with room under their capacity who may see the ticket's
branch. Among them, those with the ticket's category as a skill are preferred (everybody
eligible qualifies when nobody has it); urgent tickets then prefer escalation agents. The
least loaded wins, then the one idle longest, then the smallest agent id, so equals take
turns. Nobody eligible means the ticket stays in the unassigned queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

from domain.values import Priority, Role

ROUTABLE_ROLES = frozenset({Role.AGENT, Role.ADMIN})
"""Roles that take tickets."""

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """An agent as the router sees it (from the agent_workload read model)."""

    agent_id: str
    name: str
    role: Role
    active: bool
    skills: tuple[str, ...]
    """Category slugs."""
    branches: tuple[str, ...]
    """Empty means all branches."""
    capacity: int
    """Most open tickets assigned at once; 0 takes none."""
    open_assigned: int
    escalation: bool
    last_assigned_at: datetime | None
    """None: never assigned, so idle longest."""

    def may_take(self, ticket: TicketToRoute) -> bool:
        """Active, an agent or admin, below capacity, and allowed to see the ticket's branch."""
        return (
            self.active
            and self.role in ROUTABLE_ROLES
            and self.capacity > 0
            and self.open_assigned < self.capacity
            and (not self.branches or ticket.branch is None or ticket.branch in self.branches)
        )


@dataclass(frozen=True)
class TicketToRoute:
    """A ticket as the router sees it."""

    number: str
    category: str
    priority: Priority
    branch: str | None


@dataclass(frozen=True)
class RoutingDecision:
    """The chosen agent and why, in plain words, for the Assigned event."""

    agent_id: str
    reason: str


def choose_agent(ticket: TicketToRoute,
                 candidates: Iterable[Candidate]) -> RoutingDecision | None:
    """The agent ``ticket`` should go to, or None when nobody eligible may take it."""
    eligible = [c for c in candidates if c.may_take(ticket)]
    if not eligible:
        return None
    skilled = [c for c in eligible if ticket.category in c.skills]
    pool = skilled or eligible
    urgent_note = ""
    if ticket.priority is Priority.URGENT:
        escalation = [c for c in pool if c.escalation]
        pool = escalation or pool
        urgent_note = ("; urgent ticket to an escalation agent" if escalation
                       else "; urgent ticket, but no eligible escalation agent")
    chosen = min(pool, key=_routing_key)
    skill_note = (f"skill '{ticket.category}'" if skilled
                  else f"nobody has skill '{ticket.category}'")
    branch_note = f"branch '{ticket.branch}'" if ticket.branch is not None else "no branch"
    reason = (f"routed to {chosen.name}: {skill_note}, {branch_note}, "
              f"load {chosen.open_assigned}/{chosen.capacity}, "
              f"{_idle_note(chosen.last_assigned_at)}{urgent_note}")
    return RoutingDecision(chosen.agent_id, reason)


def waiting_order(priority: Priority, created_at: datetime) -> tuple[int, datetime]:
    """Sort key for routing waiting tickets when capacity frees up: urgent first, then oldest."""
    return (0 if priority is Priority.URGENT else 1, created_at)


def _routing_key(c: Candidate) -> tuple[int, Fraction, bool, datetime, str]:
    """Least open tickets, then least full, then idle longest, then agent id."""
    idle = c.last_assigned_at
    return (c.open_assigned, Fraction(c.open_assigned, c.capacity), idle is not None,
            _NEVER if idle is None else _as_utc(idle), c.agent_id)


def _idle_note(last_assigned_at: datetime | None) -> str:
    if last_assigned_at is None:
        return "never assigned"
    return f"idle since {_as_utc(last_assigned_at):%Y-%m-%d %H:%M} UTC"


def _as_utc(moment: datetime) -> datetime:
    """Aware moments in UTC; naive ones are taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
