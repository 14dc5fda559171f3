"""The agents' queue as it stood at a past instant.

Nothing is kept for this: the queue read model's own code replays the notification log up
to the instant into a throw-away read store, and the ticket list's own query answers from
it. The past queue is therefore computed exactly as the live one was, and the two can
never disagree about how an event changes a row.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from projections.queries.tickets import TicketFilter, TicketPage, list_tickets
from projections.queue import QueueReadModel
from projections.runner import REBUILD_BATCH, ProjectionRunner
from projections.store import ReadStore, open_read_store
from projections.tables import projection_positions
from projections.view import SqlView

_TEMPORARY_PREFIX = "helpdesk-read-"
"""How ``open_read_store("memory://")`` names its temporary directories."""


def queue_as_of(app: Any, at: datetime, f: TicketFilter, *, sort: str = "priority",
                limit: int = 50, cursor: str | None = None,
                with_counts: bool = True) -> TicketPage:
    """One page of the queue as it stood at ``at``: the events stamped at or before ``at``
    (events stamped later are left out, wherever they sit in the log) replayed by
    ``QueueReadModel``, then
    ``list_tickets`` with ``now=at`` (so SLA filters and states are those of then).

    ``at`` must be timezone-aware (naive values are taken as UTC)."""
    moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    store = open_read_store("memory://")
    try:
        with store.writer.begin() as conn:
            for table in (projection_positions, *QueueReadModel.tables):
                table.create(conn)
        model = QueueReadModel(view=SqlView(store, QueueReadModel.name))
        ProjectionRunner(app, [model], batch_size=REBUILD_BATCH).catch_up(before=moment)
        with store.reader.connect() as conn:
            return list_tickets(conn, f, now=moment, sort=sort, limit=limit, cursor=cursor,
                                with_counts=with_counts)
    finally:
        _discard(store)


def _discard(store: ReadStore) -> None:
    """Close the throw-away store and delete its temporary directory (file, WAL, SHM)."""
    store.dispose()
    database = store.writer.url.database
    if database:
        directory = Path(database).parent
        if directory.name.startswith(_TEMPORARY_PREFIX):
            shutil.rmtree(directory, ignore_errors=True)
