"""Agents (and admins, analysts, auditors): who they are, what they may do, what they route."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput
from domain.ids import natural_id
from domain.rules import NAME_MAX, check_all, check_branch, check_email, check_slug, check_text
from domain.values import Actor, Role

CAPACITY_MAX = 1_000
DEFAULT_CAPACITY = 20


class AgentRegistered(Aggregate.Created):
    """An agent account was created; its e-mail is its identity."""

    email: str
    actor: Actor

    def apply(self, aggregate: Any) -> None:
        aggregate.email = self.email
        aggregate.token_hash = None


class AgentProfileSet(Aggregate.Event):
    """An agent's profile was set (on creation and on every later change)."""

    actor: Actor
    name: str
    role: Role
    skills: tuple[str, ...]
    branches: tuple[str, ...]
    capacity: int
    escalation: bool
    active: bool

    def apply(self, aggregate: Any) -> None:
        a = aggregate
        a.name, a.role, a.skills, a.branches = self.name, self.role, self.skills, self.branches
        a.capacity, a.escalation, a.active = self.capacity, self.escalation, self.active


class TokenIssued(Aggregate.Event):
    """A new API token was issued (only its hash is kept); any earlier one stops working."""

    actor: Actor
    token_hash: str

    def apply(self, aggregate: Any) -> None:
        aggregate.token_hash = self.token_hash


class AgentState:
    """Attributes of an agent."""

    email: str
    name: str
    role: Role
    skills: tuple[str, ...]
    branches: tuple[str, ...]
    capacity: int
    escalation: bool
    active: bool
    token_hash: str | None


def check_profile(name: str, skills: Iterable[str], branches: Iterable[str],
                  capacity: int) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Normalise an agent's name, skills and branches; check the capacity."""
    values = check_all({
        "name": lambda: check_text("name", name, NAME_MAX, single_line=True),
        "skills": lambda: tuple(sorted({check_slug("skills", s) for s in skills})),
        "branches": lambda: tuple(sorted({b for b in (check_branch("branches", x)
                                                        for x in branches) if b})),
        "capacity": lambda: _check_capacity(capacity),
    })
    return values["name"], values["skills"], values["branches"]


def _check_capacity(capacity: int) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not (
        0 <= capacity <= CAPACITY_MAX
    ):
        raise InvalidInput.field("capacity", f"must be a whole number from 0 to {CAPACITY_MAX}")
    return capacity


class Agent(AgentState, Aggregate):
    """A person who works tickets, configures the desk, analyses or audits it."""

    @staticmethod
    def create_id(email: str) -> UUID:
        """An agent's id derives from the (lower-cased) e-mail address."""
        return natural_id("agent", email.lower())

    @classmethod
    def register(cls, email: str, *, actor: Actor, name: str, role: Role,
                 skills: Iterable[str] = (), branches: Iterable[str] = (),
                 capacity: int = DEFAULT_CAPACITY, escalation: bool = False,
                 at: datetime | None = None) -> Agent:
        """Create an account with its profile (no token yet)."""
        agent = cls._create(AgentRegistered, email=check_email("email", email), actor=actor,
                            timestamp=at)
        agent.set_profile(actor=actor, name=name, role=role, skills=skills, branches=branches,
                          capacity=capacity, escalation=escalation, active=True, at=at)
        return agent

    def set_profile(self, *, actor: Actor, name: str, role: Role, skills: Iterable[str],
                    branches: Iterable[str], capacity: int, escalation: bool,
                    active: bool, at: datetime | None = None) -> None:
        """Replace the profile; the caller checked that the skills name categories."""
        clean_name, clean_skills, clean_branches = check_profile(name, skills, branches, capacity)
        unchanged = getattr(self, "name", None) is not None and (
            clean_name, role, clean_skills, clean_branches, capacity, escalation, active) == (
            self.name, self.role, self.skills, self.branches, self.capacity, self.escalation,
            self.active)
        if unchanged:
            return
        self.trigger_event(AgentProfileSet, actor=actor, name=clean_name, role=role,
                           skills=clean_skills, branches=clean_branches, capacity=capacity,
                           escalation=escalation, active=active, timestamp=at)

    def issue_token(self, token_hash: str, *, actor: Actor, at: datetime | None = None) -> None:
        """Replace the API token by one with this hash."""
        self.trigger_event(TokenIssued, actor=actor, token_hash=token_hash, timestamp=at)

    def may_see_branch(self, branch: str | None) -> bool:
        """Agents with no branches see every branch; others only theirs."""
        return not self.branches or branch is None or branch in self.branches

    @property
    def agent_id(self) -> str:
        """The id as text, as tickets refer to it."""
        return str(self.id)


class CredentialCreated(Aggregate.Created):
    """A token hash now names an agent."""

    agent_id: str

    def apply(self, aggregate: Any) -> None:
        aggregate.agent_id = self.agent_id
        aggregate.revoked = False


class CredentialRevoked(Aggregate.Event):
    """The token was replaced or withdrawn."""

    def apply(self, aggregate: Any) -> None:
        aggregate.revoked = True


class CredentialState:
    """Attributes of a credential."""

    agent_id: str
    revoked: bool


class AgentCredential(CredentialState, Aggregate):
    """Finds the agent a bearer token belongs to: its id derives from the token's hash."""

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        """A credential's id derives from the hash of its token."""
        return natural_id("agent-credential", token_hash)

    @classmethod
    def create(cls, token_hash: str, agent_id: str,
               at: datetime | None = None) -> AgentCredential:
        """Let the token with this hash authenticate as ``agent_id``."""
        return cls._create(CredentialCreated, id=cls.create_id(token_hash), agent_id=agent_id,
                           timestamp=at)

    def revoke(self, at: datetime | None = None) -> None:
        """Stop accepting this token."""
        if not self.revoked:
            self.trigger_event(CredentialRevoked, timestamp=at)
