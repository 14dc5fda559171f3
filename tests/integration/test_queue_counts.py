"""``ticket_counts`` gives the ticket list the same counts by status as counting
``ticket_queue``, whether rebuilt by ``recount`` or kept up to date by
``count_changes``/``write_count_changes``, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select, text, update

from projections.queries.ticket_counts import (
    capped_counts,
    live_counts,
    summary_counts,
)
from projections.queries.tickets import TicketFilter, list_tickets
from projections.queue_counts import count_changes, count_key, recount, write_count_changes
from projections.tables import ticket_counts, ticket_queue
from tests.integration.queue_rows import (
    AGENTS,
    BRANCHES,
    CATEGORIES,
    PRIORITIES,
    STATUSES,
    migrated_store,
    queue_row,
)
from tests.integration.test_analytics_queries import doc_blocks

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def read_store(request):
    yield from migrated_store(request)


def random_filter(rng: random.Random) -> TicketFilter:
    """A filter on the dimensions ``ticket_counts`` holds (and sometimes a status)."""
    def some(values: tuple[str, ...]) -> list[str]:
        return rng.sample(values, rng.randrange(len(values) + 1)) if rng.random() < 0.5 else []
    assignee = rng.choice((None, None, *[a for a in AGENTS if a], "agent-nobody"))
    scope = tuple(rng.sample(("north", "south", "east"), rng.randrange(3)))
    return TicketFilter(
        status=some(STATUSES), priority=some(tuple(PRIORITIES)), category=some(CATEGORIES),
        assignee=assignee, unassigned=rng.random() < 0.2,
        branch=rng.choice((None, None, "north", "south", "west")), branch_scope=scope,
        include_deleted=rng.random() < 0.3)


def table_counts(conn) -> dict[tuple, int]:
    rows = conn.execute(select(ticket_counts)).mappings().all()
    return {tuple(r[c] for c in ("status", "priority", "category", "branch", "assignee_id",
                                  "deleted")): r["tickets"] for r in rows if r["tickets"]}


def test_summary_counts_equal_live_counts(read_store):
    rng = random.Random(11)
    with read_store.writer.begin() as conn:
        conn.execute(insert(ticket_queue), [queue_row(i, rng) for i in range(300)])
        recount(conn)
    with read_store.reader.connect() as conn:
        for _ in range(300):
            f = random_filter(rng)
            counted = summary_counts(conn, f)
            assert counted is not None
            assert counted == live_counts(conn, f, NOW), f
        everything = live_counts(conn, TicketFilter(include_deleted=True), NOW)
        assert sum(everything.values()) == 300
        # list_tickets takes the summary for these filters, the live count for the others
        for f in (TicketFilter(status=["open"]), TicketFilter(q="grinder"),
                  TicketFilter(tag="vip"), TicketFilter(customer_id="customer-1"),
                  TicketFilter(created_from=NOW), TicketFilter(sla="breached")):
            assert list_tickets(conn, f, now=NOW, limit=1).counts == live_counts(conn, f, NOW)


def test_a_text_search_counts_up_to_the_cap_per_status(read_store):
    rng = random.Random(5)
    with read_store.writer.begin() as conn:
        conn.execute(insert(ticket_queue), [queue_row(i, rng) for i in range(300)])
    search = TicketFilter(q="e", status=["open"])  # the status filter is ignored
    with read_store.reader.connect() as conn:
        exact = live_counts(conn, search, NOW)
        assert sum(exact.values()) > 20 and len(exact) > 1
        top = max(exact.values())
        for cap in (1, 5, top - 1, top, top + 1):
            counted = capped_counts(conn, search, NOW, cap)
            assert counted.by_status == {s: min(n, cap) for s, n in exact.items()}, cap
            assert counted.capped == (top > cap), cap
        page = list_tickets(conn, search, now=NOW, limit=1)  # 300 rows: under the cap
        assert (page.counts, page.counts_capped) == (exact, False)


def test_tickets_without_branch_or_assignee_are_counted_under_the_empty_string(read_store):
    rng = random.Random(3)
    row = {**queue_row(1, rng), "branch": None, "assignee_id": None, "deleted": False}
    with read_store.writer.begin() as conn:
        conn.execute(insert(ticket_queue), [row])
        recount(conn)
        assert table_counts(conn) == {(row["status"], row["priority"], row["category"], "", "",
                                       False): 1}


def test_count_changes_of_one_row():
    rng = random.Random(5)
    before = {**queue_row(1, rng), "status": "open", "assignee_id": None}
    after = {**before, "status": "in_progress", "assignee_id": "agent-a"}
    assert count_changes(None, before) == Counter({count_key(before): 1})
    assert count_changes(before, None) == Counter({count_key(before): -1})
    assert count_changes(before, after) == Counter({count_key(before): -1,
                                                    count_key(after): 1})
    assert count_changes(before, {**before, "subject": "other"}) == Counter()
    assert count_key(before)[3:] == (before["branch"] or "", "", before["deleted"])


def test_written_changes_keep_the_table_equal_to_a_recount(read_store):
    rng = random.Random(8)
    rows = {i: queue_row(i, rng) for i in range(120)}
    with read_store.writer.begin() as conn:
        conn.execute(insert(ticket_queue), list(rows.values()))
        recount(conn)
        write_count_changes(conn, Counter())  # nothing to write: no statement, no error
    for _ in range(6):  # units of work: several rows change, some appear or go
        total: Counter = Counter()
        with read_store.writer.begin() as conn:
            for _ in range(25):
                i = rng.randrange(150)
                before = rows.get(i)
                if before is None:
                    after = queue_row(i, rng)
                    conn.execute(insert(ticket_queue), [after])
                elif rng.random() < 0.1:
                    after = None
                    conn.execute(delete(ticket_queue).where(
                        ticket_queue.c.number == before["number"]))
                else:
                    after = {**before, "status": rng.choice(STATUSES),
                             "assignee_id": rng.choice(AGENTS), "branch": rng.choice(BRANCHES),
                             "deleted": rng.random() < 0.1}
                    conn.execute(update(ticket_queue).where(
                        ticket_queue.c.number == before["number"]).values(
                        {k: after[k] for k in ("status", "assignee_id", "branch", "deleted")}))
                if after is None:
                    rows.pop(i)
                else:
                    rows[i] = after
                total.update(count_changes(before, after))
            write_count_changes(conn, total)
            kept = conn.execute(select(ticket_counts)).all()
            recount(conn)
            assert sorted(kept) == sorted(conn.execute(select(ticket_counts)).all())
            assert all(row.tickets > 0 for row in kept)


def test_the_documented_counts_query_answers_like_the_ticket_list(read_store):
    (block,) = [b for b in doc_blocks() if b.heading == "ticket_counts"]
    rng = random.Random(21)
    with read_store.writer.begin() as conn:
        conn.execute(insert(ticket_queue), [queue_row(i, rng) for i in range(80)])
        recount(conn)
    with read_store.reader.connect() as conn:
        if read_store.schema:
            conn.exec_driver_sql(f'SET search_path TO "{read_store.schema}"')
        documented = dict(conn.execute(text(block.sql)).all())
        expected = live_counts(conn, TicketFilter(status=["open"], branch_scope=("north",)),
                               NOW)
        assert {status: int(n) for status, n in documented.items()} == expected
