"""``daily_ticket_stats.reopened``: reopens per day. The days already counted hold no
reopens, so the read model is emptied and its position set back to the start: the
projector counts it again from the whole log (the other read models are not touched).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

READ_MODEL = "daily_ticket_stats"
TABLES = ("daily_ticket_stats", "daily_stats_tickets")


def _schema() -> str | None:
    """The read schema on PostgreSQL (None on SQLite)."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def upgrade() -> None:
    schema = _schema()
    with op.batch_alter_table("daily_ticket_stats", schema=schema) as batch_op:
        batch_op.add_column(sa.Column("reopened", sa.Integer(), nullable=False,
                                      server_default="0"))
    for name in TABLES:
        op.execute(sa.table(name, schema=schema).delete())
    positions = sa.table("projection_positions", sa.column("name"), sa.column("position"),
                         schema=schema)
    op.execute(positions.update().where(positions.c.name == READ_MODEL).values(position=0))


def downgrade() -> None:
    with op.batch_alter_table("daily_ticket_stats", schema=_schema()) as batch_op:
        batch_op.drop_column("reopened")
