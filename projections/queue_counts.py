"""``ticket_counts``: how many ``ticket_queue`` rows there are per status, priority,
category, branch, assignee and deleted flag, kept beside the queue so that the ticket list's
counts by status read a few hundred rows at most, whatever the number of tickets.

The queue read model calls ``count_changes`` for each ``ticket_queue`` row a unit of work
changed (the row before and after) and writes the sum with ``write_count_changes`` in the
same transaction; ``recount`` rebuilds the table from ``ticket_queue``. Either way the table
holds a row for each combination that has tickets, and no other. A ticket without a
branch or assignee is counted under ``NO_VALUE`` (``''``), as key columns cannot be NULL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from projections.tables import NO_VALUE, ticket_counts, ticket_queue

CountKey = tuple[str, str, str, str, str, bool]
"""(status, priority, category, branch or '', assignee_id or '', deleted)."""

KEY_COLUMNS = ("status", "priority", "category", "branch", "assignee_id", "deleted")


def count_key(row: Mapping[str, Any]) -> CountKey:
    """The ``ticket_counts`` row a ``ticket_queue`` row is counted in."""
    return (row["status"], row["priority"], row["category"], row["branch"] or NO_VALUE,
            row["assignee_id"] or NO_VALUE, bool(row["deleted"]))


def count_changes(before: Mapping[str, Any] | None,
                  after: Mapping[str, Any] | None) -> Counter[CountKey]:
    """The change of ``ticket_counts`` when one ``ticket_queue`` row goes from ``before``
    to ``after`` (None: no row); empty when the row stays in the same count."""
    changes: Counter[CountKey] = Counter()
    if before is not None:
        changes[count_key(before)] -= 1
    if after is not None:
        changes[count_key(after)] += 1
    return Counter({key: delta for key, delta in changes.items() if delta})


def total_changes(rows: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
                  ) -> Counter[CountKey]:
    """The sum of ``count_changes`` over ``(before, after)`` pairs (zeros left in)."""
    total: Counter[CountKey] = Counter()
    for before, after in rows:
        total.update(count_changes(before, after))
    return total


def write_count_changes(conn: Connection, changes: Mapping[CountKey, int]) -> None:
    """Add ``changes`` to ``ticket_counts``: one ``INSERT … ON CONFLICT DO UPDATE`` sent
    for all keys at once (one statement, compiled once per process), then, when a count
    went down, a ``DELETE`` of the counts that reached 0 (so the table is what ``recount``
    makes, however the changes were batched); nothing when every change is zero."""
    rows = [{**dict(zip(KEY_COLUMNS, key, strict=True)), "tickets": delta}
            for key, delta in changes.items() if delta]
    if not rows:
        return
    conn.execute(_upsert(conn.dialect.name), rows)
    if any(row["tickets"] < 0 for row in rows):
        conn.execute(_DELETE_EMPTY)


_DELETE_EMPTY = delete(ticket_counts).where(ticket_counts.c.tickets <= 0)


@cache
def _upsert(dialect_name: str) -> Insert:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(ticket_counts)
    return statement.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={"tickets": ticket_counts.c.tickets + statement.excluded.tickets})


def recount(conn: Connection) -> None:
    """Rebuild ``ticket_counts`` from ``ticket_queue`` (``INSERT … SELECT … GROUP BY``)."""
    q = ticket_queue.c
    keys = (q.status, q.priority, q.category, func.coalesce(q.branch, NO_VALUE),
            func.coalesce(q.assignee_id, NO_VALUE), q.deleted)
    conn.execute(delete(ticket_counts))
    conn.execute(insert(ticket_counts).from_select(
        [*KEY_COLUMNS, "tickets"], select(*keys, func.count()).group_by(*keys)))
