"""The queue's ascending priority sort key.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """The read schema on PostgreSQL (None on SQLite): ALTER statements name it."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def upgrade() -> None:
    with op.batch_alter_table("ticket_queue", schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column("priority_order", sa.SmallInteger(), nullable=True))
    queue = sa.Table("ticket_queue", sa.MetaData(), sa.Column("priority_rank", sa.SmallInteger),
                     sa.Column("priority_order", sa.SmallInteger), schema=_schema())
    op.execute(queue.update().values(priority_order=3 - queue.c.priority_rank))
    with op.batch_alter_table("ticket_queue", schema=_schema()) as batch_op:
        batch_op.alter_column("priority_order", existing_type=sa.SmallInteger(),
                              nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_queue", schema=_schema()) as batch_op:
        batch_op.drop_column("priority_order")
