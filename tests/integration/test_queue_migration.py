"""Migration 0002 upgrades a read store of revision 0001 that holds tickets: the priority
sort key and ``ticket_counts`` are filled from the rows, the queue's indexes replaced (and
the text-search index made on PostgreSQL, where pg_trgm is available)."""

from __future__ import annotations

import random

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, inspect, select

from projections.migrate import alembic_config, current_revision, head_revision, upgrade
from projections.queue_counts import recount
from projections.store import open_read_store
from projections.tables import ticket_counts
from tests.integration.queue_rows import queue_row

KEYS = ("status", "priority", "category", "branch", "assignee_id", "deleted")


def counts_table(conn) -> dict[tuple, int]:
    return {tuple(r[k] for k in KEYS): r["tickets"]
            for r in conn.execute(select(ticket_counts)).mappings()}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_0002_fills_the_sort_key_and_the_counts_of_existing_tickets(backend, request):
    store = open_read_store(request.getfixturevalue(f"{backend}_url"))
    rng = random.Random(2)
    rows = [queue_row(i, rng, with_order=False) for i in range(150)]
    try:
        upgrade(store, "0001")
        with store.writer.begin() as conn:
            old = Table("ticket_queue", MetaData(), autoload_with=conn, schema=store.schema)
            assert "priority_order" not in old.c
            conn.execute(old.insert(), rows)
        upgrade(store, "0002")
        assert current_revision(store) == "0002"
        with store.writer.begin() as conn:
            new = Table("ticket_queue", MetaData(), autoload_with=conn, schema=store.schema)
            orders = dict(conn.execute(select(new.c.number, new.c.priority_order)).all())
            assert orders == {r["number"]: 3 - r["priority_rank"] for r in rows}
            migrated = counts_table(conn)
            expected: dict[tuple, int] = {}
            for r in rows:
                key = (r["status"], r["priority"], r["category"], r["branch"] or "",
                       r["assignee_id"] or "", r["deleted"])
                expected[key] = expected.get(key, 0) + 1
            assert migrated == expected
            recount(conn)
            assert counts_table(conn) == migrated
            indexes = {ix["name"] for ix in inspect(conn).get_indexes(
                "ticket_queue", schema=store.schema)}
        assert {"ix_ticket_queue_status_priority", "ix_ticket_queue_priority",
                "ix_ticket_queue_status_sla", "ix_ticket_queue_sla", "ix_ticket_queue_created",
                "ix_ticket_queue_updated"} <= indexes
        assert not {"ix_ticket_queue_default_order", "ix_ticket_queue_status"} & indexes
        if backend == "postgres":
            assert "ix_ticket_queue_search" in indexes
    finally:
        store.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_0002_downgrades_to_0001(backend, request):
    store = open_read_store(request.getfixturevalue(f"{backend}_url"))
    try:
        upgrade(store)
        with store.writer.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            config.attributes["schema"] = store.schema
            command.downgrade(config, "0001")
        assert current_revision(store) == "0001"
        with store.writer.connect() as conn:
            names = set(inspect(conn).get_table_names(schema=store.schema))
            indexes = {ix["name"] for ix in inspect(conn).get_indexes(
                "ticket_queue", schema=store.schema)}
        assert "ticket_counts" not in names
        assert {"ix_ticket_queue_default_order", "ix_ticket_queue_status"} <= indexes
        upgrade(store)
        assert current_revision(store) == head_revision()
    finally:
        store.dispose()
