"""A projection's view: its SQL tables and its tracking position, changed together.

Every batch a projection applies runs in a unit of work: it locks the projection's
position row, checks that nobody moved it meanwhile, applies the events, writes the new
position and commits. An event is therefore applied exactly once, even when a runner dies
at any instruction or two runners (or a runner and a rebuild) follow the same projection.
Several projections may share one unit of work (``joint_unit_of_work``): their rows and
positions then commit together, in one transaction instead of one each.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from sqlalchemy import Connection, bindparam, insert, select, update

from projections.store import ReadStore
from projections.tables import projection_positions

APPLICATION_NAME = "Helpdesk"


class PositionMoved(Exception):
    """Another writer changed the projection's position since it was read."""

    def __init__(self, expected: int, found: int) -> None:
        self.expected = expected
        self.found = found
        super().__init__(f"position moved from {expected} to {found}")


class SqlView(TrackingRecorder):
    """The tracking recorder of one projection, over SQLAlchemy (SQLite and PostgreSQL)."""

    def __init__(self, store: ReadStore, name: str) -> None:
        self.store = store
        self.name = name
        self._local = threading.local()

    # -- the unit of work -------------------------------------------------------------

    @contextmanager
    def unit_of_work(self, expected_position: int) -> Iterator[Connection]:
        """A transaction in which the projection's position is ``expected_position``;
        tracking recorded inside it commits with the rows."""
        with joint_unit_of_work(self.store, {self: expected_position}) as conn:
            yield conn

    @property
    def conn(self) -> Connection:
        """The connection of the current unit of work."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            raise RuntimeError(f"{self.name}: projections write only inside a unit of work")
        return conn

    def _lock_position(self, conn: Connection) -> int:
        return _lock_positions(conn, [self.name])[self.name]

    def reset(self, conn: Connection) -> None:
        """Set the position back to the start (for a rebuild), in ``conn``'s transaction."""
        self.move_to(conn, 0)

    def move_to(self, conn: Connection, position: int) -> None:
        """Set the position, in ``conn``'s transaction (rebuilds, and followers that are to
        skip history)."""
        self._lock_position(conn)
        conn.execute(update(projection_positions)
                     .where(projection_positions.c.name == self.name)
                     .values(position=position, updated_at=datetime.now(tz=UTC)))

    def has_position(self, conn: Connection) -> bool:
        """Whether this follower has ever recorded a position."""
        return conn.execute(select(projection_positions.c.position).where(
            projection_positions.c.name == self.name)).first() is not None

    # -- TrackingRecorder -------------------------------------------------------------

    def insert_tracking(self, tracking: Tracking) -> None:
        """Record that the event at ``tracking`` was applied (committed with the rows)."""
        current: int = self._local.position
        if tracking.notification_id <= current:
            raise IntegrityError(
                f"{self.name} already applied notification {tracking.notification_id}")
        self._local.position = tracking.notification_id

    def max_tracking_id(self, application_name: str = APPLICATION_NAME) -> int | None:
        """The last position committed (None before the first)."""
        with self.store.reader.connect() as conn:
            found = conn.execute(select(projection_positions.c.position).where(
                projection_positions.c.name == self.name)).scalar()
        return None if not found else int(found)


@contextmanager
def joint_unit_of_work(store: ReadStore, expected: Mapping[SqlView, int],
                       ) -> Iterator[Connection]:
    """One transaction in which each view's position is the one ``expected`` (else
    ``PositionMoved``, nothing done); what the views record inside it, rows and positions,
    commits together. Position rows are locked in name order, so two joint units cannot
    deadlock."""
    views = sorted(expected, key=lambda view: view.name)
    if any(view.store is not store for view in views):
        raise ValueError("views of one unit of work must share its store")
    with store.writer.begin() as conn:
        found = _lock_positions(conn, [view.name for view in views])
        for view in views:
            if found[view.name] != expected[view]:
                raise PositionMoved(expected[view], found[view.name])
        for view in views:
            view._local.conn = conn
            view._local.position = found[view.name]
        try:
            yield conn
            moved = [{"view": view.name, "to": view._local.position} for view in views
                     if view._local.position != found[view.name]]
            if moved:
                conn.execute(_MOVE_POSITION.values(updated_at=datetime.now(tz=UTC)), moved)
        finally:
            for view in views:
                view._local.conn = None


_MOVE_POSITION = (update(projection_positions)
                  .where(projection_positions.c.name == bindparam("view"))
                  .values(position=bindparam("to")))


def _lock_positions(conn: Connection, names: list[str]) -> dict[str, int]:
    """The positions of ``names`` (0 for those never recorded, whose rows are created),
    locked until the transaction ends (SQLite's transactions lock the whole file)."""
    query = (select(projection_positions.c.name, projection_positions.c.position)
             .where(projection_positions.c.name.in_(names))
             .order_by(projection_positions.c.name))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = {name: int(position) for name, position in conn.execute(query).all()}
    missing = [name for name in names if name not in found]
    if missing:
        now = datetime.now(tz=UTC)
        conn.execute(insert(projection_positions),
                     [{"name": name, "position": 0, "updated_at": now} for name in missing])
        found.update(dict.fromkeys(missing, 0))
    return found
