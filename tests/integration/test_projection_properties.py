"""Property: after any generated command sequence, every read table equals a from-scratch
rebuild of the events — also when the runner was stopped and restarted midway, and when it
crashed between applying events and committing them."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from application.service import Helpdesk
from domain.customer import Order
from domain.errors import DomainError
from domain.notification import Notification
from domain.values import Actor, Priority, Role, SlaMetric, Status, Visibility
from helpdesk.settings import parse_postgres_url, persistence_env
from projections.registry import build_read_models
from projections.runner import ProjectionRunner
from projections.store import ReadStore, open_read_store
from projections.tables import metadata
from tests.conftest import POSTGRES_URL, FakeClock, require_service
from tests.integration.read_side_harness import positions, table_rows

SETUP = Actor.system("setup")
CUSTOMER_EMAILS = ["ann@example.com", "ben@example.com", "cy@example.org"]

ticket_index = st.integers(0, 7)
operations = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(CUSTOMER_EMAILS),
              st.sampled_from(["general", "billing"]), st.sampled_from(list(Priority)),
              st.sampled_from([None, "north"])),
    st.tuples(st.just("assign"), ticket_index, st.integers(0, 1)),
    st.tuples(st.just("unassign"), ticket_index),
    st.tuples(st.just("status"), ticket_index, st.sampled_from(list(Status))),
    st.tuples(st.just("message"), ticket_index, st.sampled_from(["customer", "agent", "system"]),
              st.booleans()),
    st.tuples(st.just("priority"), ticket_index, st.sampled_from(list(Priority))),
    st.tuples(st.just("category"), ticket_index, st.sampled_from(["general", "billing"])),
    st.tuples(st.just("tags"), ticket_index, st.lists(st.sampled_from(["vip", "late"]),
                                                      max_size=2)),
    st.tuples(st.just("breach"), ticket_index, st.sampled_from(list(SlaMetric))),
    st.tuples(st.just("escalate"), ticket_index),
    st.tuples(st.just("delete"), ticket_index),
    st.tuples(st.just("order"), st.sampled_from(CUSTOMER_EMAILS), st.integers(1, 3)),
    st.tuples(st.just("notify"), st.integers(0, 3), st.sampled_from(["ok", "fail", "read"])),
    st.tuples(st.just("category_update"), st.booleans()),
    st.tuples(st.just("time"), st.integers(1, 600)),
)


class Scenario:
    """Runs generated operations against a real application."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.app = Helpdesk(persistence_env("memory://"), clock=self.clock, snapshot_interval=7)
        self.app.ensure_defaults()
        self.app.create_category("billing", name="Billing", actor=SETUP)
        self.agents = [
            self.app.create_agent(email=f"a{i}@desk.example", name=f"A{i}", role=Role.AGENT,
                                  actor=SETUP, branches=["north"] if i else []).agent.agent_id
            for i in range(2)]
        self.numbers: list[str] = []
        self.notifications: list[Notification] = []

    def run(self, op: tuple) -> None:
        kind, *args = op
        with contextlib.suppress(DomainError):  # refused commands record nothing
            getattr(self, f"_{kind}")(*args)

    def _number(self, index: int) -> str:
        if not self.numbers:
            raise DomainError("no ticket yet")
        return self.numbers[index % len(self.numbers)]

    def _open(self, email, category, priority, branch):
        opened = self.app.open_ticket(subject="Help", description="Something broke",
                                      customer_name=email.split("@")[0], customer_email=email,
                                      category=category, priority=priority, branch=branch,
                                      tags=["new"])
        self.numbers.append(opened.ticket.number)

    def _assign(self, index, agent):
        self.app.assign(self._number(index), self.agents[agent], actor=Actor.agent("a"))

    def _unassign(self, index):
        self.app.unassign(self._number(index), actor=Actor.agent("a"))

    def _status(self, index, status):
        self.app.change_status(self._number(index), status, actor=Actor.agent("a"))

    def _message(self, index, author, public):
        number = self._number(index)
        actor = {"customer": Actor.customer(self.app.get_ticket(number).customer.id),
                 "agent": Actor.agent(self.agents[0]), "system": Actor.system("bot")}[author]
        self.app.add_message(number, "text", author=actor,
                             visibility=Visibility.PUBLIC if public else Visibility.INTERNAL)

    def _priority(self, index, priority):
        self.app.change_priority(self._number(index), priority, actor=Actor.agent("a"))

    def _category(self, index, category):
        self.app.change_category(self._number(index), category, actor=Actor.agent("a"))

    def _tags(self, index, tags):
        number = self._number(index)
        self.app.untag(number, ["vip", "late"], actor=Actor.agent("a"))
        self.app.tag(number, tags, actor=Actor.agent("a"))

    def _breach(self, index, metric):
        self.app.record_sla_breach(self._number(index), metric, self.clock.now,
                                   actor=Actor.system("sla"))

    def _escalate(self, index):
        self.app.escalate(self._number(index), actor=Actor.system("sla"))

    def _delete(self, index):
        self.app.delete(self._number(index), actor=Actor.agent("a"))

    def _order(self, email, n):
        self.app.upsert_customer(email=email, name=email.split("@")[0], orders=[
            Order(f"ORD-{n}", date(2026, 2, n), Decimal(f"{n}9.50"))])

    def _notify(self, index, outcome):
        if outcome == "ok" or not self.notifications:
            note = Notification.request(
                cause_event_id=str(uuid.uuid4()), recipient=self.agents[0],
                recipient_kind="agent", channel="in_app", kind="assigned", subject="s",
                body="b", at=self.clock.now)
            self.notifications.append(note)
        note = self.notifications[index % len(self.notifications)]
        {"ok": note.delivered, "read": note.mark_read,
         "fail": lambda at: note.failed("smtp said no", final=True, at=at)}[outcome](
            at=self.clock.now)
        self.app.save(note)

    def _category_update(self, active):
        self.app.update_category("billing", actor=SETUP, active=active)

    def _time(self, minutes):
        self.clock.advance(minutes=minutes)


