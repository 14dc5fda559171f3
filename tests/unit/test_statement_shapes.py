"""The ticket list's statements are compiled once per shape and reused for every request of
that shape (``projections.queries.statements``): two requests of one shape must have one
SQL, or a request would run another filter's statement. Compiled here for PostgreSQL
without a database, every request compiled anew and checked against the SQL its shape
was first compiled to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from projections.queries import statements
from projections.queries.cursor import encode_cursor
from projections.queries.ticket_counts import SEARCH_COUNT_CAP
from projections.queries.tickets import SORTS, TicketFilter, cursor_name, list_tickets
from projections.search_text import SEPARATOR

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class RecordingCursor:
    """A driver cursor that keeps what it was sent and finds nothing."""

    def __init__(self, sent: list[tuple[str, dict[str, Any]]]) -> None:
        self.sent = sent
        self.description = None

    def execute(self, sql: str, params: dict[str, Any]) -> None:
        self.sent.append((sql, dict(params)))

    def fetchall(self) -> list[tuple[Any, ...]]:
        return []

    def close(self) -> None:
        pass


class OfflineConnection:
    """What ``statements.fetch`` uses of a SQLAlchemy connection to PostgreSQL."""

    dialect = pg_psycopg.dialect()

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.connection = self
        self.driver_connection = self

    def get_execution_options(self) -> dict[str, Any]:
        return {"schema_translate_map": {None: "helpdesk_read"}}

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self.sent)


class CompileEveryTime(dict[Any, str]):
    """A statement cache that never answers, and fails when a shape compiles to a SQL
    other than the one it compiled to before."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: Any, sql: str) -> None:
        if key in self:
            assert self[key] == sql, f"shape {key} compiled to two statements"
        super().__setitem__(key, sql)


@pytest.fixture(scope="module")
def compiled():
    cache = CompileEveryTime()
    saved = statements._compiled
    statements._compiled = cache
    yield cache
    statements._compiled = saved


few = st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True)
texts = st.one_of(st.none(), st.sampled_from(["grinder", "50%_off", f"a{SEPARATOR}b", "x"]))
moments = st.one_of(st.none(), st.just(NOW - timedelta(days=3)))
filters = st.builds(
    TicketFilter, status=few, priority=few, category=few,
    assignee=st.one_of(st.none(), st.sampled_from(["agent-1", "agent-2"])),
    unassigned=st.booleans(), branch=st.one_of(st.none(), st.just("north")),
    tag=st.one_of(st.none(), st.just("vip")),
    sla=st.sampled_from([None, "breached", "at_risk"]), q=texts,
    created_from=moments, created_to=moments,
    customer_id=st.one_of(st.none(), st.just("customer-1")),
    branch_scope=st.lists(st.sampled_from(["north", "south"]), max_size=2,
                          unique=True).map(tuple),
    include_deleted=st.booleans())
SORT_VALUES = {"priority_order": 1, "sla_order": NOW.isoformat(), "number": "T-2026-000042",
               "created_at": NOW.isoformat(), "updated_at": NOW.isoformat()}


@settings(max_examples=300, deadline=None)
@given(f=filters, sort=st.sampled_from(sorted(SORTS)), deep=st.booleans(),
       limit=st.integers(1, 100))
def test_requests_of_one_shape_have_one_statement(compiled, f, sort, deep, limit):
    conn = OfflineConnection()
    cursor = None
    if deep:
        cursor = encode_cursor(cursor_name(sort), [SORT_VALUES[name] for name, _ in SORTS[sort]])
    list_tickets(conn, f, now=NOW, sort=sort, limit=limit, cursor=cursor)  # type: ignore[arg-type]
    _, page_values = conn.sent[0]
    assert page_values["limit"] == limit + 1
    assert ("after_0" in page_values) == deep
    assert len(conn.sent) == 2  # the page, then the counts


def test_shapes_are_told_apart(compiled):
    """The checks above can fail: conditions without a value (deleted, unassigned, the
    kind of SLA filter) change the SQL, and so the shape."""
    seen = {}
    for f in (TicketFilter(), TicketFilter(include_deleted=True), TicketFilter(unassigned=True),
              TicketFilter(sla="breached"), TicketFilter(sla="at_risk"),
              TicketFilter(q="grinder"), TicketFilter(q=f"a{SEPARATOR}b")):
        conn = OfflineConnection()
        list_tickets(conn, f, now=NOW, with_counts=False)  # type: ignore[arg-type]
        (sql, _), = conn.sent
        seen[sql] = f
    assert len(seen) == 7


def test_a_text_search_counts_with_the_cap_as_a_value(compiled):
    conn = OfflineConnection()
    list_tickets(conn, TicketFilter(q="grinder"), now=NOW)  # type: ignore[arg-type]
    _, counted = conn.sent[1]
    assert counted["beyond_cap"] == SEARCH_COUNT_CAP + 1
    assert counted["q"] == "%grinder%"


def test_a_value_left_unnamed_is_refused():
    from sqlalchemy import select

    from projections.tables import ticket_queue

    binds = statements.Binds()
    with pytest.raises(ValueError, match="named parameter"):
        statements.fetch(OfflineConnection(), "unnamed",  # type: ignore[arg-type]
                         lambda: select(ticket_queue.c.number).where(
                             ticket_queue.c.status == "open"), binds)
