"""Alembic environment for the read tables: runs on the connection ``helpdesk migrate``
hands over (SQLite, or PostgreSQL mapped into the read schema)."""

from __future__ import annotations

from alembic import context

from projections.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    version_table_schema=context.config.attributes.get("schema"),
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
