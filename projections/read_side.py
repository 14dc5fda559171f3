"""The read side as one object: its store, read models and runner; status, waiting for a
position (read-your-writes), and rebuilding read models from scratch."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select

from projections.listener import PostgresListener
from projections.read_model import ReadModel
from projections.registry import build_read_models
from projections.runner import REBUILD_BATCH, ProjectionRunner, Wakeup
from projections.store import ReadStore
from projections.tables import projection_positions


@dataclass(frozen=True)
class ProjectionStatus:
    """Where one read model stands in the log."""

    name: str
    position: int
    lag: int


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild did."""

    names: list[str]
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        """Throughput of the replay."""
        return self.events / self.seconds if self.seconds > 0 else float(self.events)


def projected_position(store: ReadStore, names: list[str]) -> int:
    """The position every named read model has reached (0 when one has not started)."""
    with store.reader.connect() as conn:
        rows = dict(conn.execute(select(projection_positions.c.name,
                                        projection_positions.c.position)).all())
    return min((int(rows.get(name, 0)) for name in names), default=0)


class ReadSide:
    """Read models of one help desk, and the runner that keeps them current."""

    def __init__(self, app: Any, store: ReadStore, names: list[str] | None = None) -> None:
        self.app = app
        self.store = store
        self.models: list[ReadModel] = build_read_models(store, names)
        self.names = [m.name for m in self.models]
        self.wakeup = Wakeup()
        self.runner = ProjectionRunner(app, self.models, wakeup=self.wakeup)
        self._listener: PostgresListener | None = None

    def start(self) -> ReadSide:
        """Follow the log in the background: LISTEN/NOTIFY on PostgreSQL, polling plus an
        in-process wake-up on each save otherwise."""
        channel = getattr(self.app.recorder, "channel_name", None)
        if self.store.dialect == "postgresql" and channel:
            pool_kwargs = self.app.recorder.datastore.pool.kwargs
            conninfo = {key: pool_kwargs[key]
                        for key in ("dbname", "host", "port", "user", "password")}
            conninfo["connect_timeout"] = 5
            self._listener = PostgresListener(conninfo, channel, self.wakeup).start()
        self.app.saved_listeners.append(self.wakeup.notify)
        self.runner.start()
        return self

    def stop(self) -> None:
        """Stop following (after the batch in progress)."""
        if self.wakeup.notify in self.app.saved_listeners:
            self.app.saved_listeners.remove(self.wakeup.notify)
        if self._listener is not None:
            self._listener.stop()
        self.runner.stop()

    def wait(self, position: int, timeout: float = 2.0) -> bool:
        """Block until every read model includes ``position``; False when time ran out.
        Works whether the runner is in this process or another one."""
        deadline = time.monotonic() + timeout
        pause = 0.002
        while projected_position(self.store, self.names) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return True

    def status(self) -> list[ProjectionStatus]:
        """Position and lag (events not yet applied) of each read model."""
        head = self.app.recorder.max_notification_id() or 0
        with self.store.reader.connect() as conn:
            rows = dict(conn.execute(select(projection_positions.c.name,
                                            projection_positions.c.position)).all())
        return [ProjectionStatus(name, int(rows.get(name, 0)), head - int(rows.get(name, 0)))
                for name in self.names]

    def rebuild(self, names: list[str] | None = None,
                progress: Callable[[int], object] | None = None) -> RebuildReport:
        """Drop and re-create the named read models' tables (all when None), then replay
        the whole log into them."""
        models = build_read_models(self.store, names)
        with self.store.writer.begin() as conn:
            for model in models:
                for table in reversed(model.tables):
                    table.drop(conn, checkfirst=True)
                for table in model.tables:
                    table.create(conn)
                model.view.reset(conn)
        runner = ProjectionRunner(self.app, models, batch_size=REBUILD_BATCH)
        started = time.perf_counter()
        with _fewer_collections():
            events = runner.catch_up(on_batch=progress)
        analyze(self.store, [t for m in models for t in m.tables])
        return RebuildReport([m.name for m in models], events, time.perf_counter() - started)


def analyze(store: ReadStore, tables: Sequence[Table]) -> None:
    """Bring PostgreSQL's planner statistics of ``tables`` up to date (``ANALYZE``): a
    table just filled has none, and until autovacuum comes by (up to a minute or more)
    the planner guesses, and can choose plans many times slower for the ticket list."""
    if store.writer.dialect.name != "postgresql":
        return
    with store.writer.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:
            conn.exec_driver_sql(f'ANALYZE "{store.schema}"."{table.name}"')


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often for a while: a rebuild's units of work keep tens of
    thousands of rows in memory, and with the default thresholds the collector scans
    them (and everything else) over and over. Objects that exist before are frozen
    (never scanned meanwhile); the thresholds are restored afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 50_000), max(thresholds[1], 20),
                     max(thresholds[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
