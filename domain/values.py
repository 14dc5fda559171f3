"""Value types shared by the aggregates: enumerations, the actor, limits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Priority(StrEnum):
    """How urgent a ticket is, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for urgent."""
        return list(Priority).index(self)

    def raised(self) -> Priority:
        """One level up; urgent stays urgent."""
        members = list(Priority)
        return members[min(self.rank + 1, len(members) - 1)]


class Status(StrEnum):
    """Where a ticket stands in its lifecycle."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Visibility(StrEnum):
    """Who may read a message: everybody on the ticket, or agents only."""

    PUBLIC = "public"
    INTERNAL = "internal"


class Channel(StrEnum):
    """How a ticket reached the help desk."""

    PORTAL = "portal"
    AGENT = "agent"
    EMAIL = "email"
    API = "api"


class ActorKind(StrEnum):
    """Who caused an event."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class Role(StrEnum):
    """What an agent account may do."""

    AGENT = "agent"
    ADMIN = "admin"
    ANALYST = "analyst"
    AUDITOR = "auditor"


class SlaMetric(StrEnum):
    """The two clocks an SLA policy sets."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class Actor:
    """Who did something: a customer (by customer id), an agent (by agent id), or the system
    (by the name of the automation, e.g. ``router``)."""

    kind: ActorKind
    id: str

    @classmethod
    def customer(cls, customer_id: str) -> Actor:
        """The customer with this id."""
        return cls(ActorKind.CUSTOMER, customer_id)

    @classmethod
    def agent(cls, agent_id: str) -> Actor:
        """The agent with this id."""
        return cls(ActorKind.AGENT, agent_id)

    @classmethod
    def system(cls, name: str) -> Actor:
        """An automation, named."""
        return cls(ActorKind.SYSTEM, name)


@dataclass(frozen=True)
class CustomerRef:
    """The customer a ticket belongs to, as it was when the ticket was opened."""

    id: str
    name: str
    email: str
