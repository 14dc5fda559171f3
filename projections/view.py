"""A projection's view: its SQL tables and its tracking position, changed together.

Every batch a projection applies runs in one unit of work: it locks the projection's
position row, checks that nobody moved it meanwhile, applies the events, writes the new
position and commits. An event is therefore applied exactly once, even when a runner dies
at any instruction or two runners (or a runner and a rebuild) follow the same projection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from sqlalchemy import Connection, insert, select, update

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
        with self.store.writer.begin() as conn:
            found = self._lock_position(conn)
            if found != expected_position:
                raise PositionMoved(expected_position, found)
            self._local.conn = conn
            self._local.position = found
            try:
                yield conn
                if self._local.position != found:
                    conn.execute(update(projection_positions)
                                 .where(projection_positions.c.name == self.name)
                                 .values(position=self._local.position,
                                         updated_at=datetime.now(tz=UTC)))
            finally:
                self._local.conn = None

    @property
    def conn(self) -> Connection:
        """The connection of the current unit of work."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            raise RuntimeError(f"{self.name}: projections write only inside a unit of work")
        return conn

    def _lock_position(self, conn: Connection) -> int:
        query = select(projection_positions.c.position).where(
            projection_positions.c.name == self.name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found = conn.execute(query).scalar()
        if found is None:
            conn.execute(insert(projection_positions).values(
                name=self.name, position=0, updated_at=datetime.now(tz=UTC)))
            return 0
        return int(found)

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
