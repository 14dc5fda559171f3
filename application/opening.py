"""Opening tickets, committed in groups: concurrent openings share one transaction (one
sequence allocation for all their numbers), which is what makes many clients fast."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    Recording,
)

from application.base import SAVE_ATTEMPTS, HelpdeskBase, pause_before_retry
from application.event_reads import replay
from application.group_commit import GroupCommit, Pending
from application.recorder import StaleRead
from application.tokens import hash_token
from domain.access_link import AccessLink
from domain.agent import Agent
from domain.customer import Customer
from domain.errors import Conflict, DomainError, InvalidInput
from domain.sla import SlaTerms
from domain.ticket import Ticket
from domain.ticket_number import TicketNumberSequence
from domain.values import Actor, ActorKind, Channel, CustomerRef, Priority, Status


@dataclass(frozen=True)
class OpenedTicket:
    """A new ticket, the customer's access token (shown once), and the log position."""

    ticket: Ticket
    access_token: str
    position: int


@dataclass
class OpenRequest:
    """A checked request to open a ticket (everything but the number)."""

    email: str
    name: str
    fields: dict[str, Any]
    channel: Channel
    category: str
    priority: Priority
    sla: SlaTerms
    actor: Actor | None
    agent: Agent | None
    token: str
    follow_up_of: str | None = None
    customer: Customer | None = field(default=None, repr=False)
    customer_read: bool = False
    """Whether ``customer`` is what the event store held when the request was made (None:
    not registered then), so the commit need not read it again."""
    read_set: list[tuple[UUID, int]] = field(default_factory=list, repr=False)
    """What the request was decided on (ids and versions): the save is refused if any of
    it changed meanwhile (empty where the event store cannot check it)."""

    def reread_customer(self, customer: Customer | None) -> None:
        """Take the customer as just read (also in the read set)."""
        oid = Customer.create_id(self.email)
        self.customer, self.customer_read = customer, True
        if self.read_set:  # checked by the event store: check the customer as now read
            self.read_set = [(i, v) for i, v in self.read_set if i != oid]
            self.read_set.append((oid, customer.version if customer is not None else 0))


