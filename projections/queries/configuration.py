"""The desk's configuration as the read models hold it: categories, agents (with their
workload), SLA policies and templates, each a keyset-paginated list."""

from __future__ import annotations

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from projections.queries.keyset import Page, keyset_page
from projections.tables import agent_workload, categories, sla_policies, templates

A = agent_workload.c


def _by_slug(conn: Connection, table: Table, name: str, limit: int,
             cursor: str | None) -> Page:
    return keyset_page(conn, select(table), name, ((table.c.slug, False),),
                       limit=limit, cursor=cursor)


def list_categories(conn: Connection, *, limit: int = 50, cursor: str | None = None) -> Page:
    """Categories (active or not) by slug."""
    return _by_slug(conn, categories, "categories", limit, cursor)


def list_sla_policies(conn: Connection, *, limit: int = 50, cursor: str | None = None) -> Page:
    """SLA policies by slug; ``targets`` and ``calendar`` are JSON text."""
    return _by_slug(conn, sla_policies, "sla_policies", limit, cursor)


def list_templates(conn: Connection, *, limit: int = 50, cursor: str | None = None) -> Page:
    """Templates (active or not) by slug."""
    return _by_slug(conn, templates, "templates", limit, cursor)


def list_agents(conn: Connection, *, limit: int = 50, cursor: str | None = None) -> Page:
    """Agents with their workload, by name then id; ``skills`` and ``branches`` are
    space-separated."""
    return keyset_page(conn, select(agent_workload), "agents",
                       ((A.name, False), (A.agent_id, False)), limit=limit, cursor=cursor)
