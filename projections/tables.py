"""The read-model tables analysts query with plain SQL (documented in docs/analytics.md).

Tables carry no schema here: on PostgreSQL the engine maps them into the read schema
(``read`` by default), on SQLite they live beside the event store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect

from projections.search_text import TRIGRAM_OPCLASS, search_text, trigram_ready

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc: datetime = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is UTC:  # PostgreSQL sessions run in UTC (projections.store)
            return moment
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


Timestamp = UtcDateTime()


def _id(name: str = "ticket_id", **kw: object) -> Column[str]:
    return Column(name, String(36), **kw)  # type: ignore[arg-type]


QUEUE_ORDER_INDEXES: dict[str, tuple[str, ...]] = {
    "status_priority": ("status", "priority_order", "sla_order", "number"),
    "priority": ("priority_order", "sla_order", "number"),
    "status_sla": ("status", "sla_order", "priority_order", "number"),
    "sla": ("sla_order", "priority_order", "number"),
}
"""Partial indexes ``WHERE deleted = false`` of ``ticket_queue``: name suffix → columns."""

projection_positions = Table(
    "projection_positions", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

ticket_queue = Table(
    "ticket_queue", metadata,
    _id(primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("subject", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("priority_rank", SmallInteger, nullable=False),
    # 3 - priority_rank (0 urgent … 3 low): the queue sorts ascending on every column.
    Column("priority_order", SmallInteger, nullable=False),
    Column("category", String(48), nullable=False),
    Column("branch", String(64)),
    Column("channel", String(10), nullable=False),
    _id("assignee_id"),
    _id("customer_id", nullable=False),
    Column("customer_name", String(120), nullable=False),
    Column("customer_email", String(254), nullable=False),
    Column("order_ref", String(64)),
    Column("product_ref", String(64)),
    Column("tags", Text, nullable=False, default=""),
    Column("follow_up_of", String(20)),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("first_response_at", Timestamp),
    Column("resolved_at", Timestamp),
    Column("closed_at", Timestamp),
    Column("last_message_at", Timestamp),
    Column("last_customer_reply_at", Timestamp),
    Column("message_count", Integer, nullable=False, default=0),
    Column("escalation_level", Integer, nullable=False, default=0),
    Column("sla_policy", String(48)),
    Column("sla_terms", Text),
    Column("sla_paused_minutes", Float, nullable=False, default=0.0),
    Column("sla_paused_since", Timestamp),
    Column("sla_next_due", Timestamp),
    Column("sla_next_at_risk", Timestamp),
    # sla_next_due, or the far future when no clock runs: the queue's sort key.
    Column("sla_order", Timestamp, nullable=False),
    Column("sla_breached", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    # The ticket list's orders (projections.queries.tickets.SORTS), each readable from an
    # index in either direction, with or without a leading status; deleted rows left out.
    *(Index(f"ix_ticket_queue_{name}", *columns, postgresql_where=text("deleted = false"),
            sqlite_where=text("deleted = 0")) for name, columns in QUEUE_ORDER_INDEXES.items()),
    Index("ix_ticket_queue_assignee", "assignee_id", "status"),
    Index("ix_ticket_queue_category", "category", "status"),
    Index("ix_ticket_queue_branch", "branch", "status"),
    Index("ix_ticket_queue_customer", "customer_id", "created_at"),
    Index("ix_ticket_queue_created", "created_at", "number"),
    Index("ix_ticket_queue_updated", "updated_at", "number"),
    Index("ix_ticket_queue_sla_due", "sla_next_due"),
)

# Text search (``q``) on PostgreSQL with pg_trgm: created only where the extension is.
Index("ix_ticket_queue_search",
      search_text(ticket_queue.c.subject, ticket_queue.c.number, ticket_queue.c.customer_name,
                  ticket_queue.c.customer_email).label("search_text"),
      postgresql_using="gin", postgresql_ops={"search_text": TRIGRAM_OPCLASS},
      ).ddl_if(callable_=trigram_ready)

NO_VALUE = ""
"""``ticket_counts``' branch or assignee of tickets without one (key columns are NOT NULL)."""

ticket_counts = Table(
    "ticket_counts", metadata,
    Column("status", String(20), primary_key=True),
    Column("priority", String(10), primary_key=True),
    Column("category", String(48), primary_key=True),
    Column("branch", String(64), primary_key=True),
    _id("assignee_id", primary_key=True),
    Column("deleted", Boolean, primary_key=True),
    Column("tickets", Integer, nullable=False),
)

ticket_tags = Table(
    "ticket_tags", metadata,
    _id(primary_key=True),
    Column("tag", String(40), primary_key=True),
    Index("ix_ticket_tags_tag", "tag"),
)

