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

A save may also name what the command read and decided on (``read_set``: aggregate ids
with the version read, 0 for "did not exist"). Under the table lock, before inserting, the
function checks that none of them has an event beyond that version; if one has, nothing is
stored and the save raises ``StaleRead``. That is what lets a command decide on aggregates
it remembers instead of reading them again: it never commits a decision taken on a state
another process has changed meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

log = logging.getLogger(__name__)

UNDEFINED_FUNCTION = "42883"
"""PostgreSQL's SQLSTATE for a function that does not exist."""

INSERT_ATTEMPTS = 10
"""Attempts at a save when the connection fails (as eventsourcing's own recorder makes)."""

RETRY_WAIT = 0.2
"""Seconds between those attempts."""

STALE_READ = "HD409"
"""The SQLSTATE the insert function raises when an aggregate of the read set has changed."""

ReadSet = Sequence[tuple[Any, int]]
"""Aggregate ids with the version a command read of each (0: it did not exist)."""


class StaleRead(Exception):
    """Aggregates a command read have changed since: nothing was stored; read again."""

    def __init__(self, changed: Sequence[object]) -> None:
        self.changed = frozenset(str(oid) for oid in changed)
        """The ids (as text) of the aggregates found changed."""
        super().__init__(f"{len(self.changed)} aggregate(s) read have changed since")

    def concerns(self, read_set: ReadSet) -> bool:
        """Whether a command that read ``read_set`` read one of the changed aggregates."""
        return any(str(oid) in self.changed for oid, _ in read_set)


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
            f"DROP FUNCTION IF EXISTS {function}({id_type}[], bigint[], text[], bytea[]); "
            f"CREATE OR REPLACE FUNCTION {function}(ids {id_type}[], versions bigint[], "
            f"topics text[], states bytea[], read_ids {id_type}[], read_versions bigint[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS "
            f"$body$ DECLARE changed text; BEGIN {lock_timeout}; {lock}; "
            # one index probe per id read (a join would be planned once, for any size)
            "FOR i IN 1 .. coalesce(array_length(read_ids, 1), 0) LOOP "
            f"IF EXISTS (SELECT FROM {table} WHERE originator_id = read_ids[i] "
            "AND originator_version > read_versions[i]) THEN "
            "changed := concat_ws(' ', changed, read_ids[i]::text); END IF; END LOOP; "
            "IF changed IS NOT NULL THEN RAISE EXCEPTION 'an aggregate read has changed' "
            f"USING ERRCODE = '{STALE_READ}', DETAIL = changed; END IF; "
            f"{notify}; RETURN QUERY INSERT INTO "
            f"{table} (originator_id, originator_version, topic, state) SELECT * FROM "
            "unnest(ids, versions, topics, states) RETURNING notification_id; END $body$").encode()
        self._function_sql = (f"SELECT * FROM {function}(%b, %b, %b, %b, %b, %b) "
                              "AS inserted(notification_id)").encode()
        self._with_function = True
        self._begin_sql = f"BEGIN; {lock_timeout}; {lock}; {notify}".encode()
        self._lock_sql = f"{lock_timeout}; {lock}".encode()
        self._notify_sql = notify.encode()
        self._held = threading.local()
        self._changed_sql = (  # the ids read that have an event beyond the version read
            f"SELECT DISTINCT r.id::text AS id FROM unnest(%b::{id_type}[], %b::bigint[]) "
            f"AS r(id, version) JOIN {table} e "
            "ON e.originator_id = r.id AND e.originator_version > r.version").encode()
        self._stored_sql = (  # these events as stored, in the order given
            f"SELECT e.notification_id, e.state FROM unnest(%b::{id_type}[], %b::bigint[]) "
            "WITH ORDINALITY AS s(id, version, n) JOIN "
            f"{table} e ON e.originator_id = s.id AND e.originator_version = s.version "
            "ORDER BY s.n").encode()
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

    @property
    def checks_reads(self) -> bool:
        """Whether saves here honour a ``read_set`` (the library's own database functions
        and tracked inserts do not)."""
        return not self.datastore.enable_db_functions

    @contextmanager
    def holding_the_lock(self) -> Iterator[None]:
        """Take the event table's lock now and hold it to the end of the block: no other
        writer, in any process, saves meanwhile (reads on other connections go on). This
        thread's saves inside the block join the lock's transaction, which commits when
        the block ends without an error and rolls back otherwise. For a command that lost
        a race: what it reads inside the block stays current until it has saved."""
        with self.datastore.get_connection() as conn, conn.transaction():
            conn.execute(self._lock_sql)
            self._held.connection = conn
            try:
                yield
            finally:
                self._held.connection = None

    def is_holding_the_lock(self) -> bool:
        """Whether this thread is inside ``holding_the_lock`` (its saves not yet
        committed)."""
        return getattr(self._held, "connection", None) is not None

    def insert_events(self, stored_events: Sequence[StoredEvent], *, read_set: ReadSet = (),
                      **kwargs: Any) -> Sequence[int] | None:
        tracked = any(value is not None for value in kwargs.values())
        if not stored_events or tracked or not self.checks_reads:
            if read_set:
                msg = "this save cannot check what was read: read again instead"
                raise ProgrammingError(msg)
            inserted: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return inserted  # the library's insert, with its retry
        columns = _columns(stored_events, self.datastore)
        read = _read_columns(read_set, self.datastore)
        held = getattr(self._held, "connection", None)
        if held is not None:  # in the lock's transaction: no retry, no commit here
            with held.cursor() as curs:
                ids = self._insert_held(held, curs, columns, read)
        else:
            ids = self._insert_committed(columns, read)
        if len(ids) != len(stored_events):
            msg = f"got {len(ids)} notification ids for {len(stored_events)} events"
            raise ProgrammingError(msg)
        return ids

    def _insert_committed(self, columns: tuple[Any, ...],
                          read: tuple[list[Any], list[int]]) -> list[int]:
        """Insert and commit, trying again after a connection failure (up to
        ``INSERT_ATTEMPTS`` times). A failure may come after PostgreSQL committed but before
        its answer arrived; saving again would then fail on the save's own events as on
        another writer's, and the command would be decided anew and stored twice (a second
        ticket for one request). So before each new attempt the events are looked for, and
        if they are this save's, stored, their notification ids are the answer."""
        attempt = 1
        while True:
            try:
                if attempt > 1:
                    stored = self._stored_already(columns)
                    if stored is not None:
                        return stored
                return self._insert_once(columns, read)
            except (InterfaceError, OperationalError):
                if attempt >= INSERT_ATTEMPTS:
                    raise
                attempt += 1
                time.sleep(RETRY_WAIT)

    def _stored_already(self, columns: tuple[Any, ...]) -> list[int] | None:
        """The notification ids of these events if the event store holds them, each with the
        same state (so stored by this save, whose commit was not acknowledged); else None."""
        ids, versions, _, states = columns
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._stored_sql, (ids, versions), prepare=False)
            rows = curs.fetchall()
        if len(rows) != len(states) or any(
                bytes(row["state"]) != state for row, state in zip(rows, states, strict=True)):
            return None
        log.warning("a save whose commit was not acknowledged had been stored: "
                    "not saved again (%d events)", len(rows))
        return [row["notification_id"] for row in rows]

    def _insert_once(self, columns: tuple[Any, ...],
                     read: tuple[list[Any], list[int]]) -> list[int]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if self._with_function:
                try:  # one statement: its own transaction, committed before it answers
                    return self._call_function(curs, columns, read)
                except _FunctionMissing:
                    pass
            return self._insert_in_three_round_trips(conn, curs, columns, read)

    def _insert_held(self, conn: Any, curs: Any, columns: tuple[Any, ...],
                     read: tuple[list[Any], list[int]]) -> list[int]:
        if self._with_function:
            try:
                with conn.transaction():  # a savepoint: a missing function spoils nothing
                    return self._call_function(curs, columns, read)
            except _FunctionMissing:
                pass
        return self._insert_statements(curs, columns, read, begin=self._notify_sql)

    def _call_function(self, curs: Any, columns: tuple[Any, ...],
                       read: tuple[list[Any], list[int]]) -> list[int]:
        try:
            curs.execute(self._function_sql, (*columns, *read), prepare=True)
            return [row["notification_id"] for row in curs.fetchall()]
        except Exception as error:
            code = getattr(error, "sqlstate", None)
            if code == STALE_READ:
                detail = error.diag.message_detail or ""  # type: ignore[attr-defined]
                raise StaleRead(detail.split()) from None
            if code != UNDEFINED_FUNCTION:
                raise
            log.warning("the event store has no current insert function: run "
                        "`helpdesk migrate`; saving in three round trips meanwhile")
            self._with_function = False
            raise _FunctionMissing from error

    def _insert_in_three_round_trips(self, conn: Any, curs: Any, columns: tuple[Any, ...],
                                     read: tuple[list[Any], list[int]]) -> list[int]:
        """The same transaction as the function's, as statements (one more when there is a
        read set to check)."""
        try:
            ids = self._insert_statements(curs, columns, read, begin=self._begin_sql)
            curs.execute(b"COMMIT")
        except BaseException:
            with suppress(Exception):
                conn.rollback()
            raise
        return ids

    def _insert_statements(self, curs: Any, columns: tuple[Any, ...],
                           read: tuple[list[Any], list[int]], *, begin: bytes) -> list[int]:
        curs.execute(begin)  # one simple query: BEGIN, SET, LOCK, NOTIFY (or NOTIFY alone)
        if read[0]:
            curs.execute(self._changed_sql, read, prepare=False)  # planned for these ids
            changed = [row["id"] for row in curs.fetchall()]
            if changed:
                raise StaleRead(changed)
        curs.execute(self._insert_sql, columns, prepare=True)
        return [row["notification_id"] for row in curs.fetchall()]


class _FunctionMissing(Exception):
    """The event store has no current insert function (an older ``helpdesk migrate``)."""


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


def _read_columns(read_set: ReadSet,
                  datastore: PostgresDatastore) -> tuple[list[Any], list[int]]:
    ids = [oid if datastore.originator_id_type == "uuid" else str(oid) for oid, _ in read_set]
    return ids, [version for _, version in read_set]
