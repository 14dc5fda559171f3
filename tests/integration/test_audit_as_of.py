"""Properties of the audit's time travel, on generated command histories with a fake clock:

(a) a ticket read at version N is exactly the aggregate its first N events build;
(b) the queue as of an instant T (the queue projection replayed up to T) holds exactly the
    tickets opened by T, each as its aggregate stood at its last version recorded by T.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.service import Helpdesk
from domain.errors import DomainError
from domain.ticket import Ticket
from domain.values import Actor, Priority, Role, SlaMetric, Status, Visibility
from helpdesk.settings import persistence_env
from projections import store as store_module
from projections.as_of import queue_as_of
from projections.queries.tickets import TicketFilter
from tests.conftest import FakeClock

SETUP = Actor.system("setup")
EMAILS = ["ann@example.com", "ben@example.com"]
EVERYTHING = TicketFilter(include_deleted=True)

ticket = st.integers(0, 5)
command = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(EMAILS), st.sampled_from(["general", "billing"]),
              st.sampled_from(list(Priority)), st.sampled_from([None, "north"])),
    st.tuples(st.just("assign"), ticket, st.integers(0, 1)),
    st.tuples(st.just("unassign"), ticket),
    st.tuples(st.just("status"), ticket, st.sampled_from(list(Status))),
    st.tuples(st.just("message"), ticket, st.sampled_from(["customer", "agent"]), st.booleans()),
    st.tuples(st.just("priority"), ticket, st.sampled_from(list(Priority))),
    st.tuples(st.just("category"), ticket, st.sampled_from(["general", "billing"])),
    st.tuples(st.just("tags"), ticket, st.lists(st.sampled_from(["vip", "late"]), max_size=2)),
    st.tuples(st.just("breach"), ticket, st.sampled_from(list(SlaMetric))),
    st.tuples(st.just("escalate"), ticket),
    st.tuples(st.just("delete"), ticket),
)
opening = st.tuples(st.just("open"), st.sampled_from(EMAILS), st.just("general"),
                    st.sampled_from(list(Priority)), st.just(None))
steps = st.tuples(
    st.lists(opening, min_size=1, max_size=2).map(lambda opens: (opens, 0)),
    st.lists(st.tuples(st.lists(command, min_size=1, max_size=4), st.integers(0, 300)),
             min_size=1, max_size=20),
).map(lambda plan: [plan[0], *plan[1]])


class History:
    """A help desk driven by generated commands; the clock moves between steps."""

    def __init__(self, snapshot_interval: int) -> None:
        self.clock = FakeClock()
        self.start = self.clock.now
        self.app = Helpdesk(persistence_env("memory://"), clock=self.clock,
                            snapshot_interval=snapshot_interval)
        self.app.ensure_defaults()
        self.app.create_category("billing", name="Billing", actor=SETUP)
        self.agents = [self.app.create_agent(
            email=f"a{i}@desk.example", name=f"A{i}", role=Role.AGENT, actor=SETUP,
            branches=["north"] if i else []).agent.agent_id for i in range(2)]
        self.numbers: list[str] = []

    def play(self, plan: list[tuple[list[tuple[Any, ...]], int]]) -> None:
        for commands, minutes in plan:
            for kind, *args in commands:
                with contextlib.suppress(DomainError):  # refused commands record nothing
                    getattr(self, f"_{kind}")(*args)
            self.clock.advance(minutes=minutes)

    def _number(self, index: int) -> str:
        if not self.numbers:
            raise DomainError("no ticket yet")
        return self.numbers[index % len(self.numbers)]

    def _agent(self) -> Actor:
        return Actor.agent(self.agents[0])

    def _open(self, email: str, category: str, priority: Priority, branch: str | None) -> None:
        opened = self.app.open_ticket(subject="Help", description="Please", customer_name="C",
                                      customer_email=email, category=category,
                                      priority=priority, branch=branch)
        self.numbers.append(opened.ticket.number)

    def _assign(self, index: int, agent: int) -> None:
        self.app.assign(self._number(index), self.agents[agent], actor=self._agent())

    def _unassign(self, index: int) -> None:
        self.app.unassign(self._number(index), actor=self._agent())

    def _status(self, index: int, status: Status) -> None:
        self.app.change_status(self._number(index), status, actor=self._agent())

    def _message(self, index: int, author: str, public: bool) -> None:
        number = self._number(index)
        if author == "customer":
            who = Actor.customer(self.app.get_ticket(number).customer.id)
            self.app.add_message(number, "Any news?", author=who)
        else:
            self.app.add_message(number, "On it", author=self._agent(),
                                 visibility=Visibility.PUBLIC if public else Visibility.INTERNAL)

    def _priority(self, index: int, priority: Priority) -> None:
        self.app.change_priority(self._number(index), priority, actor=self._agent())

    def _category(self, index: int, category: str) -> None:
        self.app.change_category(self._number(index), category, actor=self._agent())

    def _tags(self, index: int, tags: list[str]) -> None:
        self.app.tag(self._number(index), tags, actor=self._agent())

    def _breach(self, index: int, metric: SlaMetric) -> None:
        self.app.record_sla_breach(self._number(index), metric, self.clock.now,
                                   actor=Actor.system("sla-monitor"))

    def _escalate(self, index: int) -> None:
        self.app.escalate(self._number(index), actor=self._agent())

    def _delete(self, index: int) -> None:
        self.app.delete(self._number(index), actor=self._agent())


def folded(app: Helpdesk, number: str, version: int) -> dict[str, Any]:
    """The state the ticket's first ``version`` events build, applied one by one."""
    aggregate = None
    for event in app.events.get(Ticket.create_id(number), lte=version):
        aggregate = event.mutate(aggregate)
    return state_of(aggregate)


