"""Demo data: a month in the help desk of a small online shop for coffee gear.

``seed_demo`` first plans everything - configuration, agents, customers and their orders,
and one story per ticket (assignment, replies, notes, status moves, escalations, SLA
breaches, follow-ups, spam) - each action with its simulated time. Then it replays the
sorted timeline through the application's commands while ``app.clock`` returns each
action's time, so every event is stamped in the past, in log order.
"""

from __future__ import annotations

import random
import string
import time
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from application.clock import Clock
from application.service import Helpdesk
from application.templating import ticket_context
from domain.agent import Agent
from domain.calendar import BusinessCalendar, OpeningHours, standard_week
from domain.customer import Customer, Order
from domain.errors import Conflict, InvalidInput
from domain.sla import DEFAULT_POLICY, SlaTarget, SlaTerms
from domain.sla_clock import ResolutionPause, due_times
from domain.ticket import Ticket
from domain.values import Actor, Channel, Priority, Role, SlaMetric, Status, Visibility
from helpdesk import demo_texts as tx

ADMIN_EMAIL = "admin@demo.helpdesk"
ZONE = ZoneInfo("Europe/Berlin")
BUSINESS_HOURS = "business-hours"
OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED = Status
SETUP, ROUTER, MONITOR, AUTO_CLOSE, AUTO_REPLY, SHOP_API = (Actor.system(name) for name in (
    "demo-setup", "router", "sla-monitor", "auto-close", "auto-response", "shop-api"))
BUSINESS_TARGETS = (SlaTarget(Priority.URGENT, 30, 240), SlaTarget(Priority.HIGH, 120, 1_200),
                    SlaTarget(Priority.MEDIUM, 240, 2_400), SlaTarget(Priority.LOW, 480, 4_800))
CATEGORIES = (  # slug, name, default priority, auto-response, SLA policy, share of tickets
    ("billing", "Billing & payments", Priority.MEDIUM, "ack", BUSINESS_HOURS, 17),
    ("shipping", "Shipping & delivery", Priority.MEDIUM, "ack", BUSINESS_HOURS, 30),
    ("returns", "Returns & refunds", Priority.MEDIUM, "ack", BUSINESS_HOURS, 20),
    ("technical", "Technical problems", Priority.MEDIUM, None, None, 12),
    ("account", "Account & login", Priority.LOW, None, BUSINESS_HOURS, 9),
    ("general", "General", Priority.MEDIUM, None, None, 12),  # exists already, left as is
)
HOLDS = {"shipping": 0.5, "returns": 0.4, "billing": 0.3, "technical": 0.4}
"""How often a ticket of the category waits on a carrier, supplier or bank."""
PACE = {Priority.URGENT: 15, Priority.HIGH: 45, Priority.MEDIUM: 90, Priority.LOW: 150}
"""Typical working minutes an agent takes for the next step, by priority."""
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 4, 7, 10, 10, 10, 8, 9, 9, 9, 8, 7, 6, 6, 7, 5, 3, 2)


class _Agent(NamedTuple):
    email: str
    name: str
    role: Role
    skills: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    capacity: int = 20
    escalation: bool = False

    @property
    def actor(self) -> Actor:
        return Actor.agent(str(Agent.create_id(self.email)))


ADMIN = _Agent(ADMIN_EMAIL, "Dana Admin", Role.ADMIN, capacity=0)
AGENTS = tuple(_Agent(f"{name.lower().replace(' ', '.')}@demo.helpdesk", name, role, *rest)
               for name, role, *rest in tx.ROSTER)


@dataclass(frozen=True)
class DemoReport:
    """What ``seed_demo`` created; the agents' tokens are shown nowhere else."""

    admin_token: str
    tokens: Mapping[str, str]
    ticket_count: int
    customer_count: int
    ticket_numbers: tuple[str, ...] = ()
    statuses: Mapping[str, int] = field(default_factory=dict)
    events: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """A few lines for a terminal: counts, then every account with its token."""
        states = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items()))
        lines = [f"demo data: {self.ticket_count} tickets ({states}), {self.customer_count} "
                 f"customers, {len(self.tokens)} accounts; {self.events} events in "
                 f"{self.seconds:.1f}s", "tokens (shown only here):"]
        lines += [f"  {email:<32} {token}" for email, token in self.tokens.items()]
        return "\n".join(lines)


