"""Runners follow the notification log and apply events to the read models.

One runner reads the log once, in batches, from the lowest position of its read models,
and hands each read model the events it has not applied yet; all of them apply a batch in
one unit of work (see ``projections.view``), or each in its own when the joint one fails.
Read models apply a batch in memory and write it at the end of the unit of work, a few
statements per table (``projections.read_model``, ``projections.row_buffer``); rebuilds
use batches of ``REBUILD_BATCH`` events. It follows
PostgreSQL by LISTEN/NOTIFY and SQLite by polling (plus an in-process wake-up when the
writer lives in the same process).

Faults: an event that cannot be decoded (say, a type from a newer release) or that a read
model cannot handle is skipped with a log line (a batch that fails for any other reason
than the database is applied again one event at a time, to find it); a database error,
also one raised when the batch's rows are written, stops the runner loudly, and it
resumes from its last committed position when started again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy.exc import DBAPIError

from projections.read_model import Events, ReadModel
from projections.view import APPLICATION_NAME, PositionMoved, joint_unit_of_work

log = logging.getLogger(__name__)

REBUILD_BATCH = 5_000
"""Events per unit of work when replaying history (rebuilds, the queue as of an instant):
nobody waits for the first rows, and bigger batches mean fewer statements. A live runner
keeps ``batch_size`` small, so that what was just written shows at once."""


class Transient(Exception):
    """Something outside the database is down (the broker, say): stop this batch, keep the
    position, and try again later. Nothing is skipped."""


Decoded = tuple[Any | None, int]
"""An event (None when it could not be decoded) and its notification id."""


class Wakeup:
    """Lets a runner sleep until there may be new events (or a timeout passes)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def notify(self, *_: object) -> None:
        """New events may have been recorded."""
        self._event.set()

    def wait(self, timeout: float) -> None:
        """Sleep up to ``timeout`` seconds unless notified."""
        self._event.wait(timeout)
        self._event.clear()


def _as_of(batch: list[Decoded], before: datetime) -> list[Decoded]:
    """``batch`` with every event stamped later than ``before`` blanked out (its position
    still counts): log order and time order may differ, e.g. history written on another
    clock, or writers committing in a different order than they stamped."""
    return [(None, nid) if getattr(event, "timestamp", before) > before else (event, nid)
            for event, nid in batch]


