"""The event store's PostgreSQL recorder, with a cheaper insert.

The transaction is the one eventsourcing's ``PostgresApplicationRecorder`` runs —
``SET LOCAL lock_timeout``, ``LOCK TABLE … IN EXCLUSIVE MODE`` (so that notification ids
are committed in the order they were issued), ``NOTIFY``, ``INSERT … RETURNING
notification_id``, ``COMMIT`` — and the method returns only after the commit answered.
What differs is how it is sent. ``helpdesk migrate`` (the recorder's ``create_table``)
defines a function, ``helpdesk_insert_<table>``, that locks, notifies and inserts events
given as four arrays (ids, versions, topics, states); one ``SELECT`` of it on the pool's
autocommit connection is a whole transaction, committed before PostgreSQL says the
statement is done: one round trip per save instead of the pipeline's two round trips and
fourteen waits on the socket (each wait hands the GIL to other threads, which is what
slowed the group commit's leader most). An event store migrated before the function
existed gets the same transaction as three round trips (a simple query ``BEGIN; SET; LOCK;
NOTIFY``, the ``INSERT``, the ``COMMIT``) until ``helpdesk migrate`` runs again.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)

UNDEFINED_FUNCTION = "42883"
"""PostgreSQL's SQLSTATE for a function that does not exist."""


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
        lock_timeout = f"SET LOCAL lock_timeout = '{int(datastore.lock_timeout)}s'"
        lock = f"LOCK TABLE {table} IN EXCLUSIVE MODE"
        notify = f"NOTIFY {quote(self.channel_name)}"
        function = (f"{quote(datastore.schema)}."
                    f"{quote('helpdesk_insert_' + events_table_name)}")
        self._create_function_sql = (
            f"CREATE OR REPLACE FUNCTION {function}(ids {id_type}[], versions bigint[], "
            "topics text[], states bytea[]) RETURNS SETOF bigint LANGUAGE plpgsql AS "
            f"$body$ BEGIN {lock_timeout}; {lock}; {notify}; RETURN QUERY INSERT INTO "
            f"{table} (originator_id, originator_version, topic, state) SELECT * FROM "
            "unnest(ids, versions, topics, states) RETURNING notification_id; END $body$").encode()
        self._function_sql = (f"SELECT * FROM {function}(%b, %b, %b, %b) "
                              "AS inserted(notification_id)").encode()
        self._with_function = True
        self._begin_sql = f"BEGIN; {lock_timeout}; {lock}; {notify}".encode()
        self._insert_sql = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            f"SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id").encode()

    def create_table(self) -> None:
        """The library's tables and indexes, then the insert function."""
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._create_function_sql)
        self._with_function = True

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        tracked = any(value is not None for value in kwargs.values())
        if not stored_events or tracked or self.datastore.enable_db_functions:
            return _library_insert(self, stored_events, **kwargs)
        columns = _columns(stored_events, self.datastore)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if self._with_function:
                try:  # one statement: its own transaction, committed before it answers
                    curs.execute(self._function_sql, columns, prepare=True)
                    ids = [row["notification_id"] for row in curs.fetchall()]
                except Exception as error:
                    if getattr(error, "sqlstate", None) != UNDEFINED_FUNCTION:
                        raise
                    log.warning("the event store has no insert function yet: run "
                                "`helpdesk migrate`; saving in three round trips meanwhile")
                    self._with_function = False
            if not self._with_function:
                try:
                    curs.execute(self._begin_sql)  # one simple query: BEGIN, SET, LOCK, NOTIFY
                    curs.execute(self._insert_sql, columns, prepare=True)
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