class Stores:
    """Makes empty read stores: SQLite files, or PostgreSQL schemas dropped afterwards."""

    def __init__(self, backend: str, directory: str, postgres_url: str | None) -> None:
        self.backend, self.directory, self.postgres_url = backend, directory, postgres_url
        self.made: list[tuple[ReadStore, str | None]] = []

    def fresh(self) -> ReadStore:
        if self.backend == "sqlite":
            store = open_read_store(f"sqlite:///{self.directory}/r-{uuid.uuid4().hex[:8]}.db")
            schema = None
        else:
            schema = f"prop_{uuid.uuid4().hex[:10]}"
            store = open_read_store(f"{self.postgres_url}?read_schema={schema}")
            with store.writer.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        metadata.create_all(store.writer)
        self.made.append((store, schema))
        return store

    def drop_all(self) -> None:
        for store, schema in self.made:
            if schema:
                with store.writer.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            store.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_read_tables_equal_a_rebuild(backend, request):
    postgres_url = None
    if backend == "postgres":
        target = parse_postgres_url(POSTGRES_URL)
        require_service("PostgreSQL", target.host, target.port)
        postgres_url = POSTGRES_URL
    examples = 25 if backend == "sqlite" else 10
    check = settings(max_examples=examples, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])(given(
        ops=st.lists(operations, min_size=5, max_size=45),
        follow_every=st.integers(1, 9), restart_at=st.integers(0, 45),
        crash_at=st.one_of(st.none(), st.integers(1, 60)), batch=st.integers(1, 40),
    )(rebuild_property))
    check(backend=backend, postgres_url=postgres_url)


def rebuild_property(ops, follow_every, restart_at, crash_at, batch, backend, postgres_url):
    scenario = Scenario()
    with tempfile.TemporaryDirectory() as directory:
        stores = Stores(backend, directory, postgres_url)
        live, rebuilt = stores.fresh(), stores.fresh()
        try:
            models = build_read_models(live)
            runner = ProjectionRunner(scenario.app, models, batch_size=batch)
            if crash_at is not None:
                inject_crash(models, crash_at)
            for step, op in enumerate(ops):
                scenario.run(op)
                if step == restart_at:  # stop and start again with fresh objects
                    runner = ProjectionRunner(scenario.app, build_read_models(live),
                                              batch_size=batch)
                if step % follow_every == 0:
                    runner = follow(runner, scenario, live, batch)
            follow(runner, scenario, live, batch)
            fresh_models = build_read_models(rebuilt)
            ProjectionRunner(scenario.app, fresh_models).catch_up()
            assert table_rows(live, models) == table_rows(rebuilt, fresh_models)
            head = scenario.app.recorder.max_notification_id()
            assert set(positions(live).values()) == {head}
        finally:
            stores.drop_all()
            scenario.app.close()


def inject_crash(models, at_event: int) -> None:
    """Make one read model fail with a database error on its ``at_event``-th event."""
    model = models[at_event % len(models)]
    original = model.process_event
    seen = {"n": 0}

    def crashing(event, tracking):
        seen["n"] += 1
        if seen["n"] == at_event:
            raise OperationalError("UPDATE", {}, Exception("connection lost mid-batch"))
        return original(event, tracking)

    model.process_event = crashing


def follow(runner, scenario, store, batch):
    """Catch up; after a crash, start a fresh runner as a supervisor would."""
    try:
        runner.catch_up()
        return runner
    except OperationalError:
        restarted = ProjectionRunner(scenario.app, build_read_models(store), batch_size=batch)
        restarted.catch_up()
        return restarted
