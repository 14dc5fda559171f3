"""Choices the forms offer, read from the same read models the JSON API lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.engine import Connection

from api.services import Services
from projections.queries.configuration import (
    list_agents,
    list_categories,
    list_sla_policies,
    list_templates,
)
from projections.queries.keyset import Page

MAX_PAGES = 20  # 2,000 rows: more than any desk's configuration


def every_row(conn: Connection, query: Callable[..., Page]) -> Iterator[dict[str, Any]]:
    """Every row of a keyset-paginated configuration list."""
    cursor = None
    for _ in range(MAX_PAGES):
        page = query(conn, limit=100, cursor=cursor)
        yield from page.items
        cursor = page.next_cursor
        if cursor is None:
            return


class Lookups:
    """Agents, categories, templates and policies, read once per page."""

    def __init__(self, services: Services) -> None:
        with services.read.store.reader.connect() as conn:
            self.agents = list(every_row(conn, list_agents))
            self.categories = list(every_row(conn, list_categories))
            self.templates = list(every_row(conn, list_templates))
            self.policies = list(every_row(conn, list_sla_policies))

    def agent_name(self, agent_id: str | None) -> str:
        """The agent's name (or the id when unknown)."""
        if agent_id is None:
            return "nobody"
        return next((a["name"] for a in self.agents if a["agent_id"] == agent_id), agent_id)

    @property
    def agent_names(self) -> dict[str, str]:
        """Every agent's name by id."""
        return {a["agent_id"]: a["name"] for a in self.agents}

    @property
    def working_agents(self) -> list[dict[str, Any]]:
        """Active agents who take tickets (agents and admins)."""
        return [a for a in self.agents if a["active"] and a["role"] in ("agent", "admin")]

    @property
    def active_categories(self) -> list[dict[str, Any]]:
        """Categories a ticket may be put in."""
        return [c for c in self.categories if c["active"]]

    @property
    def active_templates(self) -> list[dict[str, Any]]:
        """Templates a reply may use."""
        return [t for t in self.templates if t["active"]]

    def category_name(self, slug: str) -> str:
        """The category's name (or its slug)."""
        return next((c["name"] for c in self.categories if c["slug"] == slug), slug)