def already_seeded(app: Helpdesk) -> bool:
    """Whether the demo admin exists, i.e. ``seed_demo`` ran on this event store."""
    return app.find(Agent, Agent.create_id(ADMIN_EMAIL)) is not None


@dataclass
class _Customer:
    email: str
    name: str
    phone: str | None = None
    branch: str | None = None
    vip: bool = False
    weight: float = 1.0
    orders: list[tuple[datetime, Order]] = field(default_factory=list)  # (linked at, order)


@dataclass
class _Step:
    at: datetime
    kind: str
    data: dict[str, Any]
    state: tuple[Status, Priority, str]  # after the step


@dataclass
class _Plan:
    customer: _Customer
    category: str
    priority: Priority
    opened: datetime
    channel: Channel = Channel.EMAIL
    subject: str = ""
    description: str = ""
    solution: str = ""
    words: dict[str, str] = field(default_factory=dict)
    order_ref: str | None = None
    product_ref: str | None = None
    tags: tuple[str, ...] = ()
    move_to: str = ""
    flags: tuple[str, ...] = ()
    original: _Plan | None = None
    steps: list[_Step] = field(default_factory=list)
    number: str = ""
    ticket: Ticket | None = None

    def say(self, rng: random.Random, options: Sequence[str], agent: _Agent | None = None) -> str:
        """One of ``options`` (preferring those whose blanks can all be filled), filled."""
        words = {**self.words, "agent": agent.name.split()[0] if agent else ""}
        fitting = [o for o in options if all(words.get(name) for _, name, _, _ in
                                             string.Formatter().parse(o) if name)]
        return rng.choice(fitting or list(options)).format(**words)


def seed_demo(app: Helpdesk, *, tickets: int = 300, days: int = 30, seed: int = 7,
              now: datetime | None = None,
              progress: Callable[[int], object] | None = None) -> DemoReport:
    """Fill an empty help desk with ``tickets`` tickets over the last ``days`` days."""
    if already_seeded(app):
        raise Conflict("the demo data is already there")
    if tickets < 1 or days < 1:
        raise InvalidInput.field("tickets", "tickets and days must be at least 1")
    started, rng = time.perf_counter(), random.Random(seed)
    now = (now or datetime.now(tz=UTC)).astimezone(UTC)
    setup_at = now - timedelta(days=days, hours=20)
    ready = setup_at + timedelta(hours=2)  # the setup below takes about an hour
    business = standard_week("08:00", "18:00", range(5), "Europe/Berlin", _holidays(now, days))
    planner = _Planner(app, rng, now, days, business)
    customers = planner.customers(60, ready)
    plans = planner.tickets(tickets, customers)
    runner = _Runner(app, progress)
    actions = [(setup_at + timedelta(seconds=45 * i), task)
               for i, task in enumerate(runner.setup_tasks(business, customers, ready))]
    actions += [(linked, _bind(app.link_order, c.email, order))
                for c in customers for linked, order in c.orders if linked > ready]
    actions += [(step.at, _bind(runner.perform, plan, step))
                for plan in plans for step in plan.steps]
    actions.sort(key=lambda action: action[0])  # stable: a ticket's steps keep their order
    before = app.recorder.max_notification_id() or 0
    current = [setup_at]
    with _simulated_clock(app, lambda: current[0]):
        for at, task in actions:
            current[0] = at
            task()
    statuses = Counter("deleted" if p.ticket.deleted else str(p.ticket.status)
                       for p in plans if p.ticket is not None)
    spam = {p.customer.email for p in plans if "spam" in p.flags}
    return DemoReport(
        admin_token=runner.tokens[ADMIN_EMAIL], tokens=dict(runner.tokens),
        ticket_count=len(plans), customer_count=len(customers) + len(spam),
        ticket_numbers=tuple(sorted(p.number for p in plans)), statuses=dict(statuses),
        events=(app.recorder.max_notification_id() or 0) - before,
        seconds=time.perf_counter() - started)


