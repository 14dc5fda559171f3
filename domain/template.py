"""Reply templates: a subject and a body with variables such as ``{{ ticket.number }}``.

The domain keeps their text; rendering (in a sandbox) is the application's business.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.ids import natural_id
from domain.rules import NAME_MAX, SUBJECT_MAX, check_slug, check_text
from domain.values import Actor

BODY_MAX = 20_000

TEMPLATE_VARIABLES: dict[str, tuple[str, ...]] = {
    "ticket": ("number", "subject", "status", "priority", "category", "url", "created_at"),
    "customer": ("name", "email"),
    "agent": ("name", "email"),
}
"""Every variable a template may use, by object; anything else is refused when saved."""


class TemplateWritten(Aggregate.Event):
    """A template's text was set (on creation and on every later change)."""

    actor: Actor
    name: str
    subject: str
    body: str
    active: bool = True

    def apply(self, aggregate: Any) -> None:
        t = aggregate
        t.name, t.subject, t.body, t.active = self.name, self.subject, self.body, self.active


class TemplateCreated(Aggregate.Created):
    """A template was created with its slug."""

    slug: str
    actor: Actor

    def apply(self, aggregate: Any) -> None:
        aggregate.slug = self.slug


class TemplateState:
    """Attributes of a template."""

    slug: str
    name: str
    subject: str
    body: str
    active: bool


class Template(TemplateState, Aggregate):
    """A reusable reply, auto-response or notification text."""

    @staticmethod
    def create_id(slug: str) -> UUID:
        """A template's id derives from its slug."""
        return natural_id("template", slug)

    @classmethod
    def create(cls, slug: str, *, actor: Actor, name: str, subject: str, body: str,
               at: datetime | None = None) -> Template:
        """Create a template."""
        template = cls._create(TemplateCreated, slug=check_slug("id", slug), actor=actor,
                               timestamp=at)
        template.write(actor=actor, name=name, subject=subject, body=body, active=True, at=at)
        return template

    def write(self, *, actor: Actor, name: str, subject: str, body: str, active: bool,
              at: datetime | None = None) -> None:
        """Replace the template's text; the caller checked its variables."""
        self.trigger_event(
            TemplateWritten,
            actor=actor,
            name=check_text("name", name, NAME_MAX, single_line=True),
            subject=check_text("subject", subject, SUBJECT_MAX, single_line=True),
            body=check_text("body", body, BODY_MAX),
            active=active,
            timestamp=at,
        )
