"""The composition root: builds the application (and, as they arrive, projections, broker
and workers) from settings. Nothing else wires layers together."""

from __future__ import annotations

import psycopg
from psycopg import sql

from application.clock import Clock, system_clock
from application.service import Helpdesk
from helpdesk.settings import Settings, parse_postgres_url, persistence_env


def ensure_postgres_schema(database_url: str) -> None:
    """Create the event store's schema if the URL names one that does not exist yet."""
    target = parse_postgres_url(database_url)
    if target.schema == "public":
        return
    with psycopg.connect(dbname=target.dbname, host=target.host, port=target.port,
                         user=target.user, password=target.password, autocommit=True,
                         connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
            sql.Identifier(target.schema)))


def build_application(settings: Settings, clock: Clock = system_clock) -> Helpdesk:
    """The write side, on the configured event store, with the defaults in place."""
    if settings.is_postgres:
        ensure_postgres_schema(settings.database_url)
    app = Helpdesk(persistence_env(settings.database_url), clock=clock,
                   snapshot_interval=settings.snapshot_interval)
    app.ensure_defaults()
    return app
