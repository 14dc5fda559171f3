"""Fast, realistic data through the application's own aggregates.

``TicketFactory`` builds tickets with ``Ticket.open`` (numbers from a
``TicketNumberSequence`` allocated a batch at a time), registers their customers with
``Customer.register``, moves some of them on (assign, reply, wait, resolve, close, tag) with
the aggregate's own commands, and saves each batch atomically with ``app.save``. Events are
therefore exactly those the commands would record (hash-chained, msgspec-encoded), only
without a database round trip per command.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from application.service import Helpdesk
from application.tokens import hash_token, new_token
from domain.category import Category
from domain.customer import Customer
from domain.sla import SlaTerms
from domain.ticket import Ticket
from domain.ticket_number import TicketNumberSequence
from domain.values import Actor, Channel, CustomerRef, Priority, Role, Status, Visibility

CATEGORIES = (("billing", "Billing & payments", Priority.MEDIUM),
              ("shipping", "Shipping & delivery", Priority.MEDIUM),
              ("returns", "Returns & refunds", Priority.MEDIUM),
              ("technical", "Technical problems", Priority.HIGH),
              ("account", "Account & login", Priority.LOW))
CATEGORY_WEIGHTS = (17, 30, 20, 12, 9, 12)  # the five above, then general
PRIORITY_WEIGHTS = ((Priority.LOW, 20), (Priority.MEDIUM, 50), (Priority.HIGH, 22),
                    (Priority.URGENT, 8))
WORDS = ("grinder", "espresso", "machine", "refund", "parcel", "invoice", "login", "warranty",
         "filter", "kettle", "scale", "order", "delivery", "broken", "missing", "charged",
         "twice", "address", "password", "leaking", "noise", "return", "label", "coupon")
SETUP = Actor.system("bench-setup")


def sentence(rng: random.Random, words: int) -> str:
    """Some words from the shop's vocabulary."""
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


