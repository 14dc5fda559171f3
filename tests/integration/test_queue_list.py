"""The ticket list on SQLite and PostgreSQL: every sort walks all matching rows once, in
order, page by page (row-comparison cursors); text search finds what a search column by
column finds, for any text; stale or forged cursors are a clear 422, never a database
error; other keyset lists still page."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, tuple_

from domain.errors import InvalidInput
from projections.queries.cursor import encode_cursor
from projections.queries.keyset import after, direction
from projections.queries.tickets import SORTS, TicketFilter, cursor_name, list_tickets
from projections.queue_counts import recount
from projections.tables import ticket_queue
from tests.integration.queue_rows import migrated_store, queue_row

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
Q = ticket_queue.c


@pytest.fixture(params=["sqlite", "postgres"])
def read_store(request):
    yield from migrated_store(request)


def fill(store, rows) -> None:
    with store.writer.begin() as conn:
        conn.execute(insert(ticket_queue), rows)
        recount(conn)


def walk(conn, f: TicketFilter, sort: str, limit: int) -> list[str]:
    seen, cursor = [], None
    while True:
        page = list_tickets(conn, f, now=NOW, sort=sort, limit=limit, cursor=cursor,
                            with_counts=False)
        seen += [row["number"] for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


def expected_order(rows, f: TicketFilter, sort: str) -> list[str]:
    chosen = [r for r in rows if (f.include_deleted or not r["deleted"])
              and (not f.status or r["status"] in f.status)]
    spec = SORTS[sort]
    (descending,) = {d for _, d in spec}
    return [r["number"] for r in sorted(chosen, key=lambda r: tuple(r[c] for c, _ in spec),
                                        reverse=descending)]


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_pages_through_all_rows_in_order(read_store, sort):
    rng = random.Random(sort)
    rows = [queue_row(i, rng) for i in range(90)]
    fill(read_store, rows)
    with read_store.reader.connect() as conn:
        for f in (TicketFilter(), TicketFilter(status=["open"]),
                  TicketFilter(status=["open", "in_progress"]),
                  TicketFilter(include_deleted=True)):
            whole = expected_order(rows, f, sort)
            assert walk(conn, f, sort, limit=7) == whole
            assert walk(conn, f, sort, limit=1000) == whole


def test_priority_sorts_urgent_first_then_by_sla_due():
    assert SORTS["priority"][0] == ("priority_order", False)
    assert all(len({d for _, d in spec}) == 1 for spec in SORTS.values())


def test_items_carry_what_a_summary_shows(read_store):
    fill(read_store, [queue_row(1, random.Random(1))])
    with read_store.reader.connect() as conn:
        (item,) = list_tickets(conn, TicketFilter(include_deleted=True), now=NOW).items
    assert {"number", "subject", "status", "priority", "category", "branch", "assignee_id",
            "customer_name", "customer_email", "tags", "created_at", "updated_at",
            "message_count", "sla_next_due", "sla_next_at_risk", "sla_breached", "version",
            "deleted", "ticket_id"} <= set(item)


SUBJECTS = ["50% off", "under_score here", "back\\slash", "GrInDeR noise", "tab\x1fbed",
            "plain", "ab", "percent%sign_and\\all"]
QUERIES = ["%", "_", "\\", "50%", "r_s", "\x1f", "\x1fbed", "grinder", "GRINDER", "b\x1fT26",
           "ab\x1ft26", "b t26", "t26-000003", "customer 2", "@EXAMPLE", "c1@", "%sign_",
           "\\a", "nothing-matches", "t", " "]


def test_text_search_matches_any_column_literally(read_store):
    rng = random.Random(4)
    rows = [{**queue_row(i, rng, subject=subject), "deleted": False}
            for i, subject in enumerate(SUBJECTS)]
    fill(read_store, rows)
    searched = ("subject", "number", "customer_name", "customer_email")
    with read_store.reader.connect() as conn:
        for q in QUERIES:
            expected = sorted(r["number"] for r in rows
                              if any(q.lower() in r[c].lower() for c in searched))
            page = list_tickets(conn, TicketFilter(q=q), now=NOW, limit=100)
            assert sorted(row["number"] for row in page.items) == expected, repr(q)
            assert sum(page.counts.values()) == len(expected), repr(q)


BAD_VALUES = [
    [1.5, "2026-03-02T09:00:00+00:00", "T26-000001"],
    [True, "2026-03-02T09:00:00+00:00", "T26-000001"],
    ["1", "2026-03-02T09:00:00+00:00", "T26-000001"],
    [2**70, "2026-03-02T09:00:00+00:00", "T26-000001"],
    [1, "2026-03-02T09:00:00", "T26-000001"],  # naive
    [1, "not a time", "T26-000001"],
    [1, "9999-12-31T23:59:59-05:00", "T26-000001"],  # beyond year 9999 in UTC
    [1, "0001-01-01T00:00:00+05:00", "T26-000001"],  # before year 1 in UTC
    [1, "2026-03-02T09:00:00+00:00", "T26\x00"],
    [1, "2026-03-02T09:00:00+00:00", 7],
    [1, "2026-03-02T09:00:00+00:00", None],
    [1, "2026-03-02T09:00:00+00:00"],
    [1, "2026-03-02T09:00:00+00:00", "T26-000001", "extra"],
]


def test_stale_and_forged_cursors_are_refused_before_the_database(read_store):
    fill(read_store, [queue_row(i, random.Random(i)) for i in range(3)])
    stale = [
        # version 1 cursors named the sort alone and carried priority_rank
        encode_cursor("priority", [3, "2026-03-02T09:00:00+00:00", "T26-000001"]),
        encode_cursor("sla_due", ["2026-03-02T09:00:00+00:00", 3, "T26-000001"]),
        encode_cursor("-created_at", ["2026-03-02T09:00:00+00:00", "T26-000001"]),
        encode_cursor(cursor_name("sla_due"), [1, "2026-03-02T09:00:00+00:00", "x"]),
        "!!!", "e30", "",
    ]
    forged = [encode_cursor(cursor_name("priority"), values) for values in BAD_VALUES]
    with read_store.reader.connect() as conn:
        for cursor in [*stale, *forged]:
            with pytest.raises(InvalidInput) as refused:
                list_tickets(conn, TicketFilter(), now=NOW, cursor=cursor or "x")
            assert "not a cursor this list returned" in refused.value.errors["cursor"]
        # the connection is still usable: nothing reached the database
        assert list_tickets(conn, TicketFilter(), now=NOW).items


def test_a_cursor_is_a_row_comparison_in_one_direction():
    bound = after([(Q.created_at, True), (Q.number, True)],
                  ["2026-03-02T09:00:00+00:00", "T26-000001"])
    assert "<" in str(bound) and "OR" not in str(bound)
    assert str(tuple_(Q.created_at, Q.number)) in str(bound)
    with pytest.raises(ValueError, match="one way"):
        direction([(Q.created_at, True), (Q.number, False)])


def test_a_deep_page_starts_right_after_its_cursor(read_store):
    rng = random.Random(9)
    rows = [{**queue_row(i, rng), "status": "open", "deleted": False,
             "sla_order": datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=i % 4)}
            for i in range(60)]
    fill(read_store, rows)
    f = TicketFilter(status=["open"])
    with read_store.reader.connect() as conn:
        first = list_tickets(conn, f, now=NOW, limit=45)
        deep = list_tickets(conn, f, now=NOW, limit=50, cursor=first.next_cursor)
        whole = list_tickets(conn, f, now=NOW, limit=100)
    numbers = [row["number"] for row in whole.items]
    assert [row["number"] for row in deep.items] == numbers[45:]
    assert deep.next_cursor is None and deep.counts == {"open": 60}


@pytest.mark.parametrize("read_store", ["postgres"], indirect=True)
def test_a_lost_connection_fails_the_list_as_any_statement_would(read_store, postgres_url):
    """The list's statements go to psycopg directly; a connection lost under them fails
    through SQLAlchemy like any other statement: a DBAPIError (the API's 503) that
    invalidates the pool, so the next request gets a live connection."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    fill(read_store, [queue_row(i, random.Random(i)) for i in range(5)])
    with read_store.reader.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        assert list_tickets(conn, TicketFilter(), now=NOW).items
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with psycopg.connect(postgres_url.split("?")[0], autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(DBAPIError) as failed:
            list_tickets(conn, TicketFilter(), now=NOW)
        assert failed.value.connection_invalidated
    with read_store.reader.connect() as conn:
        assert len(list_tickets(conn, TicketFilter(include_deleted=True), now=NOW).items) == 5
