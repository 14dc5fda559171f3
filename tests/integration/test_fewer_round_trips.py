"""Reading several aggregates in one statement, skipping the snapshot store for aggregates
that are never snapshotted, hints about what to read along, and the round trips an opening
and an authentication cost on PostgreSQL. Every hint must be harmless: another process
changing what was read is seen at once."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from application.event_reads import select_events_of
from application.pool_check import PingWhenIdle
from application.recorder import HelpdeskRecorder
from domain.agent import Agent, AgentCredential
from domain.category import Category
from domain.customer import Customer
from domain.errors import UnknownAgent, UnknownCategory
from domain.sla import DEFAULT_POLICY, SlaPolicy, SlaTarget
from domain.ticket import Ticket
from domain.values import Actor, Priority, Role
from tests.integration.openings import drop_insert_function, open_ticket

ADMIN = Actor.system("test-admin")


@pytest.fixture(params=["sqlite", "postgres"])
def shared_url(request) -> str:
    """A database two applications (processes) can share."""
    return request.getfixturevalue(f"{request.param}_url")


# -- reading several aggregates at once ------------------------------------------------


def test_many_aggregates_are_read_in_one_go_each_complete_and_in_order(app):
    for n in range(3):
        app.upsert_customer(email=f"c{n}@example.com", name=f"Customer {n}")
    app.upsert_customer(email="c1@example.com", name="Renamed", phone="+1 555 0100")
    opened = open_ticket(app).ticket
    ids = [Customer.create_id(f"c{n}@example.com") for n in range(3)]
    missing = Customer.create_id("nobody@example.com")

    events = select_events_of(app.recorder, [*ids, missing, ids[0]])
    assert list(events) == [*ids, missing]
    assert events[missing] == []
    for oid in ids:
        assert [e.originator_version for e in events[oid]] == list(
            range(1, len(events[oid]) + 1))
        assert [e.state for e in events[oid]] == [
            e.state for e in app.recorder.select_events(oid)]

    read = app.find_many(*((Customer, oid) for oid in ids), (Customer, missing),
                         (Ticket, opened.id), (Category, ids[2]))
    assert read.get(Customer, ids[1]).name == "Renamed"
    assert read.get(Customer, ids[1]).version == app.find(Customer, ids[1]).version
    assert read.get(Customer, missing) is None
    assert read.get(Ticket, opened.id).number == opened.number
    assert read.get(Category, ids[2]) is None  # another class with that id: not found


def test_aggregates_never_snapshotted_are_read_without_the_snapshot_store(make_app, clock,
                                                                       database_url):
    app = make_app(database_url, snapshot_interval=2)
    number = open_ticket(app).ticket.number
    for n in range(4):
        app.add_message(number, f"note {n}", author=ADMIN)
    asked: list[object] = []
    snapshots = app.snapshots.recorder
    original = snapshots.select_events

    def spy(originator_id, **kwargs):
        asked.append(originator_id)
        return original(originator_id, **kwargs)

    snapshots.select_events = spy
    assert app.find(Category, Category.create_id("general")).slug == "general"
    app.find_many((Customer, Customer.create_id("bob@example.com")),
                  (SlaPolicy, SlaPolicy.create_id(DEFAULT_POLICY)))
    assert asked == []
    ticket = app.get_ticket(number)  # tickets still start from their latest snapshot
    assert asked == [ticket.id] and ticket.version == 5


# -- hints never serve stale data ------------------------------------------------------


def test_a_rotated_token_or_deactivated_agent_is_refused_at_once_by_another_process(
        make_app, shared_url):
    api, admin = make_app(shared_url), make_app(shared_url)
    made = admin.create_agent(email="ann@example.com", name="Ann", role=Role.AGENT,
                              actor=ADMIN)
    for _ in range(2):  # the second call reads credential and agent together
        assert api.authenticate_agent(made.token).agent_id == made.agent.agent_id

    admin.update_agent(made.agent.agent_id, actor=ADMIN, active=False)
    assert api.authenticate_agent(made.token) is None
    admin.update_agent(made.agent.agent_id, actor=ADMIN, active=True)
    assert api.authenticate_agent(made.token).active

    rotated = admin.rotate_agent_token(made.agent.agent_id, actor=ADMIN)
    assert api.authenticate_agent(made.token) is None
    assert api.authenticate_agent(rotated.token).agent_id == made.agent.agent_id
    assert api.authenticate_agent("not a token") is None


def test_an_opening_sees_another_process_change_the_category_and_its_policy(
        make_app, shared_url):
    api, admin = make_app(shared_url), make_app(shared_url)
    admin.create_sla_policy("gold", name="Gold", actor=ADMIN,
                            targets=[SlaTarget(p, 5, 60) for p in Priority])
    admin.create_category("billing", name="Billing", actor=ADMIN)
    first = open_ticket(api, category="billing").ticket
    assert first.sla.policy == DEFAULT_POLICY

    admin.update_category("billing", actor=ADMIN, sla_policy="gold")
    assert open_ticket(api, category="billing").ticket.sla.policy == "gold"
    assert api.sla_terms("billing", Priority.HIGH).first_response_minutes == 5
    admin.update_sla_policy("gold", actor=ADMIN,
                            targets=[SlaTarget(p, 7, 60) for p in Priority])
    assert open_ticket(api, category="billing").ticket.sla.first_response_minutes == 7

    admin.update_category("billing", actor=ADMIN, sla_policy=None)
    assert open_ticket(api, category="billing").ticket.sla.policy == DEFAULT_POLICY
    admin.update_category("billing", actor=ADMIN, active=False)
    with pytest.raises(UnknownCategory):
        open_ticket(api, category="billing")


def test_an_assignee_is_read_with_the_category_and_checked(make_app, shared_url):
    api, admin = make_app(shared_url), make_app(shared_url)
    made = admin.create_agent(email="ann@example.com", name="Ann", role=Role.AGENT,
                              actor=ADMIN)
    opened = open_ticket(api, assignee=str(made.agent.agent_id)).ticket
    assert opened.assignee == str(made.agent.agent_id)
    admin.update_agent(made.agent.agent_id, actor=ADMIN, active=False)
    with pytest.raises(UnknownAgent):
        open_ticket(api, assignee=str(made.agent.agent_id))
    with pytest.raises(UnknownAgent):
        open_ticket(api, assignee="not-an-id")
    with pytest.raises(UnknownCategory):  # the category is reported first, as before
        open_ticket(api, assignee="not-an-id", category="nope")


def test_a_customer_registered_meanwhile_by_another_process_is_not_registered_twice(
        make_app, shared_url, clock):
    api, other = make_app(shared_url), make_app(shared_url)
    original = api._submit_opening
    submitted = []

    def register_elsewhere_first(request):
        # The request was made before the customer existed; another process registers
        # them before this one commits: the commit conflicts, reads again and retries.
        if not submitted:
            assert request.customer is None and request.customer_read
            other.upsert_customer(email=request.email, name="Registered Elsewhere")
        submitted.append(request)
        return original(request)

    api._submit_opening = register_elsewhere_first
    opened = open_ticket(api, email="new@example.com").ticket
    customer = api.find(Customer, Customer.create_id("new@example.com"))
    assert customer.name == "Registered Elsewhere" and customer.version == 1
    assert opened.customer.id == str(customer.id)
    assert opened.customer.name == "Registered Elsewhere"


def test_two_new_requests_of_one_customer_in_a_batch_register_them_once(app):
    from application.group_commit import Pending

    requests = []
    for n in range(2):
        pending = Pending(None)
        opened_request = _request(app, f"Subject {n}")
        pending.request = opened_request
        requests.append(pending)
    app._commit_openings(requests)
    tickets = [p.result.ticket for p in requests]
    assert all(p.error is None for p in requests)
    assert tickets[0].customer.id == tickets[1].customer.id
    assert app.find(Customer, Customer.create_id("twice@example.com")).version == 1


def _request(app, subject):
    from application.opening import OpenRequest
    from application.tokens import new_token
    from domain.values import Channel

    fields = Ticket.check_opening(subject=subject, description="d", branch=None,
                                  order_ref=None, product_ref=None, tags=())
    return OpenRequest(email="twice@example.com", name="Twice", fields=fields,
                       channel=Channel.PORTAL, category="general", priority=Priority.MEDIUM,
                       sla=app.sla_terms("general", Priority.MEDIUM), actor=None, agent=None,
                       token=new_token(), customer=None, customer_read=True)


# -- round trips on PostgreSQL ---------------------------------------------------------


@contextmanager
def statements() -> Iterator[collections.Counter[str]]:
    """Count the statements psycopg sends by their first word (pings are the empty
    statement; a call of the event store's insert function is a SAVE)."""
    seen: collections.Counter[str] = collections.Counter()
    original = psycopg.Cursor.execute

    def execute(self, query, *args, **kwargs):
        text = query if isinstance(query, str) else (
            query.decode() if isinstance(query, bytes) else query.as_string(self.connection))
        kind = text.split(" ", 1)[0].upper() or "PING"
        seen["SAVE" if "helpdesk_insert_" in text else kind] += 1
        return original(self, query, *args, **kwargs)

    psycopg.Cursor.execute = execute
    try:
        yield seen
    finally:
        psycopg.Cursor.execute = original


def test_an_opening_reads_once_and_writes_once_on_postgres(make_app, postgres_url):
    app = make_app(postgres_url)
    assert isinstance(app.recorder, HelpdeskRecorder)
    for _ in range(10):  # every pooled connection handed out once (a first use pings)
        open_ticket(app)
    with statements() as sent:
        for n in range(5):
            open_ticket(app, email="bob@example.com" if n % 2 else f"new{n}@example.com")
    # Per opening one statement that is the whole transaction (the insert function:
    # lock, check what was read, notify, insert; committed before it answers), and one
    # SELECT of what this process does not remember (a first-time customer: three of the
    # five); the category, its policies and Bob are remembered. No pings, no snapshots.
    assert sent == {"SELECT": 3, "SAVE": 5}
    app.read_cache.forget(list(app.read_cache.recall(
        [Category.create_id("general"), SlaPolicy.create_id(DEFAULT_POLICY)])))
    with statements() as sent:
        open_ticket(app)
    assert sent == {"SELECT": 1, "SAVE": 1}  # forgotten: category and policy read again


def test_an_event_store_without_the_insert_function_saves_in_three_round_trips(
        make_app, postgres_url, caplog):
    app = make_app(postgres_url)
    drop_insert_function(app)
    open_ticket(app)  # the prepared call fails once: the store falls back
    assert "run `helpdesk migrate`" in caplog.text
    with statements() as sent:
        number = open_ticket(app).ticket.number
    # "BEGIN; SET LOCAL …; LOCK TABLE …; NOTIFY …", the check of what was read (a
    # SELECT; category, policy and customer are remembered), INSERT, COMMIT
    assert sent == {"BEGIN;": 1, "SELECT": 1, "INSERT": 1, "COMMIT": 1}
    assert app.get_ticket(number).number == number
    app.recorder.create_table()  # what `helpdesk migrate` runs
    with statements() as sent:
        open_ticket(app)
    assert sent == {"SAVE": 1}


def test_an_authentication_is_one_statement_on_postgres(make_app, postgres_url):
    app = make_app(postgres_url)
    made = app.create_agent(email="ann@example.com", name="Ann", role=Role.AGENT,
                            actor=ADMIN)
    for _ in range(10):
        assert app.authenticate_agent(made.token) is not None
    with statements() as sent:
        for _ in range(5):
            assert app.authenticate_agent(made.token) is not None
        assert app.authenticate_agent("unknown") is None
    assert sent == {"SELECT": 6}


def test_notification_ids_follow_the_order_of_the_events_saved(make_app, postgres_url):
    app = make_app(postgres_url)
    before = app.recorder.max_notification_id() or 0
    customers = [Customer.register(f"c{n}@example.com", f"C{n}", at=app.clock())
                 for n in range(5)]
    recordings = app.save(*customers)
    ids = [r.notification.id for r in recordings]
    assert ids == sorted(ids) and ids[0] > before and len(set(ids)) == 5
    stored = app.recorder.select_notifications(start=ids[0], limit=10)
    assert [n.originator_id for n in stored] == [c.id for c in customers]


def test_a_conflicting_insert_stores_nothing_and_leaves_the_connection_usable(
        make_app, postgres_url):
    app = make_app(postgres_url)
    before = app.recorder.max_notification_id()
    first = Customer.register("a@example.com", "A", at=app.clock())
    twin = Customer.register("a@example.com", "A twin", at=app.clock())
    other = Customer.register("b@example.com", "B", at=app.clock())
    app.save(first)
    for _ in range(3):  # more often than the pool has connections
        with pytest.raises(IntegrityError):
            app.recorder.insert_events([app.mapper.to_stored_event(e) for e in (
                *other.pending_events, *twin.pending_events)])
    assert app.find(Customer, other.id) is None
    assert app.find(Customer, first.id).name == "A"
    assert app.recorder.max_notification_id() == before + 1
    app.save(other)
    assert app.find(Customer, other.id).name == "B"


# -- checking pooled connections ---------------------------------------------------------


class FakeConnection:
    pass


def test_a_connection_is_pinged_only_after_being_idle():
    pinged: list[object] = []
    check = PingWhenIdle(pinged.append, idle_seconds=60)
    conn = FakeConnection()
    check(conn)  # never handed out before: pinged
    check(conn)
    check(conn)
    assert pinged == [conn]
    conn._helpdesk_last_checkout -= 61  # as if idle for a minute
    check(conn)
    assert pinged == [conn, conn]


def test_a_failed_ping_is_retried_on_the_next_checkout():
    def ping(conn):
        raise OSError("gone")

    check = PingWhenIdle(ping, idle_seconds=60)
    conn = FakeConnection()
    with pytest.raises(OSError):
        check(conn)
    with pytest.raises(OSError):
        check(conn)


def test_the_event_store_pool_pings_idle_connections_only(make_app, postgres_url):
    app = make_app(postgres_url)
    check = app.recorder.datastore.pool._check
    assert isinstance(check, PingWhenIdle)
    assert timedelta(seconds=check.idle_seconds) <= timedelta(seconds=30)


def test_pre_ping_set_explicitly_is_kept(clock, postgres_url):
    from application.service import Helpdesk
    from helpdesk.settings import persistence_env

    app = Helpdesk({**persistence_env(postgres_url), "POSTGRES_PRE_PING": "y"}, clock=clock)
    try:
        assert not isinstance(app.recorder.datastore.pool._check, PingWhenIdle)
        assert app.recorder.datastore.pool._check is not None
    finally:
        app.close()


def test_an_agent_credential_class_is_never_snapshotted(app):
    assert not app._may_have_snapshots(AgentCredential)
    assert not app._may_have_snapshots(Agent)
    assert app._may_have_snapshots(Ticket) == (app.snapshots is not None)