class ProjectionRunner:
    """Keeps a set of read models up to date with one application's notification log."""

    def __init__(self, app: Any, models: Sequence[ReadModel], *, batch_size: int = 500,
                 poll_interval: float = 0.2, wakeup: Wakeup | None = None) -> None:
        self.app = app
        self.models = list(models)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.wakeup = wakeup or Wakeup()
        self.positions = {m.name: m.view.max_tracking_id() or 0 for m in self.models}
        self.error: BaseException | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress = threading.Condition()
        self._prepared: tuple[list[Decoded], Events, list[Tracking]] | None = None

    # -- reading the log --------------------------------------------------------------

    def _read(self, after: int) -> list[Decoded]:
        notifications = self.app.recorder.select_notifications(
            start=after + 1, limit=self.batch_size)
        decoded: list[Decoded] = []
        for notification in notifications:
            try:
                decoded.append((self.app.mapper.to_domain_event(notification),
                                notification.id))
            except Exception as error:
                log.warning("skipping notification %s (%s): cannot decode: %s",
                            notification.id, notification.topic, error)
                decoded.append((None, notification.id))
        return decoded

    # -- applying ---------------------------------------------------------------------

    def catch_up(self, until: int | None = None,
                 on_batch: Callable[[int], object] | None = None,
                 before: datetime | None = None) -> int:
        """Apply every recorded event (up to ``until``); return how many were read.

        With ``before``, apply only events stamped at or before it: the read models then
        show the help desk as it stood at that instant."""
        total = 0
        while not self._stopping.is_set():
            start = min(self.positions.values(), default=0)
            if until is not None and start >= until:
                break
            batch = self._read(start)
            if not batch:
                break
            if before is not None:
                batch = _as_of(batch, before)
            self._apply_everywhere(batch)
            total += len(batch)
            if on_batch and batch:
                on_batch(len(batch))
            self._prepared = None
            with self._progress:
                self._progress.notify_all()
        return total

    def _todo(self, model: ReadModel, batch: list[Decoded]) -> list[Decoded]:
        """The events of ``batch`` past ``model``'s position."""
        position = self.positions[model.name]
        return batch if batch and batch[0][1] > position else [
            (event, nid) for event, nid in batch if nid > position]

    def _apply_everywhere(self, batch: list[Decoded]) -> None:
        """Every read model applies ``batch``: all in one transaction when they can (fewer
        statements and commits per batch); when that fails for any reason but the database
        or a transient fault — a position moved by another writer, an event a model cannot
        handle — it is rolled back and each model applies the batch on its own."""
        work = [(model, todo) for model in self.models if (todo := self._todo(model, batch))]
        if len(work) > 1:
            try:
                self._apply_jointly(work)
                return
            except (DBAPIError, Transient):
                raise
            except Exception as error:  # found again below, model by model
                log.info("applying a batch to each read model on its own: %s", error)
        for model in self.models:
            self._apply_batch(model, batch)

    def _apply_jointly(self, work: list[tuple[ReadModel, list[Decoded]]]) -> None:
        store = work[0][0].view.store
        expected = {model.view: self.positions[model.name] for model, _ in work}
        try:
            with joint_unit_of_work(store, expected):
                for model, todo in work:
                    self._apply_in_unit(model, todo)
        finally:
            for model, _ in work:
                model.end_unit()
        for model, todo in work:
            self.positions[model.name] = todo[-1][1]

    def _apply_batch(self, model: ReadModel, batch: list[Decoded]) -> None:
        position = self.positions[model.name]
        todo = self._todo(model, batch)
        if not todo:
            return
        try:
            self._apply(model, position, todo)
        except PositionMoved as moved:
            log.info("%s: position moved to %s by another writer", model.name, moved.found)
            self.positions[model.name] = moved.found
        except (DBAPIError, Transient):
            raise
        except Exception:  # find and skip the event the model cannot handle
            self._apply_one_by_one(model, position, todo)

    def _apply(self, model: ReadModel, position: int, todo: list[Decoded]) -> None:
        """One unit of work: the model reads what the batch needs, applies every event
        (in memory where it buffers rows), writes its changes, then the position."""
        with model.view.unit_of_work(position):
            try:
                self._apply_in_unit(model, todo)
            finally:
                model.end_unit()
        self.positions[model.name] = todo[-1][1]

    def _apply_in_unit(self, model: ReadModel, todo: list[Decoded]) -> None:
        """Inside the unit of work in progress: ``model`` reads what the batch needs,
        applies every event (in memory where it buffers rows) and writes its changes."""
        events, trackings = self._prepare(todo)
        model.start_unit(events)
        for (event, _), tracking in zip(todo, trackings, strict=True):
            if event is None:
                model.view.insert_tracking(tracking)
            else:
                model.process_event(event, tracking)
        model.finish_unit()

    def _prepare(self, todo: list[Decoded]) -> tuple[Events, list[Tracking]]:
        """The events and trackings of ``todo``, made once for every model given the same
        batch."""
        if self._prepared is None or self._prepared[0] is not todo:
            events = Events(event for event, _ in todo if event is not None)
            self._prepared = (todo, events, [Tracking(APPLICATION_NAME, nid)
                                             for _, nid in todo])
        return self._prepared[1], self._prepared[2]

    def _apply_one_by_one(self, model: ReadModel, position: int, todo: list[Decoded]) -> None:
        for event, nid in todo:
            try:
                self._apply(model, self.positions[model.name], [(event, nid)])
            except (DBAPIError, PositionMoved, Transient):
                raise
            except Exception:
                log.exception("%s: skipping notification %s (%s) it cannot handle",
                              model.name, nid, type(event).__qualname__)
                self._apply(model, self.positions[model.name], [(None, nid)])

    # -- running ----------------------------------------------------------------------

    def run(self) -> None:
        """Follow the log until ``stop()``; a database error ends the loop and is kept in
        ``error`` (and re-raised)."""
        pause = self.poll_interval
        try:
            while not self._stopping.is_set():
                try:
                    applied = self.catch_up()
                except Transient as error:
                    log.warning("waiting %.1fs to retry: %s", pause, error)
                    self.wakeup.wait(pause)
                    pause = min(pause * 2, 30.0)
                    continue
                pause = self.poll_interval
                if not applied:
                    self.wakeup.wait(self.poll_interval)
        except BaseException as error:
            self.error = error
            log.exception("projection runner stopped")
            with self._progress:
                self._progress.notify_all()
            raise

    def start(self) -> ProjectionRunner:
        """Run in a background thread."""
        self._thread = threading.Thread(target=self._run_quietly, name="projections",
                                        daemon=True)
        self._thread.start()
        return self

    def _run_quietly(self) -> None:
        with contextlib.suppress(BaseException):  # kept in self.error, and logged
            self.run()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the batch in progress (committed or rolled back, never half)."""
        self._stopping.set()
        self.wakeup.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self, position: int, timeout: float = 5.0) -> bool:
        """Block until every read model has applied ``position`` (True) or time is up."""
        deadline = time.monotonic() + timeout
        self.wakeup.notify()
        with self._progress:
            while min(self.positions.values(), default=0) < position:
                if self.error is not None:
                    raise RuntimeError("the projection runner stopped") from self.error
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._progress.wait(min(remaining, 0.05))
        return True