def _bind(function: Callable[..., Any], *args: Any) -> Callable[[], None]:
    return lambda: function(*args) and None


@contextmanager
def _simulated_clock(app: Helpdesk, clock: Clock) -> Iterator[None]:
    """Let ``clock`` stamp every event, restoring the real clock afterwards (seed before
    in-process workers start, so they never see the simulated time)."""
    original = app.clock
    app.clock = clock
    try:
        yield
    finally:
        app.clock = original


def _holidays(now: datetime, days: int) -> tuple[str, ...]:
    """German nationwide fixed holidays, plus weekdays in the period until it has two."""
    end = now.astimezone(ZONE).date()
    start = end - timedelta(days=days)
    chosen = {date(year, month, day) for year in (start.year, end.year)
              for month, day in ((1, 1), (5, 1), (10, 3), (12, 25), (12, 26))}
    for fraction in (0.3, 0.65):
        if sum(start <= d < end for d in chosen) < 2:
            day = start + timedelta(days=max(1, int(days * fraction)))
            while day.weekday() >= 5 or day in chosen:
                day += timedelta(days=1)
            chosen.add(day)
    return tuple(d.isoformat() for d in sorted(chosen))


class _Planner:
    """Decides everything up front, with one random generator, so a seed replays exactly."""

    def __init__(self, app: Helpdesk, rng: random.Random, now: datetime, days: int,
                 business: BusinessCalendar) -> None:
        self.rng, self.now, self.days = rng, now, days
        self.cutoff = now - timedelta(minutes=1)
        week = [OpeningHours(d, "07:30", "19:00") for d in range(5)]
        self.shift = BusinessCalendar("Europe/Berlin", (*week, OpeningHours(5, "09:00", "14:00")),
                                      business.holidays)  # when agents work
        default = app.get_sla_policy(DEFAULT_POLICY)
        self.policies = {DEFAULT_POLICY: (default.targets, default.calendar,
                                          default.auto_close_days),
                         BUSINESS_HOURS: (BUSINESS_TARGETS, business, 5)}
        self.policy_of = {c[0]: c[4] or DEFAULT_POLICY for c in CATEGORIES}
        self.acks = {c[0]: c[3] for c in CATEGORIES}

    def terms(self, category: str, priority: Priority) -> SlaTerms:
        slug = self.policy_of[category]
        targets, calendar, _ = self.policies[slug]
        target = next(t for t in targets if t.priority is priority)
        return SlaTerms(slug, target.first_response_minutes, target.resolution_minutes,
                        calendar)

    def pick(self, category: str, plan: _Plan, escalation: bool = False) -> _Agent:
        """An agent with the skill who works the customer's branch, by capacity."""
        branch = plan.customer.branch
        able = [a for a in AGENTS if category in a.skills and (a.escalation or not escalation)
                and (not a.branches or branch is None or branch in a.branches)]
        return self.rng.choices(able, [a.capacity for a in able])[0]

    def customers(self, count: int, ready: datetime) -> list[_Customer]:
        rng, people, found = self.rng, set[tuple[str, str]](), list[_Customer]()
        while len(found) < count:
            first, last = rng.choice(tx.FIRST_NAMES), rng.choice(tx.LAST_NAMES)
            if (first, last) in people:
                continue
            people.add((first, last))
            plain = [n.translate(tx.ASCII).lower() for n in (first, last)]
            local = rng.choice((".".join(plain), plain[0][0] + plain[1],
                                f"{plain[0]}{rng.randint(70, 99)}"))
            branch = rng.choices(("north", "south", None), (45, 40, 15))[0]
            phone = None if rng.random() < 0.2 else (
                f"+49 {rng.choice(tx.AREA_CODES[branch])} {rng.randint(100_000, 9_999_999)}")
            vip = rng.random() < 0.1
            found.append(_Customer(f"{local}@{rng.choice(('example.com', 'example.org'))}",
                                   f"{first} {last}", phone, branch, vip,
                                   (3 if vip else 1) * rng.uniform(0.4, 1.6)))
        placed = sorted((self.now - timedelta(days=rng.uniform(1, 90)), i)
                        for i in range(count) for _ in range(rng.randint(1, 5)))
        serial = 10_180
        for at, i in placed:  # numbered in the order they were placed
            serial += rng.randint(1, 9)
            items = rng.sample(tx.PRODUCTS, rng.choice((1, 1, 2, 2, 3)))
            total = sum((Decimal(price) for _, _, price in items), Decimal(0))
            total += Decimal("4.90") if total < 50 else Decimal(0)
            order = Order(f"ORD-{serial}", at.astimezone(ZONE).date(),
                          total.quantize(Decimal("0.01")), "EUR", tuple(s for s, _, _ in items))
            found[i].orders.append((max(at, ready), order))
        return found

    def tickets(self, count: int, customers: list[_Customer]) -> list[_Plan]:
        rng, follow_ups = self.rng, count // 30
        opened = sorted(self.opening_time() for _ in range(count - follow_ups))
        past = self.now - timedelta(days=min(10, self.days / 2))  # long enough for a story
        early = range(bisect(opened, past) or len(opened))
        spam = rng.sample(early, min(len(early), count // 30 and 2))
        plans = [self.plan(customers, at, spam=i in spam) for i, at in enumerate(opened)]
        normal = [p for p in plans if not p.flags]
        old = [p for p in normal if p.opened < past] or normal
        for flag, pool, share in (("reopen", old, 0.06), ("escalate", old, 0.05),
                                  ("slow", normal, 0.06)):
            for plan in rng.sample(pool, min(len(pool), max(1, round(count * share)))):
                plan.flags += (flag,)
        for plan in normal:  # the recent backlog nobody has picked up yet
            if plan.opened > self.now - timedelta(days=3) and rng.random() < 0.35:
                plan.flags = plan.flags or ("queue",)
        for plan in plans:
            self.tell(plan)
        recent = sorted((p for p in normal if not p.flags), key=lambda p: p.opened)[-25:]
        shown = Counter(p.steps[-1].state[0] for p in plans)
        for status, flag in ((OPEN, "queue"), (WAITING, "await"), (IN_PROGRESS, "hold")):
            while recent and not shown[status]:
                plan = recent.pop()  # re-planned so that each active status shows
                if shown[plan.steps[-1].state[0]] > 1:
                    shown[plan.steps[-1].state[0]] -= 1
                    plan.flags, plan.steps = (flag,), []
                    self.tell(plan)
                    shown[plan.steps[-1].state[0]] += 1
        closed = [p for p in plans if p.steps[-1].state[0] is CLOSED and "spam" not in p.flags
                  and p.channel is not Channel.AGENT and p.steps[-1].at < self.now - timedelta(2)]
        for original in rng.sample(closed, min(len(closed), follow_ups)):
            plans.append(self.follow_up(original))
        while len(plans) < count:  # too few closed tickets to follow up on
            plans.append(self.plan(customers, self.opening_time()))
            self.tell(plans[-1])
        return plans

    def opening_time(self) -> datetime:
        """Mostly daytime, fewer on weekends, more lately than a month ago (the shop grows)."""
        while True:
            at = self.now - timedelta(days=self.days * self.rng.betavariate(1, 2.5))
            local = at.astimezone(ZONE)
            chance = HOUR_WEIGHTS[local.hour] / 10 * (0.6 if local.weekday() >= 5 else 1)
            if self.rng.random() < chance and at < self.now - timedelta(minutes=15):
                return at

    def plan(self, customers: list[_Customer], at: datetime, spam: bool = False) -> _Plan:
        rng = self.rng
        if spam:
            (name, email), (subject, text) = rng.choice(tx.SPAMMERS), rng.choice(tx.SPAM)
            return _Plan(_Customer(email, name), "general", Priority.LOW, at, Channel.EMAIL,
                         subject, text, flags=("spam",))
        customer = rng.choices(customers, [c.weight for c in customers])[0]
        slug = rng.choices([c[0] for c in CATEGORIES], [c[5] for c in CATEGORIES])[0]
        orders = [o for linked, o in customer.orders if linked < at - timedelta(hours=1)]
        topic = rng.choice([t for t in tx.TOPICS[slug] if orders or not t.needs_order])
        order = rng.choice(orders[-3:]) if topic.needs_order else None
        sku = rng.choice(order.products) if order else rng.choice(tx.PRODUCTS)[0]
        words = {"first": customer.name.split()[0], "shop": tx.SHOP, "sku": sku,
                 "order": "", "total": "", "date": "",
                 "product": next(name for s, name, _ in tx.PRODUCTS if s == sku),
                 "carrier": rng.choice(tx.CARRIERS)}
        if order:
            words.update(order=order.number, total=str(order.total),
                         date=order.placed_on.strftime("%d %B"))
        priority = Priority(topic.priority or next(c[2] for c in CATEGORIES if c[0] == slug))
        if priority is Priority.URGENT and rng.random() < 0.5:
            priority = Priority.HIGH
        elif priority is not Priority.URGENT and rng.random() < (0.5 if customer.vip else 0.05):
            priority = min(priority.raised(), Priority.HIGH, key=lambda p: p.rank)
        elif priority is Priority.MEDIUM and rng.random() < 0.15:
            priority = Priority.LOW
        channel = rng.choices(list(Channel), (38, 11, 44, 7))[0]
        tags = (*topic.tags, *(["vip"] if customer.vip else []),
                *(["phone"] if channel is Channel.AGENT else []))
        plan = _Plan(customer, slug, priority, at, channel, words=words, tags=tags,
                     order_ref=order.number if order and rng.random() < 0.85 else None,
                     product_ref=sku if order and rng.random() < 0.6 else None,
                     move_to=topic.move_to)
        plan.subject, plan.description, plan.solution = (
            plan.say(rng, [text]) for text in topic[:3])
        return plan

    def follow_up(self, original: _Plan) -> _Plan:
        _, priority, category = original.steps[-1].state
        at = original.steps[-1].at + timedelta(hours=self.rng.uniform(20, 96))
        at = min(at, self.now - timedelta(hours=self.rng.uniform(2, 30)))
        subject, text = self.rng.choice(tx.FOLLOW_UPS)
        plan = _Plan(original.customer, category, priority, at, original.channel,
                     subject.format(subject=original.subject)[:200],
                     original.say(self.rng, [text]), original.say(self.rng, [
                         self.rng.choice(tx.REOPENS[category])[1]]), original.words,
                     original=original)
        self.tell(plan)
        return plan

    def tell(self, plan: _Plan) -> None:
        """Plan the ticket's story, cut it at ``now`` and add the SLA breaches it meets."""
        s, rng, flags, say = _Story(self, plan), self.rng, plan.flags, plan.say
        phone = plan.channel is Channel.AGENT and plan.original is None
        category, pace = plan.category, PACE[plan.priority]
        s.add("open", agent=self.pick(category, plan) if phone else None)
        if "spam" in flags:
            s.add("delete", work=60, who=self.pick(category, plan), reason="spam")
            return self.finish(plan)
        if self.acks[category]:
            s.add("ack", after=timedelta(seconds=rng.randint(20, 90)))
        if "queue" in flags:
            return self.finish(plan)
        if plan.move_to:
            category = plan.move_to
            s.add("category", work=pace / 3, to=category, who=ROUTER, reason="sorted by content")
        if phone:
            s.add("reply", after=timedelta(minutes=rng.randint(2, 9)), who=s.agent,
                  text=say(rng, tx.PHONE_SUMMARIES))
        else:
            agent = self.pick(category, plan)
            s.add("assign", work=pace / 3, agent=agent, reason="routed by skill and branch",
                  who=rng.choices((ROUTER, agent, ADMIN), (6, 3, 1))[0])
            s.add("pause", work=pace * (12 if "slow" in flags else 0.5))
            if "await" in flags or rng.random() < 0.45:
                self.ask(s, plan, category)
                if s.status is CLOSED:
                    return self.finish(plan)
            else:
                s.add("reply", who=s.agent, text=say(rng, tx.FIRST_REPLIES[category]))
        if rng.random() < 0.4:
            s.add("note", work=pace, who=s.agent,
                  text=say(rng, tx.NOTES[category] + tx.NOTES["any"], s.agent))
        if "hold" in flags or rng.random() < HOLDS.get(category, 0):
            # waiting on a carrier, a supplier, the bank: shorter when it is urgent
            s.add("note", work=pace, who=s.agent, text=say(rng, tx.HOLDS[category]))
            s.add("pause", after=timedelta(hours=rng.uniform(24, 96) / (
                1 + 3 * (s.priority.rank > 1))))
        if "escalate" in flags:
            s.add("escalate", work=pace / 2, who=s.agent, reason=rng.choice(tx.ESCALATIONS))
            boss, before = self.pick(category, plan, escalation=True), s.agent
            if boss != before:
                s.add("assign", agent=boss, who=before, reason="escalated")
                s.add("note", work=pace / 2, who=boss, text=say(rng, tx.ESCALATION_NOTES, before))
        elif rng.random() < 0.05:
            lower = s.priority is not Priority.LOW
            s.add("priority", who=s.agent, to=Priority.LOW if lower else Priority.MEDIUM,
                  reason="customer says it can wait" if lower else "affects a second order")
        template = ("shipping-delay" if "late-delivery" in plan.tags else
                    "refund-approved" if "refund" in plan.tags else None)
        if template and rng.random() < 0.5:
            s.add("reply", work=pace * 6, who=s.agent, template=template)
        else:
            s.add("reply", work=pace * 6, who=s.agent, text=plan.solution)
        if rng.random() < 0.3:
            s.add("customer", reply=4, text=say(rng, tx.THANKS))
        s.add("status", work=pace / 3, to=RESOLVED, who=s.agent, reason="solution sent")
        if "reopen" in flags:
            complaint, fix = rng.choice(tx.REOPENS[category])
            s.add("customer", reply=20, text=complaint)
            s.add("tag", work=pace, who=s.agent, tags=("repeat-contact",))
            s.add("status", to=IN_PROGRESS, who=s.agent, reason="the problem persists")
            s.add("reply", work=pace * 2, who=s.agent, text=say(rng, [fix]))
            s.add("status", to=RESOLVED, who=s.agent, reason="fixed again")
        if rng.random() < 0.3:
            s.add("status", work=pace, to=CLOSED, who=s.agent, reason="customer confirmed")
        else:
            days = self.policies[self.policy_of[category]][2]
            s.add("status", after=timedelta(days=days, minutes=rng.randint(5, 90)), to=CLOSED,
                  who=AUTO_CLOSE, reason=f"resolved {days} days ago without reply")
        return self.finish(plan)

    def ask(self, s: _Story, plan: _Plan, category: str) -> None:
        rng = self.rng
        question, answer = rng.choice(tx.ASKS[category])
        if rng.random() < 0.4:
            answer = plan.say(rng, tx.DETAILS)
            s.add("reply", who=s.agent, template="need-more-info")
        else:
            s.add("reply", who=s.agent, text=f"Hello {plan.words['first']}, thanks for your "
                                             f"message. {question}")
        s.add("status", to=WAITING, who=s.agent, reason="asked for details")
        if "await" in plan.flags or (not plan.flags and rng.random() < 0.25):  # no answer
            s.add("status", after=timedelta(days=rng.uniform(5, 8)), to=CLOSED, who=s.agent,
                  reason="no reply from the customer")
            return
        s.add("customer", reply=20, text=answer)
        s.add("status", work=PACE[s.priority] / 2, to=IN_PROGRESS, who=s.agent,
              reason="customer answered")

    def finish(self, plan: _Plan) -> None:
        """Drop what lies after ``now``; add the breaches an SLA monitor would record."""
        plan.steps = [s for s in plan.steps if s.at < self.cutoff and s.kind != "pause"]
        if "spam" in plan.flags:
            return
        pause, answered, status, breached, found = ResolutionPause(), False, OPEN, set(), []
        for i, step in enumerate(plan.steps):
            terms = self.terms(step.state[2], step.state[1])
            if step.state[0] is not status:
                status, pause = step.state[0], pause.moved(terms, step.state[0], step.at)
            answered = answered or step.kind == "reply"
            until = plan.steps[i + 1].at if i + 1 < len(plan.steps) else self.cutoff
            due = due_times(terms, plan.opened, pause)
            for metric, when in ((SlaMetric.FIRST_RESPONSE,
                                  None if answered else due.first_response_due),
                                 (SlaMetric.RESOLUTION, due.resolution_due)):
                if when is None or metric in breached or when >= until:
                    continue
                at = max(when, step.at)
                at += min(timedelta(minutes=self.rng.randint(1, 5)), (until - at) / 2)
                found.append(_Step(at, "breach", {"metric": metric, "due": when}, step.state))
                breached.add(metric)
        plan.steps = sorted(plan.steps + found, key=lambda s: s.at)


class _Story:
    """A ticket's steps as they are planned, and the state each one leads to."""

    def __init__(self, planner: _Planner, plan: _Plan) -> None:
        self.planner, self.plan, self.rng, self.t = planner, plan, planner.rng, plan.opened
        self.status, self.priority, self.category = OPEN, plan.priority, plan.category
        self.agent: _Agent = ADMIN

    def add(self, kind: str, *, work: float = 0, reply: float = 0,
            after: timedelta = timedelta(0), **data: Any) -> None:
        """Add a step after ``work`` working minutes of an agent, a customer's ``reply``
        after about that many hours (rarely at night), or ``after`` a fixed delay."""
        rng, self.t = self.rng, self.t + after
        if work:
            minutes = 1 + min(rng.expovariate(1 / work), 4 * work)
            self.t = self.planner.shift.add_business_minutes(self.t, minutes)
        if reply:
            self.t += timedelta(hours=0.1 + min(rng.expovariate(1 / reply), 4 * reply))
            if (hour := self.t.astimezone(ZONE).hour) < 7:
                self.t += timedelta(hours=7 - hour + 2 * rng.random())
        if data.get("agent"):
            self.agent = data["agent"]
            self.status = IN_PROGRESS if self.status is OPEN else self.status
        elif kind == "customer" and self.status in (WAITING, RESOLVED):
            self.status = OPEN
        elif kind in ("status", "priority", "category"):
            setattr(self, kind, data["to"])
        elif kind == "escalate":
            self.priority = self.priority.raised()
        self.plan.steps.append(_Step(self.t, kind, data,
                                     (self.status, self.priority, self.category)))
        self.t += timedelta(seconds=rng.randint(3, 40))


class _Runner:
    """Executes the planned steps as commands of the application."""

    def __init__(self, app: Helpdesk, progress: Callable[[int], object] | None) -> None:
        self.app, self.progress, self.tokens = app, progress, dict[str, str]()

    def setup_tasks(self, business: BusinessCalendar, customers: list[_Customer],
                    ready: datetime) -> Iterator[Callable[[], None]]:
        app, admin = self.app, ADMIN.actor
        yield _bind(self.agent, ADMIN, SETUP)
        yield _bind(lambda: app.create_sla_policy(
            BUSINESS_HOURS, name="Business hours (Mon-Fri 08-18 Berlin)", actor=admin,
            targets=BUSINESS_TARGETS, calendar=business, auto_close_days=5))
        for slug, name, subject, body in tx.TEMPLATES:
            yield _bind(lambda *a: app.create_template(
                a[0], name=a[1], subject=a[2], body=a[3], actor=admin), slug, name, subject, body)
        for slug, name, priority, ack, policy, _ in CATEGORIES[:-1]:
            yield _bind(lambda *a: app.create_category(
                a[0], name=a[1], default_priority=a[2], auto_response_template=a[3],
                sla_policy=a[4], actor=admin), slug, name, priority, ack, policy)
        for agent in AGENTS:
            yield _bind(self.agent, agent, admin)
        for c in customers:
            yield _bind(lambda c: app.upsert_customer(
                email=c.email, name=c.name, phone=c.phone, branch=c.branch,
                orders=[order for linked, order in c.orders if linked <= ready]), c)

    def agent(self, agent: _Agent, actor: Actor) -> None:
        self.tokens[agent.email] = self.app.create_agent(
            email=agent.email, name=agent.name, role=agent.role, actor=actor,
            skills=agent.skills, branches=agent.branches, capacity=agent.capacity,
            escalation=agent.escalation).token

    def perform(self, plan: _Plan, step: _Step) -> None:
        app, data, number, kind = self.app, step.data, plan.number, step.kind
        if kind == "open":
            return self.open(plan, data["agent"])
        who = data.get("who")
        actor: Actor = who.actor if isinstance(who, _Agent) else who or AUTO_REPLY
        template, text = ("ack" if kind == "ack" else data.get("template")), data.get("text", "")
        if template:
            assert plan.ticket is not None
            text = app.render_template(template, ticket_context(
                plan.ticket, agent=who, url=f"https://support.example.com/t/{number}"))[1]
        author = {"ack": AUTO_REPLY, "customer": Actor.customer(
            str(Customer.create_id(plan.customer.email)))}.get(kind, actor)
        command: Callable[[], Any] = {
            "assign": lambda: app.assign(number, data["agent"].actor.id, actor=actor,
                                         reason=data["reason"]),
            "status": lambda: app.change_status(number, data["to"], actor=actor,
                                                reason=data["reason"]),
            "priority": lambda: app.change_priority(number, data["to"], actor=actor,
                                                    reason=data["reason"]),
            "category": lambda: app.change_category(number, data["to"], actor=actor,
                                                    reason=data["reason"]),
            "escalate": lambda: app.escalate(number, actor=actor, reason=data["reason"]),
            "tag": lambda: app.tag(number, data["tags"], actor=actor),
            "breach": lambda: app.record_sla_breach(number, data["metric"], data["due"],
                                                    actor=MONITOR),
            "delete": lambda: app.delete(number, actor=actor, reason=data["reason"]),
        }.get(kind, lambda: app.add_message(
            number, text, author=author, template=template,
            visibility=Visibility.INTERNAL if kind == "note" else Visibility.PUBLIC))
        plan.ticket = command().aggregate
        return None

    def open(self, plan: _Plan, agent: _Agent | None) -> None:
        if plan.original is not None:
            opened = self.app.open_follow_up(plan.original.number, subject=plan.subject,
                                             description=plan.description)
        else:
            opener = {Channel.AGENT: agent.actor if agent else None,
                      Channel.API: SHOP_API}.get(plan.channel)
            opened = self.app.open_ticket(
                subject=plan.subject, description=plan.description,
                customer_name=plan.customer.name, customer_email=plan.customer.email,
                channel=plan.channel, category=plan.category, priority=plan.priority,
                actor=opener, assignee=agent.actor.id if agent else None,
                order_ref=plan.order_ref, product_ref=plan.product_ref, tags=plan.tags)
        plan.number, plan.ticket = opened.ticket.number, opened.ticket
        if self.progress is not None:
            self.progress(1)
