"""Presenters that build response Structs positionally keep every field in its place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from api.presenters import ticket_summary
from api.schemas.tickets import TicketSummary

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue_row(**overrides: object) -> dict[str, object]:
    """A ``ticket_queue`` row with a distinct value in every column a summary shows, plus
    columns it must leave out."""
    return {
        "number": "TKT-2026-000007", "subject": "Grinder hums", "status": "open",
        "priority": "high", "category": "technical", "branch": "north",
        "assignee_id": "agent-1", "customer_name": "Bob Buyer",
        "customer_email": "bob@example.com", "tags": "vip warranty",
        "created_at": NOW - timedelta(hours=2), "updated_at": NOW - timedelta(hours=1),
        "message_count": 3, "sla_next_due": NOW + timedelta(hours=4),
        "sla_next_at_risk": NOW + timedelta(hours=3), "sla_breached": False, "version": 5,
        "ticket_id": "not shown", "priority_rank": 3, "deleted": False,
    } | overrides


def test_a_summary_has_every_field_from_its_own_column():
    summary = ticket_summary(queue_row(), NOW)
    assert msgspec.to_builtins(summary) == {
        "number": "TKT-2026-000007", "subject": "Grinder hums", "status": "open",
        "priority": "high", "category": "technical", "branch": "north",
        "assignee": "agent-1", "customer_name": "Bob Buyer",
        "customer_email": "bob@example.com", "tags": ["vip", "warranty"],
        "created_at": "2026-03-02T07:00:00Z", "updated_at": "2026-03-02T08:00:00Z",
        "message_count": 3, "sla_next_due": "2026-03-02T13:00:00Z", "sla_state": "ok",
        "version": 5,
    }
    assert list(TicketSummary.__struct_fields__) == list(msgspec.to_builtins(summary))


def test_a_summary_states_the_sla_from_now():
    assert ticket_summary(queue_row(sla_next_at_risk=NOW), NOW).sla_state == "at_risk"
    assert ticket_summary(queue_row(sla_breached=True), NOW).sla_state == "breached"
    assert ticket_summary(queue_row(sla_next_due=NOW), NOW).sla_state == "breached"
    none = ticket_summary(queue_row(sla_next_due=None, sla_next_at_risk=None, tags=""), NOW)
    assert (none.sla_state, none.sla_next_due, none.tags) == ("none", None, [])
