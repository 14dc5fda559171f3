"""The base of every projection: an eventsourcing ``Projection`` over an ``SqlView``."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import Connection, Table, delete

from projections.view import SqlView

log = logging.getLogger(__name__)


class ReadModel(Projection[SqlView]):
    """One read model: the tables it owns and how each event changes them.

    Subclasses define ``name``, ``tables`` and an ``apply`` singledispatchmethod whose
    default does nothing (events a read model does not care about only move its position).
    """

    name: str = ""
    tables: ClassVar[tuple[Table, ...]] = ()

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Apply one event and track it, inside the view's current unit of work."""
        self.apply(domain_event, tracking.notification_id)
        self.view.insert_tracking(tracking)

    def apply(self, event: Any, position: int) -> None:  # pragma: no cover - overridden
        """Change the tables for ``event`` (recorded at log ``position``)."""
        raise NotImplementedError

    @property
    def conn(self) -> Connection:
        """The connection of the unit of work in progress."""
        return self.view.conn

    def clear(self, conn: Connection) -> None:
        """Delete every row of this read model (before a rebuild)."""
        for table in reversed(self.tables):
            conn.execute(delete(table))
