"""The event store's PostgreSQL recorder, with a cheaper insert.

The transaction is the one eventsourcing's ``PostgresApplicationRecorder`` runs —
``SET LOCAL lock_timeout``, ``LOCK TABLE … IN EXCLUSIVE MODE`` (so that notification ids
are committed in the order they were issued), ``NOTIFY``, ``INSERT … RETURNING
notification_id``, ``COMMIT`` — and the method returns only after the ``COMMIT`` answered.
What differs is how it is sent: the first four statements as one simple query, the events
as four binary arrays (ids, versions, topics, states) instead of an array of composites
dumped as text, and no pipeline. That is three round trips and three waits on the socket
instead of two round trips and fourteen waits; each wait hands the GIL to other threads,
which is what slowed the group commit's leader most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry


def quote(identifier: str) -> str:
    """A PostgreSQL identifier, quoted."""
    return '"' + identifier.replace('"', '""') + '"'


class HelpdeskRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` whose insert encodes events as column arrays."""

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        table = f"{quote(datastore.schema)}.{quote(events_table_name)}"
        id_type = "uuid" if datastore.originator_id_type == "uuid" else "text"
        self._begin_sql = (
            f"BEGIN; SET LOCAL lock_timeout = '{int(datastore.lock_timeout)}s'; "
            f"LOCK TABLE {table} IN EXCLUSIVE MODE; NOTIFY {quote(self.channel_name)}"
        ).encode()
        self._insert_sql = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            f"SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id").encode()

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        tracked = any(value is not None for value in kwargs.values())
        if not stored_events or tracked or self.datastore.enable_db_functions:
            return _library_insert(self, stored_events, **kwargs)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                curs.execute(self._begin_sql)  # one simple query: BEGIN, SET, LOCK, NOTIFY
                curs.execute(self._insert_sql, _columns(stored_events, self.datastore),
                             prepare=True)
                ids = [row["notification_id"] for row in curs.fetchall()]
                curs.execute(b"COMMIT")
            except BaseException:
                with suppress(Exception):
                    conn.rollback()
                raise
        if len(ids) != len(stored_events):
            msg = f"got {len(ids)} notification ids for {len(stored_events)} events"
            raise ProgrammingError(msg)
        return ids


_library_insert: Callable[..., Sequence[int] | None] = (
    PostgresApplicationRecorder.insert_events.__wrapped__)
"""eventsourcing's insert without its retry decorator (``insert_events`` retries already)."""


def _columns(events: Sequence[StoredEvent], datastore: PostgresDatastore) -> tuple[Any, ...]:
    ids: list[Any] = []
    versions: list[int] = []
    topics: list[str] = []
    states: list[bytes] = []
    for event in events:
        ids.append(event.originator_id)
        versions.append(event.originator_version)
        topics.append(event.topic)
        states.append(event.state)
    if datastore.originator_id_type != "uuid":
        ids = [str(i) for i in ids]
    return ids, versions, topics, states
