"""Request and response bodies of the desk's configuration: categories, agents, SLA
policies and templates. In a ``*Patch`` an absent field stays as it is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from api.schemas.common import Branch, Email, Input, Name, Slug, Subject
from domain.agent import CAPACITY_MAX, DEFAULT_CAPACITY
from domain.category import DESCRIPTION_MAX
from domain.sla import AUTO_CLOSE_DAYS_DEFAULT, AUTO_CLOSE_DAYS_MAX, TARGET_MAX_MINUTES
from domain.template import BODY_MAX
from domain.values import Priority, Role

CategoryDescription = Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX)]
Skills = Annotated[list[Slug], msgspec.Meta(max_length=100,
                                            description="slugs of categories")]
Branches = Annotated[list[Branch], msgspec.Meta(max_length=100)]
Capacity = Annotated[int, msgspec.Meta(ge=0, le=CAPACITY_MAX)]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=TARGET_MAX_MINUTES)]
AutoCloseDays = Annotated[int, msgspec.Meta(ge=1, le=AUTO_CLOSE_DAYS_MAX)]
ClockTime = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2}:[0-9]{2}$", examples=["09:00"],
                                        description="HH:MM local time; 24:00 ends a day")]
IsoDate = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                                      examples=["2026-12-25"])]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                       examples=["Europe/Berlin"])]
TemplateText = Annotated[str, msgspec.Meta(min_length=1, max_length=BODY_MAX)]
TicketNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]

# -- categories ---------------------------------------------------------------------------


class CategoryIn(Input):
    """Create a category; without ``id`` its slug derives from the name."""

    name: Name
    id: Slug | None = None
    description: CategoryDescription = ""
    default_priority: Priority = Priority.MEDIUM
    auto_response_template: Slug | None = None
    sla_policy: Slug | None = None


class CategoryPatch(Input):
    """Change some of a category; ``null`` clears a template or policy reference."""

    name: Name | UnsetType = UNSET
    description: CategoryDescription | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    default_priority: Priority | UnsetType = UNSET
    auto_response_template: Slug | UnsetType | None = UNSET
    sla_policy: Slug | UnsetType | None = UNSET


class CategoryOut(msgspec.Struct):
    """A category (``position`` is the log position of a write; 0 in lists)."""

    id: str
    name: str
    description: str
    active: bool
    default_priority: Priority
    auto_response_template: str | None
    sla_policy: str | None
    version: int
    updated_at: datetime
    position: int = 0


class CategoryList(msgspec.Struct):
    """A page of categories, by slug."""

    items: list[CategoryOut]
    next_cursor: str | None


# -- agents -------------------------------------------------------------------------------


class AgentIn(Input):
    """Create an agent account (its first API token is in the answer, once)."""

    email: Email
    name: Name
    role: Role
    skills: Skills = []
    branches: Branches = []
    capacity: Capacity = DEFAULT_CAPACITY
    escalation: bool = False


class AgentPatch(Input):
    """Change some of an agent's profile; ``active: false`` locks the account."""

    name: Name | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    skills: Skills | UnsetType = UNSET
    branches: Branches | UnsetType = UNSET
    capacity: Capacity | UnsetType = UNSET
    escalation: bool | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class AgentOut(msgspec.Struct):
    """An agent's profile as stored."""

    id: str
    email: str
    name: str
    role: Role
    skills: list[str]
    branches: list[str]
    capacity: int
    escalation: bool
    active: bool
    version: int
    position: int = 0


class AgentSummary(msgspec.Struct):
    """A row of the agent list: profile and workload."""

    id: str
    email: str
    name: str
    role: str
    active: bool
    skills: list[str]
    branches: list[str]
    capacity: int
    escalation: bool
    open_assigned: int
    assigned_total: int
    resolved_total: int
    last_assigned_at: datetime | None
    created_at: datetime


class AgentList(msgspec.Struct):
    """A page of agents, by name."""

    items: list[AgentSummary]
    next_cursor: str | None


class AgentTokenOut(msgspec.Struct):
    """An agent and their new API token: shown only this once."""

    agent: AgentOut
    token: str
    position: int


# -- SLA policies -------------------------------------------------------------------------


class TargetBody(Input):
    """How soon tickets of one priority get a first response and a resolution."""

    priority: Priority
    first_response_minutes: Minutes
    resolution_minutes: Minutes


class OpeningHoursBody(Input):
    """One opening interval on a weekday (0 = Monday)."""

    weekday: Annotated[int, msgspec.Meta(ge=0, le=6)]
    start: ClockTime
    end: ClockTime


class CalendarBody(Input):
    """Business hours in an IANA time zone; no ``hours`` means open 24x7."""

    timezone: TimeZone = "UTC"
    hours: Annotated[list[OpeningHoursBody], msgspec.Meta(max_length=70)] = []
    holidays: Annotated[list[IsoDate], msgspec.Meta(max_length=400)] = []


Targets = Annotated[list[TargetBody], msgspec.Meta(max_length=10,
                                                   description="one per priority")]


class SlaPolicyIn(Input):
    """Create an SLA policy (defaults: the built-in targets, 24x7, auto-close after 7 days)."""

    id: Slug
    name: Name
    targets: Targets | None = None
    calendar: CalendarBody | None = None
    auto_close_days: AutoCloseDays = AUTO_CLOSE_DAYS_DEFAULT


class SlaPolicyPatch(Input):
    """Change some of a policy (``targets`` replaces every target)."""

    name: Name | UnsetType = UNSET
    targets: Targets | UnsetType = UNSET
    calendar: CalendarBody | UnsetType = UNSET
    auto_close_days: AutoCloseDays | UnsetType = UNSET


class SlaPolicyOut(msgspec.Struct):
    """An SLA policy."""

    id: str
    name: str
    targets: list[TargetBody]
    calendar: CalendarBody
    auto_close_days: int
    version: int
    updated_at: datetime
    position: int = 0


class SlaPolicyList(msgspec.Struct):
    """A page of SLA policies, by slug."""

    items: list[SlaPolicyOut]
    next_cursor: str | None


# -- templates ----------------------------------------------------------------------------


class TemplateIn(Input):
    """Create a template; its variables are checked (``{{ ticket.number }}``, ...)."""

    id: Slug
    name: Name
    subject: Subject
    body: TemplateText


class TemplatePatch(Input):
    """Change some of a template; the resulting text is checked again."""

    name: Name | UnsetType = UNSET
    subject: Subject | UnsetType = UNSET
    body: TemplateText | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class TemplateOut(msgspec.Struct):
    """A template."""

    id: str
    name: str
    subject: str
    body: str
    active: bool
    version: int
    updated_at: datetime
    position: int = 0


class TemplateList(msgspec.Struct):
    """A page of templates, by slug."""

    items: list[TemplateOut]
    next_cursor: str | None


class PreviewIn(Input):
    """Render a template for this ticket."""

    ticket: TicketNumber


class PreviewOut(msgspec.Struct):
    """A template rendered for a ticket."""

    template: str
    ticket: str
    subject: str
    body: str
