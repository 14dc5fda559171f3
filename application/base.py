"""The application's common machinery: persistence set-up, the clock, and the
get → mutate → save cycle with optimistic concurrency."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Mapper, Recording
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import get_topic

from application.chain import unseal
from application.clock import Clock, system_clock
from application.event_reads import Found, replay, select_events_of
from application.mapper import TypedMapper
from application.pool_check import ping_idle_connections
from application.read_cache import ReadCache
from application.recorder import HelpdeskRecorder
from domain.agent import Agent
from domain.errors import Conflict, NotFound, StaleVersion
from domain.ticket import Ticket
from domain.ticket_number import TicketNumberSequence, check_number

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Aggregate)

SAVE_ATTEMPTS = 40
"""How often a command is retried when a concurrent writer saved first."""


def pause_before_retry(attempt: int) -> None:
    """Back off a random while (growing with ``attempt``) so that writers which keep losing
    the race against a writer with a warm cache get their turn."""
    time.sleep(random.uniform(0, 0.001 * 2 ** min(attempt, 7)))

DEFAULT_SNAPSHOT_INTERVAL = 50

SEQUENCE_SNAPSHOT_INTERVAL = 100
"""A year's ticket-number sequence gets an event per commit of openings: a process starting
late in the year reads its latest snapshot and at most this many events, not the year."""


@dataclass(frozen=True)
class Saved(Generic[A]):
    """What a command returns: the aggregate as saved, and the notification-log position
    of its last event (0 when the command changed nothing), for read-your-writes."""

    aggregate: A
    position: int

    @property
    def version(self) -> int:
        """The aggregate's version after the command."""
        return self.aggregate.version