@dataclass
class Generated:
    """What one call of ``TicketFactory.generate`` wrote."""

    tickets: int
    events: int
    seconds: float
    numbers: list[str] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class TicketFactory:
    """Writes tickets in batches through ``app.save``; keeps its customers and numbers
    between calls."""

    def __init__(self, app: Helpdesk, *, seed: int = 7, customers: int = 2_000,
                 agents: int = 8) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.customer_count = customers
        self.registered: dict[int, CustomerRef] = {}
        self.categories = self._categories()
        self.agents = self._agents(agents)
        self._terms: dict[tuple[str, Priority], SlaTerms] = {}
        self.end = datetime.now(tz=UTC)

    # -- configuration -----------------------------------------------------------------

    def _categories(self) -> list[str]:
        for slug, name, priority in CATEGORIES:
            if self.app.find(Category, Category.create_id(slug)) is None:
                self.app.create_category(slug, name=name, actor=SETUP,
                                         default_priority=priority)
        return [slug for slug, _, _ in CATEGORIES] + ["general"]

    def _agents(self, count: int) -> list[str]:
        ids = []
        for i in range(count):
            created = self.app.create_agent(
                email=f"agent{i}.{uuid.uuid4().hex[:6]}@bench.example", name=f"Agent {i}",
                role=Role.AGENT, actor=SETUP, skills=self.categories[:5])
            ids.append(created.agent.agent_id)
        return ids

    def terms(self, category: str, priority: Priority) -> SlaTerms:
        key = (category, priority)
        if key not in self._terms:
            self._terms[key] = self.app.sla_terms(category, priority)
        return self._terms[key]

    # -- tickets ------------------------------------------------------------------------

    def _customer(self, at: datetime) -> tuple[CustomerRef, Customer | None]:
        index = self.rng.randrange(self.customer_count)
        ref = self.registered.get(index)
        if ref is not None:
            return ref, None
        customer = Customer.register(f"customer{index}@shop.example", f"Customer {index}",
                                     at=at)
        ref = CustomerRef(str(customer.id), customer.name, customer.email)
        self.registered[index] = ref
        return ref, customer

    def _ticket(self, number: str, at: datetime, customer: CustomerRef,
                lean: bool = False) -> Ticket:
        return self._story(number, at, customer, lean)

    def _later(self, at: datetime, low: int, high: int) -> datetime:
        """``at`` plus some minutes, never past the end of the generated period."""
        return min(at + timedelta(minutes=self.rng.randint(low, high)), self.end)

    def _story(self, number: str, at: datetime, customer: CustomerRef,
               lean: bool = False) -> Ticket:
        rng = self.rng
        category = rng.choices(self.categories, CATEGORY_WEIGHTS)[0]
        priority = rng.choices([p for p, _ in PRIORITY_WEIGHTS],
                               [w for _, w in PRIORITY_WEIGHTS])[0]
        tags = (rng.choice(("vip", "damaged", "repeat", "b2b")),) if rng.random() < 0.1 else ()
        ticket = Ticket.open(
            number=number, subject=sentence(rng, 5), description=sentence(rng, 60),
            customer=customer, channel=rng.choice((Channel.PORTAL, Channel.EMAIL)),
            category=category, priority=priority, actor=Actor.customer(customer.id),
            access_token_hash=hash_token(new_token()), at=at, tags=tags,
            sla=self.terms(category, priority))
        fate = rng.random()
        if lean:
            return self._lean(ticket, fate, at)
        if fate < 0.40:  # still open, unassigned
            return ticket
        agent = rng.choice(self.agents)
        actor = Actor.agent(agent)
        step = self._later(at, 5, 120)
        ticket.assign(agent, actor=actor, at=step)
        if fate < 0.55:  # in progress, no answer yet
            return ticket
        step = self._later(step, 5, 240)
        ticket.add_message(str(uuid.uuid4()), sentence(rng, 30), author=actor,
                           visibility=Visibility.PUBLIC, at=step)
        if fate < 0.65:
            return ticket
        step = self._later(step, 5, 60)
        if fate < 0.75:
            ticket.change_status(Status.WAITING_CUSTOMER, actor=actor, at=step)
            return ticket
        ticket.change_status(Status.RESOLVED, actor=actor, at=step)
        if fate < 0.90:
            return ticket
        ticket.change_status(Status.CLOSED, actor=actor, at=self._later(step, 60, 4320))
        return ticket

    def _lean(self, ticket: Ticket, fate: float, at: datetime) -> Ticket:
        """The same spread of statuses with fewer events (no conversation): for tables of
        many tickets, where only the queue's rows matter."""
        if fate < 0.45:
            return ticket
        agent = self.rng.choice(self.agents)
        actor, step = Actor.agent(agent), self._later(at, 5, 120)
        if fate < 0.65:
            ticket.assign(agent, actor=actor, at=step)
        elif fate < 0.75:
            ticket.change_status(Status.WAITING_CUSTOMER, actor=actor, at=step)
        elif fate < 0.90:
            ticket.change_status(Status.RESOLVED, actor=actor, at=step)
        else:
            ticket.change_status(Status.CLOSED, actor=actor, at=step)
        return ticket

    def generate(self, tickets: int = 0, *, events: int = 0, batch: int = 500,
                 lean: bool = False,
                 start: datetime | None = None, days: float = 60,
                 progress: Callable[[int], None] | None = None) -> Generated:
        """Write ``tickets`` tickets (or as many as make ``events`` new log entries), opened
        evenly over ``days`` days before ``start`` (default: now); no event is stamped
        later than ``start``."""
        assert tickets or events
        begin = self.app.recorder.max_notification_id() or 0
        end = self.end = start or datetime.now(tz=UTC)
        estimate = tickets or max(1, events // 3)
        first = end - timedelta(days=days)
        step = timedelta(days=days) / estimate
        written, numbers, started = 0, [], time.perf_counter()
        while True:
            done = (written >= tickets) if tickets else (
                (self.app.recorder.max_notification_id() or 0) - begin >= events)
            if done:
                break
            size = min(batch, tickets - written) if tickets else batch
            year = end.year
            sequence = self.app.find(TicketNumberSequence,
                                     TicketNumberSequence.create_id(year)) or (
                TicketNumberSequence.start(year, at=first))
            at = first + step * written
            allocated = sequence.allocate(size, at=at)
            aggregates: list[object] = [sequence]
            for i, number in enumerate(allocated):
                opened = first + step * (written + i)
                customer, new = self._customer(opened)
                if new is not None:
                    aggregates.append(new)
                aggregates.append(self._ticket(number, opened, customer, lean))
            self.app.save(*aggregates)
            numbers += allocated
            written += size
            if progress:
                progress(size)
        total = (self.app.recorder.max_notification_id() or 0) - begin
        return Generated(written, total, time.perf_counter() - started, numbers)
