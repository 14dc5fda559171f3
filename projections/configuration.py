"""``categories``, ``sla_policies`` and ``templates``: the desk's configuration, by slug.

Only the ``*Created`` events carry the slug; the later ``CategoryConfigured``,
``SlaPolicyDefined`` and ``TemplateWritten`` events name the aggregate by id. This read
model therefore keeps ``config_ids`` (aggregate id → kind and slug), defined here on the
shared ``metadata`` until ``projections.tables`` and the migrations include it.

A configuration row appears with its first settings event (the ``*Created`` event has
nothing to fill the NOT NULL columns with) and is replaced by every later one.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

import msgspec
from sqlalchemy import Table

from domain.category import CategoryConfigured, CategoryCreated
from domain.sla import SlaPolicyCreated, SlaPolicyDefined
from domain.template import TemplateCreated, TemplateWritten
from projections.read_model import BufferedReadModel
from projections.tables import categories, config_ids, sla_policies, templates


def _json(value: Any) -> str:
    """``value`` (dataclasses, tuples, enums) as compact JSON text."""
    return msgspec.json.encode(value).decode()


class ConfigurationReadModel(BufferedReadModel):
    """Categories, SLA policies and templates as they are configured now.

    Configuration events are rare: rows are read when an event asks for them."""

    name = "configuration"
    tables = (categories, sla_policies, templates, config_ids)

    def _created(self, event: Any, kind: str) -> None:
        self.rows(config_ids).insert({"aggregate_id": str(event.originator_id), "kind": kind,
                                      "slug": event.slug})

    def _set(self, table: Table, event: Any, **values: Any) -> None:
        """Write the row of ``event``'s aggregate: update it, or insert it the first time."""
        slug = self.rows(config_ids).one(str(event.originator_id))["slug"]
        values.update(version=event.originator_version, updated_at=event.timestamp)
        rows = self.rows(table)
        if rows.update(slug, values) is None:
            rows.insert({"slug": slug, **values})
    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events of other aggregates change nothing."""

    @apply.register
    def _category_created(self, event: CategoryCreated, position: int) -> None:
        self._created(event, "category")

    @apply.register
    def _sla_policy_created(self, event: SlaPolicyCreated, position: int) -> None:
        self._created(event, "sla_policy")

    @apply.register
    def _template_created(self, event: TemplateCreated, position: int) -> None:
        self._created(event, "template")

    @apply.register
    def _category_configured(self, event: CategoryConfigured, position: int) -> None:
        self._set(categories, event, name=event.name, description=event.description,
                  active=event.active, default_priority=event.default_priority.value,
                  auto_response_template=event.auto_response_template,
                  sla_policy=event.sla_policy)

    @apply.register
    def _sla_policy_defined(self, event: SlaPolicyDefined, position: int) -> None:
        self._set(sla_policies, event, name=event.name, targets=_json(event.targets),
                  calendar=_json(event.calendar), auto_close_days=event.auto_close_days)

    @apply.register
    def _template_written(self, event: TemplateWritten, position: int) -> None:
        self._set(templates, event, name=event.name, subject=event.subject, body=event.body,
                  active=event.active)