ticket_messages = Table(
    "ticket_messages", metadata,
    Column("message_id", String(36), primary_key=True),
    _id(nullable=False),
    Column("number", String(20), nullable=False),
    Column("author_kind", String(10), nullable=False),
    Column("author_id", String(80), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("body", Text, nullable=False),
    Column("template", String(48)),
    Column("created_at", Timestamp, nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_ticket_messages_ticket", "ticket_id", "created_at"),
    Index("ix_ticket_messages_created", "created_at"),
)

ticket_sla = Table(
    "ticket_sla", metadata,
    _id(primary_key=True),
    Column("number", String(20), nullable=False),
    Column("policy", String(48), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("category", String(48), nullable=False),
    _id("assignee_id"),
    Column("status", String(20), nullable=False),
    Column("first_response_minutes", Integer, nullable=False),
    Column("resolution_minutes", Integer, nullable=False),
    Column("calendar", Text, nullable=False),
    Column("opened_at", Timestamp, nullable=False),
    Column("first_response_due", Timestamp, nullable=False),
    Column("first_response_at_risk", Timestamp, nullable=False),
    Column("first_responded_at", Timestamp),
    Column("first_response_met", Boolean),
    Column("first_response_breached", Boolean, nullable=False, default=False),
    Column("resolution_due", Timestamp),
    Column("resolution_at_risk", Timestamp),
    Column("resolved_at", Timestamp),
    Column("resolution_met", Boolean),
    Column("resolution_breached", Boolean, nullable=False, default=False),
    Column("paused_minutes", Float, nullable=False, default=0.0),
    Column("paused_since", Timestamp),
    Column("deleted", Boolean, nullable=False, default=False),
    Index("ix_ticket_sla_first_due", "first_response_due"),
    Index("ix_ticket_sla_resolution_due", "resolution_due"),
    Index("ix_ticket_sla_assignee", "assignee_id"),
)

agent_workload = Table(
    "agent_workload", metadata,
    _id("agent_id", primary_key=True),
    Column("name", String(120), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(10), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("escalation", Boolean, nullable=False),
    Column("skills", Text, nullable=False, default=""),
    Column("branches", Text, nullable=False, default=""),
    Column("open_assigned", Integer, nullable=False, default=0),
    Column("assigned_total", Integer, nullable=False, default=0),
    Column("resolved_total", Integer, nullable=False, default=0),
    Column("last_assigned_at", Timestamp),
    Column("created_at", Timestamp, nullable=False),
)

workload_tickets = Table(
    "workload_tickets", metadata,
    _id(primary_key=True),
    _id("agent_id"),
    Column("counts", Boolean, nullable=False),
    Index("ix_workload_tickets_agent", "agent_id"),
)

ticket_metrics = Table(
    "ticket_metrics", metadata,
    _id(primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("category", String(48), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("branch", String(64)),
    Column("channel", String(10), nullable=False),
    _id("assignee_id"),
    Column("status", String(20), nullable=False),
    Column("opened_at", Timestamp, nullable=False),
    Column("first_response_at", Timestamp),
    Column("first_response_seconds", Float),
    Column("resolved_at", Timestamp),
    Column("resolution_seconds", Float),
    Column("closed_at", Timestamp),
    Column("waiting_customer_seconds", Float, nullable=False, default=0.0),
    Column("waiting_since", Timestamp),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("escalation_count", Integer, nullable=False, default=0),
    Column("messages_customer", Integer, nullable=False, default=0),
    Column("messages_agent", Integer, nullable=False, default=0),
    Column("messages_system", Integer, nullable=False, default=0),
    Column("messages_public", Integer, nullable=False, default=0),
    Column("messages_internal", Integer, nullable=False, default=0),
    Column("first_response_breached", Boolean, nullable=False, default=False),
    Column("resolution_breached", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Index("ix_ticket_metrics_opened", "opened_at"),
    Index("ix_ticket_metrics_category", "category", "opened_at"),
    Index("ix_ticket_metrics_assignee", "assignee_id", "opened_at"),
)

daily_ticket_stats = Table(
    "daily_ticket_stats", metadata,
    Column("day", Date, primary_key=True),
    Column("category", String(48), primary_key=True),
    Column("priority", String(10), primary_key=True),
    Column("branch", String(64), primary_key=True),
    Column("opened", Integer, nullable=False, default=0),
    Column("first_responded", Integer, nullable=False, default=0),
    Column("resolved", Integer, nullable=False, default=0),
    Column("closed", Integer, nullable=False, default=0),
    Column("breached", Integer, nullable=False, default=0),
    Column("reopened", Integer, nullable=False, default=0),
)

daily_stats_tickets = Table(
    "daily_stats_tickets", metadata,
    _id(primary_key=True),
    Column("category", String(48), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("branch", String(64), nullable=False),
    Column("first_responded", Boolean, nullable=False, default=False),
)

customers = Table(
    "customers", metadata,
    _id("customer_id", primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("phone", String(32)),
    Column("branch", String(64)),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_customers_name", "name"),
)

customer_orders = Table(
    "customer_orders", metadata,
    _id("customer_id", primary_key=True),
    Column("number", String(64), primary_key=True),
    Column("placed_on", Date, nullable=False),
    Column("total", Numeric(18, 4), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("products", Text, nullable=False, default=""),
    Index("ix_customer_orders_number", "number"),
)

notifications = Table(
    "notifications", metadata,
    _id("notification_id", primary_key=True),
    Column("cause_event_id", String(80), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("recipient_kind", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("ticket_number", String(20)),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("reason", Text, nullable=False, default=""),
    Column("read", Boolean, nullable=False, default=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_notifications_recipient", "recipient", "read", "created_at"),
    Index("ix_notifications_ticket", "ticket_number"),
)

categories = Table(
    "categories", metadata,
    Column("slug", String(48), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False),
    Column("default_priority", String(10), nullable=False),
    Column("auto_response_template", String(48)),
    Column("sla_policy", String(48)),
    Column("version", Integer, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

sla_policies = Table(
    "sla_policies", metadata,
    Column("slug", String(48), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("targets", Text, nullable=False),
    Column("calendar", Text, nullable=False),
    Column("auto_close_days", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

templates = Table(
    "templates", metadata,
    Column("slug", String(48), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

# Bookkeeping tables of single read models (events that lack a key the rows need).

message_tickets = Table(
    "message_tickets", metadata,
    Column("ticket_id", String(36), primary_key=True),
    Column("number", String(20), nullable=False),
)

config_ids = Table(
    "config_ids", metadata,
    Column("aggregate_id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("slug", String(48), nullable=False),
)

workload_agents = Table(
    "workload_agents", metadata,
    Column("agent_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)
