"""A help desk with its reacting side on Dramatiq's stub broker: real application, real
read models, real actors; messages processed by real worker threads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker

from application.service import Helpdesk
from domain.values import Actor, Role
from helpdesk.settings import persistence_env
from projections.registry import build_read_models
from projections.runner import ProjectionRunner
from projections.store import ReadStore, open_read_store
from projections.tables import metadata
from workers.actors import declare_actors
from workers.broker import QUEUE, build_broker
from workers.context import WorkerContext
from workers.dispatcher import build_dispatcher
from workers.mail import Mailer, RecordingMailer

SETUP = Actor.system("setup")


@dataclass
class Desk:
    """Everything a worker test touches."""

    app: Helpdesk
    store: ReadStore
    broker: dramatiq.Broker
    actors: dict[str, Any]
    worker: dramatiq.Worker
    mailer: Any
    projections: ProjectionRunner
    dispatcher: ProjectionRunner
    ctx: WorkerContext

    def settle(self, rounds: int = 8) -> None:
        """Dispatch and work until nothing is left to do (projections run all along)."""
        for _ in range(rounds):
            head = self.app.recorder.max_notification_id()
            self.wait_for_projections()
            self.dispatcher.catch_up()
            if isinstance(self.broker, StubBroker):
                self.broker.join(QUEUE, fail_fast=True)
            else:
                self.broker.join(QUEUE, timeout=30_000)
            self.worker.join()
            if self.app.recorder.max_notification_id() == head:
                self.wait_for_projections()
                return

    def wait_for_projections(self) -> None:
        assert self.projections.wait(self.app.recorder.max_notification_id() or 0, 10)

    def close(self) -> None:
        self.projections.stop()
        self.worker.stop()
        self.broker.close()
        self.store.dispose()
        self.app.close()


def make_desk(clock: Any, database_url: str = "memory://", *, redis_url: str | None = None,
              mailer: Mailer | None = None) -> Desk:
    app = Helpdesk(persistence_env(database_url), clock=clock)
    app.ensure_defaults()
    store = open_read_store(database_url)
    metadata.create_all(store.writer)
    broker = build_broker(redis_url, heartbeat_ms=2_000)
    chosen = mailer or RecordingMailer()
    ctx = WorkerContext(app=app, store=store, mailer=chosen, public_url="http://desk.test")
    actors = declare_actors(broker, ctx)
    if redis_url:
        broker.flush_all()  # after declaring: only declared queues are flushed
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    projections = ProjectionRunner(app, build_read_models(store), poll_interval=0.02).start()
    app.saved_listeners.append(projections.wakeup.notify)
    return Desk(app, store, broker, actors, worker, chosen, projections,
                build_dispatcher(app, store, actors), ctx)


def add_agent(desk: Desk, name: str, **profile: Any) -> str:
    profile.setdefault("role", Role.AGENT)
    return desk.app.create_agent(email=f"{name}@desk.example", name=name.title(), actor=SETUP,
                                 **profile).agent.agent_id
