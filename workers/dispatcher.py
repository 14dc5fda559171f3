"""The dispatcher follows the notification log from its own tracked position and sends one
Dramatiq message per (event, reaction). Its position commits after the messages are sent,
so a broker outage loses nothing: the dispatcher waits and resumes from its position
(at-least-once; the actors are idempotent)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from projections.read_model import ReadModel
from projections.runner import ProjectionRunner, Transient
from projections.store import ReadStore
from projections.view import SqlView
from workers import reactions
from workers.actors import Actors

log = logging.getLogger(__name__)
DISPATCHER = "dispatcher"


class DispatchModel(ReadModel):
    """A 'read model' whose only output is messages: it owns no tables, just a position."""

    name = DISPATCHER
    tables = ()

    def __init__(self, view: SqlView, actors: Actors) -> None:
        super().__init__(view)
        self.actors = actors

    def apply(self, event: Any, position: int) -> None:
        """Send the event's reactions."""
        for reaction in reactions.reactions_for(event):
            send(self.actors, reaction, str(event.originator_id), event.originator_version)


def send(actors: Actors, reaction: str, *args: Any) -> None:
    """Enqueue one message; a broker failure becomes ``Transient`` (retry later)."""
    try:
        actors[reaction].send(*args)
    except Exception as error:
        raise Transient(f"cannot enqueue {reaction}: {error}") from error


def start_dispatching_at(store: ReadStore, position: int, *, force: bool = False) -> None:
    """Let the dispatcher begin after ``position``: when it has no position yet (a new
    installation reacts to what happens from now on), or always with ``force`` (demo
    history written on a simulated clock needs no reactions)."""
    view = SqlView(store, DISPATCHER)
    with store.writer.begin() as conn:
        if force or not view.has_position(conn):
            view.move_to(conn, position)


def build_dispatcher(app: Any, store: ReadStore, actors: Actors) -> ProjectionRunner:
    """A runner that dispatches every event of ``app`` once its read store position says so."""
    model = DispatchModel(SqlView(store, DISPATCHER), actors)
    return ProjectionRunner(app, [model], batch_size=200)


class Scheduler:
    """Sends the periodic jobs (SLA monitor, auto-close) every ``interval`` seconds."""

    def __init__(self, actors: Actors, interval: float = 60.0) -> None:
        self.actors = actors
        self.interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> Scheduler:
        """Begin ticking in the background (the first tick right away)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop ticking."""
        self._stopping.set()
        self._thread.join(5)

    def tick(self) -> None:
        """Send one round of periodic jobs; a broker outage skips the round."""
        for job in (reactions.SLA_MONITOR, reactions.AUTO_CLOSE):
            try:
                send(self.actors, job)
            except Transient as error:
                log.warning("skipping this round of %s: %s", job, error)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.tick()
            self._stopping.wait(self.interval)
