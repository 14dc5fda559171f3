"""The read models: every table analysts query, plus the runners' positions.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 14:51:31.675987
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent_workload',
    sa.Column('agent_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('escalation', sa.Boolean(), nullable=False),
    sa.Column('skills', sa.Text(), nullable=False),
    sa.Column('branches', sa.Text(), nullable=False),
    sa.Column('open_assigned', sa.Integer(), nullable=False),
    sa.Column('assigned_total', sa.Integer(), nullable=False),
    sa.Column('resolved_total', sa.Integer(), nullable=False),
    sa.Column('last_assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('agent_id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('categories',
    sa.Column('slug', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('default_priority', sa.String(length=10), nullable=False),
    sa.Column('auto_response_template', sa.String(length=48), nullable=True),
    sa.Column('sla_policy', sa.String(length=48), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_table('config_ids',
    sa.Column('aggregate_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('slug', sa.String(length=48), nullable=False),
    sa.PrimaryKeyConstraint('aggregate_id')
    )
    op.create_table('customer_orders',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('placed_on', sa.Date(), nullable=False),
    sa.Column('total', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('products', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', 'number')
    )
    with op.batch_alter_table('customer_orders', schema=None) as batch_op:
        batch_op.create_index('ix_customer_orders_number', ['number'], unique=False)

    op.create_table('customers',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('branch', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('customer_id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_name', ['name'], unique=False)

    op.create_table('daily_stats_tickets',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=48), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('branch', sa.String(length=64), nullable=False),
    sa.Column('first_responded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    op.create_table('daily_ticket_stats',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=48), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('branch', sa.String(length=64), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('first_responded', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('breached', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'category', 'priority', 'branch')
    )
    op.create_table('message_tickets',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    op.create_table('notifications',
    sa.Column('notification_id', sa.String(length=36), nullable=False),
    sa.Column('cause_event_id', sa.String(length=80), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('recipient_kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('ticket_number', sa.String(length=20), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('read', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('notification_id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_recipient', ['recipient', 'read', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_ticket', ['ticket_number'], unique=False)

    op.create_table('projection_positions',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('sla_policies',
    sa.Column('slug', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('targets', sa.Text(), nullable=False),
    sa.Column('calendar', sa.Text(), nullable=False),
    sa.Column('auto_close_days', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_table('templates',
    sa.Column('slug', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_table('ticket_messages',
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('author_kind', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.String(length=80), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('template', sa.String(length=48), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_messages_created', ['created_at'], unique=False)
        batch_op.create_index('ix_ticket_messages_ticket', ['ticket_id', 'created_at'], unique=False)

    op.create_table('ticket_metrics',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=48), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('branch', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('assignee_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_seconds', sa.Float(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_seconds', sa.Float(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('waiting_customer_seconds', sa.Float(), nullable=False),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('escalation_count', sa.Integer(), nullable=False),
    sa.Column('messages_customer', sa.Integer(), nullable=False),
    sa.Column('messages_agent', sa.Integer(), nullable=False),
    sa.Column('messages_system', sa.Integer(), nullable=False),
    sa.Column('messages_public', sa.Integer(), nullable=False),
    sa.Column('messages_internal', sa.Integer(), nullable=False),
    sa.Column('first_response_breached', sa.Boolean(), nullable=False),
    sa.Column('resolution_breached', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('ticket_metrics', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_metrics_assignee', ['assignee_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_ticket_metrics_category', ['category', 'opened_at'], unique=False)
        batch_op.create_index('ix_ticket_metrics_opened', ['opened_at'], unique=False)

    op.create_table('ticket_queue',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('priority_rank', sa.SmallInteger(), nullable=False),
    sa.Column('category', sa.String(length=48), nullable=False),
    sa.Column('branch', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('assignee_id', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('customer_name', sa.String(length=120), nullable=False),
    sa.Column('customer_email', sa.String(length=254), nullable=False),
    sa.Column('order_ref', sa.String(length=64), nullable=True),
    sa.Column('product_ref', sa.String(length=64), nullable=True),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('follow_up_of', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_customer_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('sla_policy', sa.String(length=48), nullable=True),
    sa.Column('sla_terms', sa.Text(), nullable=True),
    sa.Column('sla_paused_minutes', sa.Float(), nullable=False),
    sa.Column('sla_paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_next_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_next_at_risk', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_order', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sla_breached', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('ticket_queue', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_queue_assignee', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_ticket_queue_branch', ['branch', 'status'], unique=False)
        batch_op.create_index('ix_ticket_queue_category', ['category', 'status'], unique=False)
        batch_op.create_index('ix_ticket_queue_created', ['created_at'], unique=False)
        batch_op.create_index('ix_ticket_queue_customer', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_queue_default_order', ['deleted', 'priority_rank', 'sla_order', 'number'], unique=False)
        batch_op.create_index('ix_ticket_queue_sla_due', ['sla_next_due'], unique=False)
        batch_op.create_index('ix_ticket_queue_status', ['status', 'deleted', 'priority_rank', 'sla_order', 'number'], unique=False)

    op.create_table('ticket_sla',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('policy', sa.String(length=48), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=48), nullable=False),
    sa.Column('assignee_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('calendar', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at_risk', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_met', sa.Boolean(), nullable=True),
    sa.Column('first_response_breached', sa.Boolean(), nullable=False),
    sa.Column('resolution_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_at_risk', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_met', sa.Boolean(), nullable=True),
    sa.Column('resolution_breached', sa.Boolean(), nullable=False),
    sa.Column('paused_minutes', sa.Float(), nullable=False),
    sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_sla_assignee', ['assignee_id'], unique=False)
        batch_op.create_index('ix_ticket_sla_first_due', ['first_response_due'], unique=False)
        batch_op.create_index('ix_ticket_sla_resolution_due', ['resolution_due'], unique=False)

    op.create_table('ticket_tags',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id', 'tag')
    )
    with op.batch_alter_table('ticket_tags', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_tags_tag', ['tag'], unique=False)

    op.create_table('workload_agents',
    sa.Column('agent_id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('agent_id')
    )
    op.create_table('workload_tickets',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('agent_id', sa.String(length=36), nullable=True),
    sa.Column('counts', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('workload_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_workload_tickets_agent', ['agent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workload_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_workload_tickets_agent')

    op.drop_table('workload_tickets')
    op.drop_table('workload_agents')
    with op.batch_alter_table('ticket_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_tags_tag')

    op.drop_table('ticket_tags')
    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_sla_resolution_due')
        batch_op.drop_index('ix_ticket_sla_first_due')
        batch_op.drop_index('ix_ticket_sla_assignee')

    op.drop_table('ticket_sla')
    with op.batch_alter_table('ticket_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_queue_status')
        batch_op.drop_index('ix_ticket_queue_sla_due')
        batch_op.drop_index('ix_ticket_queue_default_order')
        batch_op.drop_index('ix_ticket_queue_customer')
        batch_op.drop_index('ix_ticket_queue_created')
        batch_op.drop_index('ix_ticket_queue_category')
        batch_op.drop_index('ix_ticket_queue_branch')
        batch_op.drop_index('ix_ticket_queue_assignee')

    op.drop_table('ticket_queue')
    with op.batch_alter_table('ticket_metrics', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_metrics_opened')
        batch_op.drop_index('ix_ticket_metrics_category')
        batch_op.drop_index('ix_ticket_metrics_assignee')

    op.drop_table('ticket_metrics')
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_messages_ticket')
        batch_op.drop_index('ix_ticket_messages_created')

    op.drop_table('ticket_messages')
    op.drop_table('templates')
    op.drop_table('sla_policies')
    op.drop_table('projection_positions')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_ticket')
        batch_op.drop_index('ix_notifications_recipient')

    op.drop_table('notifications')
    op.drop_table('message_tickets')
    op.drop_table('daily_ticket_stats')
    op.drop_table('daily_stats_tickets')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_name')

    op.drop_table('customers')
    with op.batch_alter_table('customer_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_orders_number')

    op.drop_table('customer_orders')
    op.drop_table('config_ids')
    op.drop_table('categories')
    op.drop_table('agent_workload')
