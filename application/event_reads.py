"""Reading the events of several aggregates in one statement (one round trip on
PostgreSQL): a command that needs a category, its SLA policy and a customer asks once.

The recorders of eventsourcing read one aggregate per statement; this module adds the
same read for many ids, on the recorder's own connection pool and with the same retry on
a lost connection. Recorders it does not know (the in-memory one) are read id by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import CanMutateProtocol, DomainEventProtocol
from eventsourcing.persistence import (
    AggregateRecorder,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import retry

from application.recorder import quote

Events = dict[UUID, list[StoredEvent]]
A = TypeVar("A")


def select_events_of(recorder: AggregateRecorder, ids: Iterable[UUID]) -> Events:
    """Every stored event of each aggregate in ``ids``, in version order (an id with no
    events maps to an empty list)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    if isinstance(recorder, PostgresAggregateRecorder):
        rows = _select_postgres(recorder, wanted)
    elif isinstance(recorder, SQLiteAggregateRecorder):
        rows = _select_sqlite(recorder, wanted)
    else:
        rows = [e for oid in wanted for e in recorder.select_events(oid)]
    found: Events = {oid: [] for oid in wanted}
    for stored in rows:
        oid = stored.originator_id
        found[oid if isinstance(oid, UUID) else UUID(str(oid))].append(stored)
    return found


def replay(events: Iterable[DomainEventProtocol[UUID]],
           aggregate: object | None = None) -> object | None:
    """The aggregate these events (in order) make of ``aggregate`` (None: from nothing),
    or None if there are none: what eventsourcing's ``project_aggregate`` does, without
    its per-event protocol check."""
    for event in events:
        aggregate = cast("CanMutateProtocol[Any]", event).mutate(aggregate)
    return aggregate


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _select_postgres(recorder: PostgresAggregateRecorder,
                     ids: Sequence[UUID]) -> list[StoredEvent]:
    datastore = recorder.datastore
    statement = (
        "SELECT originator_id, originator_version, topic, state FROM "
        f"{quote(datastore.schema)}.{quote(recorder.events_table_name)} "
        "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version")
    params: list[Any] = [list(ids) if datastore.originator_id_type == "uuid"
                         else [str(i) for i in ids]]
    with datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, params, prepare=True)
        return [StoredEvent(originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"], state=bytes(row["state"]))
                for row in curs.fetchall()]


def _select_sqlite(recorder: SQLiteAggregateRecorder,
                   ids: Sequence[UUID]) -> list[StoredEvent]:
    marks = ",".join("?" * len(ids))
    statement = (
        "SELECT originator_id, originator_version, topic, state FROM "
        f"{recorder.events_table_name} WHERE originator_id IN ({marks}) "
        "ORDER BY originator_id, originator_version")
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(statement, [i.hex for i in ids])
        return [StoredEvent(originator_id=recorder.convert_originator_id(row["originator_id"]),
                            originator_version=row["originator_version"],
                            topic=row["topic"], state=row["state"])
                for row in curs.fetchall()]


class Found:
    """Aggregates read together, by id; ``get`` answers only for the class asked for."""

    def __init__(self, aggregates: dict[UUID, object]) -> None:
        self._aggregates = aggregates

    def __contains__(self, aggregate_id: object) -> bool:
        """Whether ``aggregate_id`` was read (found or not)."""
        return aggregate_id in self._aggregates

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate of ``cls`` with this id, or None (not read, not found, other
        class)."""
        aggregate = self._aggregates.get(aggregate_id)
        return aggregate if isinstance(aggregate, cls) else None

    def merged(self, other: Found) -> Found:
        """These aggregates and ``other``'s."""
        return Found({**self._aggregates, **other._aggregates})

    def read_set(self) -> list[tuple[UUID, int]]:
        """Each id read with the version read (0: it did not exist), for a save that must
        not go ahead if any of them changed meanwhile."""
        return [(oid, getattr(aggregate, "version", 0) if aggregate is not None else 0)
                for oid, aggregate in self._aggregates.items()]
