"""Create and upgrade the read tables with Alembic (``helpdesk migrate``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from projections.store import ReadStore

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """The Alembic configuration of the read tables."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(store: ReadStore, revision: str = "head") -> None:
    """Bring the read tables to ``revision`` (creating the read schema if needed)."""
    with store.writer.begin() as conn:
        if store.schema is not None:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{store.schema}"'))
        config = alembic_config()
        config.attributes["connection"] = conn
        config.attributes["schema"] = store.schema
        command.upgrade(config, revision)


def current_revision(store: ReadStore) -> str | None:
    """The revision the read tables are at (None before the first migration)."""
    with store.reader.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table_schema": store.schema})
        return context.get_current_revision()


def head_revision() -> str | None:
    """The newest revision there is."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