class HelpdeskBase(Application[UUID]):
    """Persistence, clock and the save cycle; the commands live in subclasses."""

    name = "Helpdesk"

    def __init__(self, env: Mapping[str, str] | None = None, *, clock: Clock = system_clock,
                 snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL) -> None:
        self.clock = clock
        intervals: dict[type[Aggregate], int] = {
            Ticket: snapshot_interval, TicketNumberSequence: SEQUENCE_SNAPSHOT_INTERVAL,
        } if snapshot_interval else {}
        self.snapshotting_intervals = intervals  # type: ignore[misc,assignment]  # per instance
        settings = dict(env or {})
        if snapshot_interval:
            settings.setdefault("IS_SNAPSHOTTING_ENABLED", "y")
        self.saved_listeners: list[Callable[[int], None]] = []
        super().__init__(settings)
        if isinstance(self.mapper, TypedMapper):
            self.mapper.chain.fallback = self._stored_digest
        ping_idle_connections(self.recorder)
        self.read_cache: ReadCache | None = (
            ReadCache() if getattr(self.recorder, "checks_reads", False) else None)
        """Aggregates remembered between commands, where saves can check what was read
        (see ``application.read_cache``); None elsewhere: every command reads afresh."""

    def _stored_digest(self, originator_id: UUID, version: int) -> str:
        """The chain digest of a stored ticket event (when it was not read recently)."""
        for stored in self.recorder.select_events(originator_id, gt=version - 1, lte=version):
            parts = unseal(stored.state)
            if parts is not None:
                return parts[2]
        raise LookupError(f"ticket event {originator_id} v{version} has no chain digest")

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Save; if the save fails, forget the chain digests of the events not stored."""
        pending = [(e.originator_id, e.originator_version) for obj in objs
                   if obj is not None and hasattr(obj, "pending_events")
                   for e in obj.pending_events]
        try:
            return self._save(objs, kwargs)
        except BaseException:
            if isinstance(self.mapper, TypedMapper):
                self.mapper.chain.forget(pending)
            raise

    def _save(self, objs: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Recording[UUID]]:
        """eventsourcing's ``Application.save``, except that aggregates are told from
        events by their class: the library asks two runtime-checkable protocols of each
        object, and on Python 3.11 each such check walks the protocol's attributes again
        (8 % of an opening's time)."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            elif obj is not None:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        if self.read_cache is not None:
            self.read_cache.forget({e.originator_id for e in processing_event.events})
        holding = getattr(self.recorder, "is_holding_the_lock", None)
        if holding is None or not holding():
            # Not inside a transaction still open (``holding_the_lock``): a snapshot of a
            # version that is then rolled back would be wrong; the next one is taken later.
            self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """eventsourcing's, except that an aggregate saved at exactly the version due is
        snapshotted as this save holds it, instead of being read back from the event store
        first (for the number sequence, a hundred events every hundred openings)."""
        if not self.snapshots or not self.snapshotting_intervals:
            return
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            if aggregate is None:
                continue
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is None or event.originator_version % interval:
                continue
            snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
            if snapshot_class is None or aggregate.version != event.originator_version:
                # saved beyond that version (or no snapshot class): the library's way
                self.take_snapshot(event.originator_id, version=event.originator_version)
                continue
            self.snapshots.put([snapshot_class.take(aggregate)])

    def construct_recorder(self) -> ApplicationRecorder:
        """On PostgreSQL, eventsourcing's recorder with a cheaper insert (see
        ``application.recorder``), unless the settings name another."""
        if isinstance(self.factory, PostgresFactory) and not self.factory.env.get(
                PostgresFactory.APPLICATION_RECORDER_TOPIC):
            self.factory.env[PostgresFactory.APPLICATION_RECORDER_TOPIC] = get_topic(
                HelpdeskRecorder)
        return self.factory.application_recorder()

    def construct_mapper(self) -> Mapper[UUID]:
        """Events are encoded compactly by msgspec and decoded by their annotations."""
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=TypedMapper)

    # -- reading ----------------------------------------------------------------------

    def find(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A | None:
        """The aggregate with this id (as of ``version``), or None.

        Only aggregates that may have snapshots (tickets) are looked up in the snapshot
        store; the others are read from their events alone, in one statement."""
        aggregate: object
        if self._may_have_snapshots(cls):
            try:
                aggregate = self.repository.get(aggregate_id, version=version)
            except AggregateNotFoundError:
                return None
        else:
            aggregate = replay(self.events.get(aggregate_id, lte=version))
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def find_many(self, *wanted: tuple[type[Aggregate], UUID],
                  remembered: bool = False) -> Found:
        """The current aggregates of several (class, id) pairs; those that are never
        snapshotted are read together in one statement.

        With ``remembered``, those the read cache holds are taken from it (the others are
        read and remembered): only for a command whose save checks the ``read_set`` of
        what it got, which is what makes a remembered aggregate safe to decide on."""
        together = [oid for cls, oid in wanted if not self._may_have_snapshots(cls)]
        cache = self.read_cache if remembered else None
        found: dict[UUID, object] = cache.recall(together) if cache is not None else {}
        stored = select_events_of(self.recorder, [o for o in together if o not in found])
        read = {oid: replay(map(self.mapper.to_domain_event, events))
                for oid, events in stored.items()}
        if cache is not None:
            cache.remember(read)
        found.update(read)
        for cls, oid in wanted:
            if oid not in found:
                found[oid] = self.find(cls, oid)
        return Found(found)

    def _may_have_snapshots(self, cls: type[Any]) -> bool:
        """Whether aggregates asked for as ``cls`` can have snapshots (only the classes in
        ``snapshotting_intervals`` are ever snapshotted, and snapshots only save work: the
        events alone always give the same aggregate)."""
        return self.snapshots is not None and any(
            issubclass(snapshotted, cls) or issubclass(cls, snapshotted)
            for snapshotted in self.snapshotting_intervals)

    def get_ticket(self, number: str, version: int | None = None) -> Ticket:
        """The ticket with this number (as of ``version``); ``NotFound`` otherwise."""
        clean = check_number(number)
        ticket = self.find(Ticket, Ticket.create_id(clean), version)
        if ticket is None:
            raise NotFound("ticket", clean)
        return ticket

    def get_agent(self, agent_id: str) -> Agent:
        """The agent with this id (active or not); ``NotFound`` otherwise."""
        try:
            key = UUID(str(agent_id))
        except ValueError:
            raise NotFound("agent", str(agent_id)) from None
        agent = self.find(Agent, key)
        if agent is None:
            raise NotFound("agent", str(agent_id))
        return agent

    # -- writing ----------------------------------------------------------------------

    def save_all(self, *aggregates: Aggregate | None) -> int:
        """Save atomically; return the log position of the last event (0 if none).

        Listeners in ``saved_listeners`` (in-process followers of the log, such as an
        embedded projection runner) hear the new position at once."""
        recordings: list[Recording[UUID]] = self.save(*aggregates)
        position = recordings[-1].notification.id if recordings else 0
        if position:
            for listener in self.saved_listeners:
                listener(position)
        return position

    def update(self, load: Callable[[], A], command: Callable[[A], Any],
               expected_version: int | None = None) -> Saved[A]:
        """get → command → save, retried when another writer saved first.

        With ``expected_version`` the caller insists on the version it saw: any difference
        (before or during the save) raises ``StaleVersion`` instead of retrying.
        """
        for attempt in range(SAVE_ATTEMPTS):
            aggregate = load()
            if expected_version is not None and aggregate.version != expected_version:
                raise StaleVersion(expected_version, aggregate.version)
            command(aggregate)
            if not aggregate.pending_events:
                return Saved(aggregate, 0)
            try:
                position = self.save_all(aggregate)
            except IntegrityError:
                if expected_version is not None:
                    raise StaleVersion(expected_version, load().version) from None
                log.info("concurrent write on %s; retrying", aggregate.id)
                pause_before_retry(attempt)
                continue
            return Saved(aggregate, position)
        raise Conflict("too many concurrent changes; try again")
