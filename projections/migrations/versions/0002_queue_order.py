"""The queue's ascending priority sort key, indexes for every order of the ticket list,
counts by status from ``ticket_counts``, and text search with pg_trgm.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# The partial indexes ``WHERE deleted = false`` of projections.tables.QUEUE_ORDER_INDEXES.
ORDER_INDEXES = {
    "ix_ticket_queue_status_priority": ["status", "priority_order", "sla_order", "number"],
    "ix_ticket_queue_priority": ["priority_order", "sla_order", "number"],
    "ix_ticket_queue_status_sla": ["status", "sla_order", "priority_order", "number"],
    "ix_ticket_queue_sla": ["sla_order", "priority_order", "number"],
}
SEARCH_INDEX = ("CREATE INDEX ix_ticket_queue_search ON {table} USING gin "
                "(lower(subject || chr(31) || number || chr(31) || customer_name || chr(31) "
                "|| customer_email) gin_trgm_ops)")
TRIGRAM_VISIBLE = ("SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops' "
                   "AND pg_opclass_is_visible(oid)")


def _schema() -> str | None:
    """The read schema on PostgreSQL (None on SQLite): ALTER statements name it."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def upgrade() -> None:
    schema = _schema()
    with op.batch_alter_table("ticket_queue", schema=schema) as batch_op:
        batch_op.add_column(sa.Column("priority_order", sa.SmallInteger(), nullable=True))
    queue = sa.Table("ticket_queue", sa.MetaData(), sa.Column("priority_rank", sa.SmallInteger),
                     sa.Column("priority_order", sa.SmallInteger), schema=schema)
    op.execute(queue.update().values(priority_order=3 - queue.c.priority_rank))
    with op.batch_alter_table("ticket_queue", schema=schema) as batch_op:
        batch_op.alter_column("priority_order", existing_type=sa.SmallInteger(),
                              nullable=False)
    for name in ("ix_ticket_queue_default_order", "ix_ticket_queue_status",
                 "ix_ticket_queue_created"):
        op.drop_index(name, table_name="ticket_queue", schema=schema)
    for name, columns in ORDER_INDEXES.items():
        op.create_index(name, "ticket_queue", columns, schema=schema,
                        postgresql_where=sa.text("deleted = false"),
                        sqlite_where=sa.text("deleted = 0"))
    op.create_index("ix_ticket_queue_created", "ticket_queue", ["created_at", "number"],
                    schema=schema)
    op.create_index("ix_ticket_queue_updated", "ticket_queue", ["updated_at", "number"],
                    schema=schema)
    _create_counts(schema)
    if op.get_bind().dialect.name == "postgresql":
        _create_search_index(schema)


def _create_counts(schema: str | None) -> None:
    op.create_table(
        "ticket_counts",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=48), nullable=False),
        sa.Column("branch", sa.String(length=64), nullable=False),
        sa.Column("assignee_id", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", "priority", "category", "branch", "assignee_id",
                                "deleted"),
        schema=schema)
    dimensions = ("status", "priority", "category", "branch", "assignee_id", "deleted")
    queue = sa.Table("ticket_queue", sa.MetaData(),
                     *(sa.Column(name, sa.String) for name in dimensions[:-1]),
                     sa.Column("deleted", sa.Boolean), schema=schema)
    counts = sa.Table("ticket_counts", sa.MetaData(),
                      *(sa.Column(name, sa.String) for name in dimensions[:-1]),
                      sa.Column("deleted", sa.Boolean), sa.Column("tickets", sa.Integer),
                      schema=schema)
    # The same as projections.queue_counts.recount (a missing branch or assignee is '').
    q = queue.c
    keys = (q.status, q.priority, q.category, sa.func.coalesce(q.branch, ""),
            sa.func.coalesce(q.assignee_id, ""), q.deleted)
    op.execute(counts.insert().from_select(
        [*dimensions, "tickets"], sa.select(*keys, sa.func.count()).group_by(*keys)))


def _create_search_index(schema: str | None) -> None:
    """The pg_trgm index of text search, when the extension exists or can be created."""
    bind = op.get_bind()
    available = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
    if available is not None:
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError as error:
            log.warning("cannot create the extension pg_trgm (%s)", error.orig)
    if bind.exec_driver_sql(TRIGRAM_VISIBLE).first() is None:
        log.warning("pg_trgm is not installed: ix_ticket_queue_search not created (text "
                    "searches of the ticket list scan the table)")
        return
    table = f'"{schema}".ticket_queue' if schema else "ticket_queue"
    op.execute(SEARCH_INDEX.format(table=table))


def downgrade() -> None:
    schema = _schema()
    search = f'"{schema}".ix_ticket_queue_search' if schema else "ix_ticket_queue_search"
    op.execute(f"DROP INDEX IF EXISTS {search}")
    op.drop_table("ticket_counts", schema=schema)
    for name in (*ORDER_INDEXES, "ix_ticket_queue_created", "ix_ticket_queue_updated"):
        op.drop_index(name, table_name="ticket_queue", schema=schema)
    op.create_index("ix_ticket_queue_created", "ticket_queue", ["created_at"], schema=schema)
    op.create_index("ix_ticket_queue_default_order", "ticket_queue",
                    ["deleted", "priority_rank", "sla_order", "number"], schema=schema)
    op.create_index("ix_ticket_queue_status", "ticket_queue",
                    ["status", "deleted", "priority_rank", "sla_order", "number"],
                    schema=schema)
    with op.batch_alter_table("ticket_queue", schema=schema) as batch_op:
        batch_op.drop_column("priority_order")
