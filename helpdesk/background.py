"""Wiring of the reacting side: broker, actors, worker threads, dispatcher and scheduler,
for ``helpdesk worker``, ``helpdesk dispatch`` and the embedded ``helpdesk serve``."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import dramatiq
from dramatiq.brokers.stub import StubBroker
from prometheus_client import start_http_server

from application.service import Helpdesk
from helpdesk.settings import Settings
from projections.runner import ProjectionRunner
from projections.store import ReadStore
from workers.actors import Actors, declare_actors
from workers.broker import QUEUE, build_broker
from workers.context import WorkerContext
from workers.dispatcher import Scheduler, build_dispatcher
from workers.mail import mailer_from_settings
from workers.metrics import ActorOutcomes


def worker_context(settings: Settings, app: Helpdesk, store: ReadStore) -> WorkerContext:
    """What the actors work with: SMTP when configured, else the outbox folder."""
    mailer = mailer_from_settings(settings.smtp_url, settings.mail_from, Path(settings.outbox))
    return WorkerContext(app=app, store=store, mailer=mailer, public_url=settings.public_url)


@dataclass
class Background:
    """The reacting side of one process; start what this process runs."""

    broker: dramatiq.Broker
    actors: Actors
    workers: dramatiq.Worker | None = None
    dispatcher: ProjectionRunner | None = None
    scheduler: Scheduler | None = None
    started: list[str] = field(default_factory=list)

    def start_workers(self, threads: int) -> Background:
        """Consume messages with ``threads`` worker threads."""
        self.workers = dramatiq.Worker(self.broker, worker_threads=threads)
        self.workers.start()
        self.started.append("workers")
        return self

    def start_dispatcher(self, app: Helpdesk, store: ReadStore,
                         monitor_interval: float) -> Background:
        """Follow the log and send messages; send periodic jobs."""
        self.dispatcher = build_dispatcher(app, store, self.actors).start()
        app.saved_listeners.append(self.dispatcher.wakeup.notify)
        self.scheduler = Scheduler(self.actors, monitor_interval).start()
        self.started.append("dispatcher")
        return self

    def stop(self) -> None:
        """Stop in order: no new messages, then finish the ones in hand."""
        if self.scheduler:
            self.scheduler.stop()
        if self.dispatcher:
            self.dispatcher.stop()
        if self.workers:
            if isinstance(self.broker, StubBroker):  # in-process queues die with us: drain
                with contextlib.suppress(Exception):
                    self.broker.join(QUEUE, timeout=30_000)
            self.workers.stop()
        self.broker.close()


def build_background(settings: Settings, app: Helpdesk, store: ReadStore) -> Background:
    """Broker and actors for this process (nothing started yet)."""
    broker = build_broker(settings.redis_url, heartbeat_ms=settings.worker_heartbeat_ms)
    broker.add_middleware(ActorOutcomes())
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
    actors = declare_actors(broker, worker_context(settings, app, store))
    return Background(broker, actors)
