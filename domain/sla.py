"""SLA policies: per-priority targets for first response and resolution, on a calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.calendar import ALWAYS_OPEN, BusinessCalendar, CalendarError
from domain.errors import InvalidInput
from domain.ids import natural_id
from domain.rules import NAME_MAX, check_slug, check_text
from domain.values import Actor, Priority

AT_RISK_FRACTION = 0.8
"""A clock is at risk once this share of its target has elapsed."""

TARGET_MAX_MINUTES = 365 * 24 * 60
AUTO_CLOSE_DAYS_DEFAULT = 7
AUTO_CLOSE_DAYS_MAX = 365
DEFAULT_POLICY = "default"


@dataclass(frozen=True)
class SlaTarget:
    """How soon a ticket of ``priority`` must get a first response and a resolution."""

    priority: Priority
    first_response_minutes: int
    resolution_minutes: int


DEFAULT_TARGETS: tuple[SlaTarget, ...] = (
    SlaTarget(Priority.URGENT, 60, 240),
    SlaTarget(Priority.HIGH, 240, 1_440),
    SlaTarget(Priority.MEDIUM, 480, 2_880),
    SlaTarget(Priority.LOW, 1_440, 5_760),
)


def check_targets(targets: Iterable[SlaTarget]) -> tuple[SlaTarget, ...]:
    """One target per priority, sorted urgent first; first response no later than resolution."""
    by_priority: dict[Priority, SlaTarget] = {}
    for target in targets:
        for minutes in (target.first_response_minutes, target.resolution_minutes):
            if isinstance(minutes, bool) or not isinstance(minutes, int) or not (
                1 <= minutes <= TARGET_MAX_MINUTES
            ):
                raise InvalidInput.field(
                    "targets", f"minutes must be whole numbers from 1 to {TARGET_MAX_MINUTES}"
                )
        if target.first_response_minutes > target.resolution_minutes:
            raise InvalidInput.field(
                "targets", f"{target.priority}: first response must not be later than resolution"
            )
        if target.priority in by_priority:
            raise InvalidInput.field("targets", f"{target.priority} is given twice")
        by_priority[target.priority] = target
    missing = [p.value for p in Priority if p not in by_priority]
    if missing:
        raise InvalidInput.field("targets", f"missing targets for: {', '.join(missing)}")
    return tuple(by_priority[p] for p in reversed(Priority))


class SlaPolicyCreated(Aggregate.Created):
    """An SLA policy was created with its slug."""

    slug: str
    actor: Actor

    def apply(self, aggregate: Any) -> None:
        aggregate.slug = self.slug


class SlaPolicyDefined(Aggregate.Event):
    """An SLA policy's targets and calendar were set (on creation and every later change)."""

    actor: Actor
    name: str
    targets: tuple[SlaTarget, ...]
    calendar: BusinessCalendar
    auto_close_days: int = AUTO_CLOSE_DAYS_DEFAULT

    def apply(self, aggregate: Any) -> None:
        p = aggregate
        p.name, p.targets, p.calendar = self.name, self.targets, self.calendar
        p.auto_close_days = self.auto_close_days


class SlaPolicyState:
    """Attributes of an SLA policy."""

    slug: str
    name: str
    targets: tuple[SlaTarget, ...]
    calendar: BusinessCalendar
    auto_close_days: int


class SlaPolicy(SlaPolicyState, Aggregate):
    """Targets per priority on a business-hours calendar (or 24x7)."""

    @staticmethod
    def create_id(slug: str) -> UUID:
        """A policy's id derives from its slug."""
        return natural_id("sla-policy", slug)

    @classmethod
    def create(cls, slug: str, *, actor: Actor, name: str,
               targets: Iterable[SlaTarget] = DEFAULT_TARGETS,
               calendar: BusinessCalendar = ALWAYS_OPEN,
               auto_close_days: int = AUTO_CLOSE_DAYS_DEFAULT,
               at: datetime | None = None) -> SlaPolicy:
        """Create a policy."""
        policy = cls._create(SlaPolicyCreated, slug=check_slug("id", slug), actor=actor,
                             timestamp=at)
        policy.define(actor=actor, name=name, targets=targets, calendar=calendar,
                      auto_close_days=auto_close_days, at=at)
        return policy

    def define(self, *, actor: Actor, name: str, targets: Iterable[SlaTarget],
               calendar: BusinessCalendar, auto_close_days: int,
               at: datetime | None = None) -> None:
        """Replace targets, calendar and auto-close delay."""
        try:
            calendar.check()
        except CalendarError as error:
            raise InvalidInput.field("calendar", str(error)) from None
        if isinstance(auto_close_days, bool) or not isinstance(auto_close_days, int) or not (
            1 <= auto_close_days <= AUTO_CLOSE_DAYS_MAX
        ):
            raise InvalidInput.field(
                "auto_close_days", f"must be a whole number from 1 to {AUTO_CLOSE_DAYS_MAX}"
            )
        self.trigger_event(SlaPolicyDefined, actor=actor,
                           name=check_text("name", name, NAME_MAX, single_line=True),
                           targets=check_targets(targets), calendar=calendar,
                           auto_close_days=auto_close_days, timestamp=at)

    def target_for(self, priority: Priority) -> SlaTarget:
        """The target for tickets of this priority."""
        return next(t for t in self.targets if t.priority is priority)

    def terms(self, priority: Priority) -> SlaTerms:
        """What tickets of ``priority`` are promised under this policy."""
        return terms_for(self, priority)


@dataclass(frozen=True)
class SlaTerms:
    """The SLA a ticket is under: the policy's targets for its priority, on its calendar.

    Recorded in the ticket's events when they are decided (on opening and on every change
    of priority or category), so every past due time can be recomputed exactly."""

    policy: str
    first_response_minutes: int
    resolution_minutes: int
    calendar: BusinessCalendar = ALWAYS_OPEN


def terms_for(policy: SlaPolicyState, priority: Priority) -> SlaTerms:
    """The terms ``policy`` sets for tickets of ``priority``."""
    target = next(t for t in policy.targets if t.priority is priority)
    return SlaTerms(policy.slug, target.first_response_minutes, target.resolution_minutes,
                    policy.calendar)
