"""The base of every projection: an eventsourcing ``Projection`` over an ``SqlView``.

A runner applies events in units of work (``projections.view``), a batch at a time::

    start_unit(events) → process_event(e) for each event → finish_unit() → (commit)
    end_unit()  (always, committed or not)

``BufferedReadModel`` keeps the rows a unit of work touches in memory (one
``projections.row_buffer.RowBuffer`` per table): ``start_unit`` reads what the batch will
need, the events change the rows in memory, and ``finish_unit`` writes the changes with a
few ``executemany`` statements, before the position, in the same transaction.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import singledispatchmethod
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import Connection, Table, delete

from projections.row_buffer import RowBuffer
from projections.view import SqlView

log = logging.getLogger(__name__)


class ReadModel(Projection[SqlView]):
    """One read model: the tables it owns and how each event changes them.

    Subclasses define ``name``, ``tables`` and an ``apply`` singledispatchmethod whose
    default does nothing (events a read model does not care about only move its position).
    """

    name: str = ""
    tables: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, view: SqlView) -> None:
        super().__init__(view)
        self._handlers: dict[type, Callable[[Any, int], None]] = {}

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Apply one event and track it, inside the view's current unit of work."""
        kind = type(domain_event)
        handler = self._handlers.get(kind) or self._handler(kind)
        handler(domain_event, tracking.notification_id)
        self.view.insert_tracking(tracking)

    def _handler(self, kind: type) -> Callable[[Any, int], None]:
        """What ``apply`` runs for events of ``kind``, looked up once per type (rather
        than through ``singledispatchmethod`` on every event)."""
        apply = inspect.getattr_static(type(self), "apply", None)
        if isinstance(apply, singledispatchmethod) and "apply" not in vars(self):
            handler: Callable[[Any, int], None] = apply.dispatcher.dispatch(kind).__get__(self)
        else:
            handler = self.apply
        self._handlers[kind] = handler
        return handler

    def apply(self, event: Any, position: int) -> None:  # pragma: no cover - overridden
        """Change the tables for ``event`` (recorded at log ``position``)."""
        raise NotImplementedError

    def start_unit(self, events: Sequence[Any]) -> None:
        """A unit of work begins (inside its transaction); ``events`` are the decoded
        events it is about to apply."""

    def finish_unit(self) -> None:
        """Every event of the unit of work was applied: write what is still pending
        (before the position, in the same transaction)."""

    def end_unit(self) -> None:
        """The unit of work is over, committed or rolled back: forget what it kept."""

    @property
    def conn(self) -> Connection:
        """The connection of the unit of work in progress."""
        return self.view.conn

    def clear(self, conn: Connection) -> None:
        """Delete every row of this read model (before a rebuild)."""
        for table in reversed(self.tables):
            conn.execute(delete(table))


class BufferedReadModel(ReadModel):
    """A read model whose events change rows in memory, written once per unit of work.

    Handlers use ``self.rows(table)``; ``prefetch`` (overridden) reads the rows a batch
    needs in a few statements. ``buffered`` names the tables kept in memory (all of
    ``tables`` unless a subclass says otherwise)."""

    buffered: ClassVar[tuple[Table, ...] | None] = None

    def __init__(self, view: SqlView) -> None:
        super().__init__(view)
        self._buffers: dict[str, RowBuffer] = {}

    def rows(self, table: Table) -> RowBuffer:
        """The rows of ``table`` in the unit of work in progress."""
        try:
            return self._buffers[table.name]
        except KeyError:
            raise RuntimeError(f"{self.name}: rows change only inside a unit of work "
                               f"(no buffer for {table.name})") from None

    def start_unit(self, events: Sequence[Any]) -> None:
        conn = self.conn
        tables = self.tables if self.buffered is None else self.buffered
        self._buffers = {t.name: RowBuffer(conn, t) for t in tables}
        self.prefetch(events)

    def prefetch(self, events: Sequence[Any]) -> None:
        """Read the rows ``events`` will need (rows not read here are read when asked)."""

    def finish_unit(self) -> None:
        for buffer in self._buffers.values():
            buffer.flush()

    def end_unit(self) -> None:
        self._buffers = {}


class Events(list[Any]):
    """The decoded events of one unit of work, in log order; every read model given the
    same batch shares it, so the grouping by type behind ``ids_of`` is done once."""

    def __init__(self, events: Iterable[Any] = ()) -> None:
        super().__init__(events)
        self._by_type: dict[type, list[Any]] | None = None
        self._ids: dict[Any, str] = {}

    def of(self, kinds: type | tuple[type, ...]) -> Iterator[Any]:
        """The events of ``kinds`` (grouped by type, not in log order)."""
        if self._by_type is None:
            self._by_type = {}
            for event in self:
                self._by_type.setdefault(type(event), []).append(event)
        for kind, events in self._by_type.items():
            if issubclass(kind, kinds):
                yield from events

    def text(self, uuid: Any) -> str:
        """``str(uuid)``, once per aggregate."""
        found = self._ids.get(uuid)
        if found is None:
            found = self._ids[uuid] = str(uuid)
        return found


def ids_of(events: Sequence[Any], kinds: type | tuple[type, ...],
           created: type | tuple[type, ...] = ()) -> list[str]:
    """The aggregate ids (as text) of ``events`` of ``kinds``, leaving out aggregates a
    ``created`` event of the same batch creates (their rows are new: nothing to read)."""
    batch = events if isinstance(events, Events) else Events(events)
    new = {e.originator_id for e in batch.of(created)} if created else set()
    return [batch.text(e.originator_id) for e in batch.of(kinds)
            if e.originator_id not in new]