def state_of(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def queue_rows(app: Helpdesk, at: datetime) -> set[tuple[Any, ...]]:
    """What the as-of queue shows of every ticket (deleted ones included)."""
    page = queue_as_of(app, at, EVERYTHING, sort="created_at", limit=1000)
    assert page.next_cursor is None
    return {(r["number"], r["status"], r["priority"], r["assignee_id"], r["category"],
             r["deleted"], r["tags"]) for r in page.items}


def expected_rows(app: Helpdesk, numbers: list[str], at: datetime) -> set[tuple[Any, ...]]:
    """Independently: each ticket opened by ``at``, as its aggregate was at its last
    version recorded by then."""
    rows = set()
    for number in numbers:
        earlier = [e for e in app.events.get(Ticket.create_id(number)) if e.timestamp <= at]
        if not earlier:
            continue
        t = app.get_ticket(number, version=earlier[-1].originator_version)
        rows.add((t.number, t.status.value, t.priority.value, t.assignee, t.category,
                  t.deleted, " ".join(t.tags)))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=steps, snapshot_interval=st.sampled_from([50, 2, 3]))
def test_a_ticket_at_version_n_is_what_its_first_n_events_build(plan, snapshot_interval):
    history = History(snapshot_interval)
    history.play(plan)
    app = history.app
    for number in history.numbers:
        last = app.get_ticket(number).version
        for version in range(1, last + 1):
            rebuilt = app.get_ticket(number, version=version)
            assert rebuilt.version == version
            assert state_of(rebuilt) == folded(app, number, version), (number, version)
    app.close()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=steps, data=st.data())
def test_the_queue_as_of_an_instant_shows_each_ticket_as_it_was_then(plan, data):
    history = History(snapshot_interval=50)
    history.play(plan)
    span = int((history.clock.now - history.start).total_seconds() // 60)
    for _ in range(3):
        minutes = data.draw(st.integers(-5, span + 5), label="minutes after the start")
        at = history.start + timedelta(minutes=minutes, seconds=data.draw(
            st.sampled_from([0, 0, 30, -1]), label="seconds"))
        assert queue_rows(history.app, at) == expected_rows(history.app, history.numbers, at)
    history.app.close()


def test_pages_of_the_past_queue_walk_every_ticket_once():
    history = History(snapshot_interval=50)
    history.play([([("open", e, "general", p, None)], 5)
                  for e in EMAILS for p in Priority])
    history.play([([("status", 0, Status.RESOLVED), ("assign", 3, 0)], 5)])
    at = history.clock.now - timedelta(minutes=3)
    whole = queue_as_of(history.app, at, TicketFilter(), sort="sla_due", limit=100)
    seen, cursor = [], None
    while True:
        page = queue_as_of(history.app, at, TicketFilter(), sort="sla_due", limit=3,
                           cursor=cursor)
        seen += [row["number"] for row in page.items]
        assert page.counts == whole.counts
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [row["number"] for row in whole.items] and len(seen) == 8
    assert whole.counts == {"resolved": 1, "in_progress": 1, "open": 6}


def test_the_throw_away_store_leaves_no_file_behind(monkeypatch):
    made: list[str] = []
    real = store_module.tempfile.mkdtemp

    def recording(**kwargs: Any) -> str:
        made.append(real(**kwargs))
        return made[-1]

    monkeypatch.setattr(store_module.tempfile, "mkdtemp", recording)
    history = History(snapshot_interval=50)
    history.play([([("open", EMAILS[0], "general", Priority.LOW, None)], 1)])
    assert len(queue_as_of(history.app, history.clock.now, EVERYTHING).items) == 1
    assert len(made) == 1 and not os.path.exists(made[0])


def test_a_log_stamped_out_of_order_still_shows_the_past_queue():
    history = History(snapshot_interval=50)  # defaults and agents stamped 2026-03-02 09:00
    history.clock.now -= timedelta(days=1)  # then the clock goes back, as a demo seed does
    history.play([([("open", EMAILS[0], "general", Priority.LOW, None)], 1)])
    assert len(queue_as_of(history.app, history.clock.now, EVERYTHING).items) == 1
