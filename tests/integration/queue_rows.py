"""Random ``ticket_queue`` rows written straight into a migrated read store, for tests of
the ticket list's query, counts and migration (no events involved)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from projections.migrate import upgrade
from projections.store import ReadStore, open_read_store

STATUSES = ("open", "in_progress", "waiting_customer", "resolved", "closed")
PRIORITIES = {"urgent": 3, "high": 2, "medium": 1, "low": 0}  # name: priority_rank
CATEGORIES = ("billing", "shipping", "technical", "general")
BRANCHES = (None, "north", "south")
AGENTS = (None, "agent-a", "agent-b", "agent-c")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAR = datetime(9999, 1, 1, tzinfo=UTC)


def migrated_store(request: pytest.FixtureRequest) -> Iterator[ReadStore]:
    """For a fixture parametrised with "sqlite" and "postgres": a read store migrated to
    the newest revision on that backend."""
    store = open_read_store(request.getfixturevalue(f"{request.param}_url"))
    upgrade(store)
    yield store
    store.dispose()


def queue_row(i: int, rng: random.Random, *, subject: str | None = None,
              with_order: bool = True) -> dict[str, Any]:
    """A plausible row: few distinct times (so that sort keys tie), every dimension of
    ``ticket_counts`` drawn from a small set, some rows deleted."""
    priority = rng.choice(list(PRIORITIES))
    rank = PRIORITIES[priority]
    created = START + timedelta(hours=rng.randrange(6))
    due = rng.choice((FAR, START + timedelta(hours=rng.randrange(4))))
    row: dict[str, Any] = {
        "ticket_id": str(uuid.UUID(int=rng.getrandbits(128))), "number": f"T26-{i:06d}",
        "subject": subject if subject is not None else f"Ticket {i}" + " grinder" * (i % 3 == 0),
        "status": rng.choice(STATUSES), "priority": priority, "priority_rank": rank,
        "category": rng.choice(CATEGORIES), "branch": rng.choice(BRANCHES),
        "channel": "portal", "assignee_id": rng.choice(AGENTS),
        "customer_id": f"customer-{i % 5}", "customer_name": f"Customer {i % 5}",
        "customer_email": f"c{i % 5}@example.com", "tags": "", "created_at": created,
        "updated_at": created + timedelta(minutes=rng.randrange(3)), "message_count": 0,
        "escalation_level": 0, "sla_paused_minutes": 0.0,
        "sla_next_due": None if due == FAR else due, "sla_order": due,
        "sla_breached": False, "deleted": rng.random() < 0.1, "version": 1, "position": i,
    }
    if with_order:
        row["priority_order"] = 3 - rank
    return row
