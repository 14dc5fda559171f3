"""Categories group tickets (billing, shipping, ...); agents' skills refer to them by slug."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.ids import natural_id
from domain.rules import NAME_MAX, check_slug, check_text
from domain.values import Actor, Priority

DESCRIPTION_MAX = 2_000


class CategoryConfigured(Aggregate.Event):
    """A category's settings were set (on creation and on every later change)."""

    actor: Actor
    name: str
    description: str
    active: bool
    default_priority: Priority
    auto_response_template: str | None = None
    sla_policy: str | None = None

    def apply(self, aggregate: Any) -> None:
        c = aggregate
        c.name, c.description, c.active = self.name, self.description, self.active
        c.default_priority = self.default_priority
        c.auto_response_template, c.sla_policy = self.auto_response_template, self.sla_policy


class CategoryCreated(Aggregate.Created):
    """A category was created with its slug."""

    slug: str
    actor: Actor

    def apply(self, aggregate: Any) -> None:
        aggregate.slug = self.slug


class CategoryState:
    """Attributes of a category."""

    slug: str
    name: str
    description: str
    active: bool
    default_priority: Priority
    auto_response_template: str | None
    sla_policy: str | None


class Category(CategoryState, Aggregate):
    """A kind of request, with its defaults: priority, auto-response, SLA policy."""

    @staticmethod
    def create_id(slug: str) -> UUID:
        """A category's id derives from its slug."""
        return natural_id("category", slug)

    @classmethod
    def create(cls, slug: str, *, actor: Actor, name: str, description: str = "",
               default_priority: Priority = Priority.MEDIUM,
               auto_response_template: str | None = None,
               sla_policy: str | None = None, at: datetime | None = None) -> Category:
        """Create a category and set its settings."""
        category = cls._create(CategoryCreated, slug=check_slug("id", slug), actor=actor,
                               timestamp=at)
        category.configure(actor=actor, name=name, description=description, active=True,
                           default_priority=default_priority,
                           auto_response_template=auto_response_template,
                           sla_policy=sla_policy, at=at)
        return category

    def configure(self, *, actor: Actor, name: str, description: str, active: bool,
                  default_priority: Priority, auto_response_template: str | None,
                  sla_policy: str | None, at: datetime | None = None) -> None:
        """Set every setting at once; the caller checked that referenced slugs exist."""
        self.trigger_event(
            CategoryConfigured,
            actor=actor,
            name=check_text("name", name, NAME_MAX, single_line=True),
            description=check_text("description", description, DESCRIPTION_MAX, required=False),
            active=active,
            default_priority=default_priority,
            auto_response_template=auto_response_template,
            sla_policy=sla_policy,
            timestamp=at,
        )