class OpeningCommands(HelpdeskBase):
    """The batched commit behind ``open_ticket``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sequences: dict[int, TicketNumberSequence] = {}
        self._behind: set[int] = set()
        """Years whose sequence lost a race: to be brought up to date before next use."""
        self._opening: GroupCommit[OpenedTicket] = GroupCommit(
            self._commit_openings, outage_errors=(InterfaceError, OperationalError))

    def _submit_opening(self, request: OpenRequest) -> OpenedTicket:
        if request.follow_up_of is not None:  # links to another ticket: commits alone
            pending: Pending[OpenedTicket] = Pending(request)
            self._commit_openings([pending])
            if pending.error is not None:
                raise pending.error
            assert pending.result is not None
            return pending.result
        return self._opening.submit(request)

    def _commit_openings(self, batch: list[Pending[OpenedTicket]]) -> None:
        lost_race = False
        for attempt in range(SAVE_ATTEMPTS):
            if attempt and not lost_race:
                pause_before_retry(attempt)
            live = [p for p in batch if p.error is None]
            if not live:
                return
            now = self.clock()
            made = _Attempt()
            try:
                # After a lost race, this process holds the event store's lock from reading
                # to saving, so no other process can take the numbers (or register the
                # customers) again in between: the retry does not lose a second time.
                with self._holding_the_lock() if lost_race else nullcontext():
                    self._attempt_openings(live, now, made, reread=attempt > 0)
            except IntegrityError:
                # Another process took these numbers, registered one of these customers or
                # changed an original ticket: reload and try again.
                self._rewind_sequence(now.year, made.stored)
                lost_race = True
                continue
            except StaleRead as stale:
                # What some requests were decided on has changed: those go back to their
                # callers to be decided anew; the others are committed without them.
                self._rewind_sequence(now.year, made.stored)
                concerned = [p for p in live if stale.concerns(p.request.read_set)] or live
                for pending in concerned:
                    pending.fail(stale)
                continue
            except BaseException:
                self._sequences.pop(now.year, None)
                raise
            # committed (the lock, if held, is released): tell the callers
            if self.read_cache is not None:
                self.read_cache.remember({c.id: c for c in made.new_customers})
            positions = _positions(made.recordings)
            self._announce(max(positions.values(), default=0))
            for pending, ticket in zip(live, made.tickets, strict=True):
                pending.succeed(OpenedTicket(ticket, pending.request.token,
                                             positions[ticket.id]))
            return
        raise Conflict("too many tickets opened at once; try again")

    def _attempt_openings(self, live: list[Pending[OpenedTicket]], now: Any,
                          made: _Attempt, *, reread: bool) -> None:
        """Read what the openings need, take their numbers and save them all (what was
        saved goes into ``made``, also when the save fails)."""
        made.new_customers = self._customers_for(live, reread=reread)
        originals = self._originals_for(live)
        sequence = self._sequence(now.year, now)
        made.stored = None if sequence.pending_events else Snapshot.take(sequence)
        numbers = sequence.allocate(len(live), at=now)
        made.tickets = [self._build(p.request, number, now, originals.get(p))
                           for p, number in zip(live, numbers, strict=True)]
        links = [AccessLink.issue(hash_token(p.request.token), t.number, at=now)
                 for p, t in zip(live, made.tickets, strict=True)]
        read_set = list(dict.fromkeys(pair for p in live for pair in p.request.read_set))
        made.recordings = self.save(
            sequence, *made.new_customers, *originals.values(), *made.tickets, *links,
            **({"read_set": read_set} if read_set else {}))

    def _holding_the_lock(self) -> AbstractContextManager[object]:
        """The event store's lock held across a block, where the store has one (see
        ``HelpdeskRecorder.holding_the_lock``); elsewhere nothing."""
        hold = getattr(self.recorder, "holding_the_lock", None)
        return hold() if hold is not None else nullcontext()

    def _customers_for(self, live: list[Pending[OpenedTicket]], *,
                       reread: bool = False) -> list[Customer]:
        """Attach each request's customer, registering new ones once per batch. Customers
        were read before the requests were queued; they are read again (all in one
        statement) only for requests made without, or when a save failed (``reread``)."""
        requests: list[OpenRequest] = [p.request for p in live]
        unread = [r for r in requests if reread or not r.customer_read]
        if unread:
            read = self.find_many(*((Customer, Customer.create_id(r.email)) for r in unread))
            for request in unread:
                request.reread_customer(read.get(Customer, Customer.create_id(request.email)))
        known = {r.email: r.customer for r in requests if r.customer is not None}
        new: list[Customer] = []
        for request in requests:
            customer = known.get(request.email)
            if customer is None:
                customer = Customer.register(request.email, request.name, at=self.clock())
                new.append(customer)
                known[request.email] = customer
            request.customer = customer
        return new

    def _originals_for(self, live: list[Pending[OpenedTicket]]) -> dict[Any, Ticket]:
        originals: dict[Any, Ticket] = {}
        for pending in live:
            number = pending.request.follow_up_of
            if number is None:
                continue
            try:
                original = self.get_ticket(number)
                if original.status is not Status.CLOSED:
                    raise InvalidInput.field("follow_up_of",
                                             f"ticket {original.number} is not closed")
            except DomainError as refused:
                pending.fail(refused)
                continue
            originals[pending] = original
        return {p: t for p, t in originals.items() if p.error is None}

    def _build(self, request: OpenRequest, number: str, now: Any,
               original: Ticket | None) -> Ticket:
        customer = request.customer
        assert customer is not None
        opener = request.actor or Actor.customer(str(customer.id))
        ticket = Ticket.open(
            number=number, customer=CustomerRef(str(customer.id), customer.name,
                                                customer.email),
            channel=request.channel, category=request.category, priority=request.priority,
            actor=opener, sla=request.sla, access_token_hash=hash_token(request.token), at=now,
            follow_up_of=original.number if original else None,
            **{**request.fields, "branch": request.fields["branch"] or customer.branch})
        if request.agent is not None:
            assigner = opener if opener.kind is not ActorKind.CUSTOMER else (
                Actor.system("assignment"))
            ticket.assign(request.agent.agent_id, actor=assigner, at=now,
                          reason="assigned when the ticket was opened")
        if original is not None:
            original.link_follow_up(number, actor=opener, at=now)
        return ticket

    def _rewind_sequence(self, year: int, stored: Snapshot | None) -> None:
        """After a failed save: go back to the sequence as it was before this attempt
        (``stored``, a snapshot kept in memory), to be brought up to date when it is next
        used (``_sequence``). Without ``stored`` (the year's sequence was new here) it is
        read again whole."""
        if stored is None:
            self._sequences.pop(year, None)
            return
        self._sequences[year] = cast("TicketNumberSequence", stored.mutate(None))
        self._behind.add(year)

    def _sequence(self, year: int, now: Any) -> TicketNumberSequence:
        """The year's sequence as this process last saved or read it; after a lost race,
        brought up to date here, right before numbers are taken (after the pause before a
        retry, not before it, or other processes take more numbers meanwhile): only the
        allocations made since are read, not the year's whole history, which grows by one
        event per commit and would make every race between API processes slower than the
        last."""
        sequence = self._sequences.get(year)
        if sequence is not None and year in self._behind:
            since = self.events.get(sequence.id, gt=sequence.version)
            sequence = cast("TicketNumberSequence", replay(since, sequence))
            self._sequences[year] = sequence
        self._behind.discard(year)
        if sequence is None:
            found = self.find(TicketNumberSequence, TicketNumberSequence.create_id(year))
            sequence = found or TicketNumberSequence.start(year, at=now)
            self._sequences[year] = sequence
        return sequence

    def _announce(self, position: int) -> None:
        if position:
            for listener in self.saved_listeners:
                listener(position)


@dataclass
class _Attempt:
    """What one attempt at committing a batch of openings made."""

    stored: Snapshot | None = None
    """The number sequence as it was before the attempt (None: new in this attempt)."""
    new_customers: list[Customer] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    recordings: list[Recording[Any]] = field(default_factory=list)


def _positions(recordings: list[Recording[Any]]) -> dict[Any, int]:
    """The log position of each aggregate's last event in a save."""
    positions: dict[Any, int] = {}
    for recording in recordings:
        oid = recording.domain_event.originator_id
        positions[oid] = max(positions.get(oid, 0), recording.notification.id)
    return positions
