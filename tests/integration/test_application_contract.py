"""The application's contract, run on every event-store backend (popo, SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

from domain.errors import (
    InvalidInput,
    NotFound,
    StaleVersion,
    TicketClosed,
    UnknownAgent,
    UnknownCategory,
)
from domain.ticket_events import Opened
from domain.values import Actor, Channel, Priority, Role, Status, Visibility

ADMIN = Actor.system("test-admin")


def open_ticket(app, **overrides):
    fields = dict(subject="Refund please", description="Charged twice for order A-1",
                  customer_name="Bob Buyer", customer_email="Bob@Example.com")
    fields.update(overrides)
    return app.open_ticket(**fields)


def stored_event_count(app) -> int:
    return len(app.recorder.select_notifications(start=1, limit=1_000_000))


def test_opening_numbers_tickets_in_order_per_year_and_registers_the_customer(app, clock):
    first = open_ticket(app)
    second = open_ticket(app, customer_email="bob@example.com")
    clock.now = clock.now.replace(year=2027, month=1, day=1)
    third = open_ticket(app)
    assert [first.ticket.number, second.ticket.number, third.ticket.number] == [
        "TKT-2026-000001", "TKT-2026-000002", "TKT-2027-000001"]
    assert first.ticket.customer.email == "bob@example.com"
    assert first.ticket.customer.id == second.ticket.customer.id
    assert first.position < second.position < third.position
    assert len(first.access_token) >= 22 and first.access_token not in str(
        vars(app.get_ticket(first.ticket.number)))


def test_a_ticket_is_fetched_by_number_in_any_case(app):
    opened = open_ticket(app, priority=Priority.HIGH)
    again = app.get_ticket(opened.ticket.number.lower())
    assert (again.subject, again.priority, again.status) == (
        "Refund please", Priority.HIGH, Status.OPEN)
    with pytest.raises(NotFound):
        app.get_ticket("TKT-2026-999999")
    with pytest.raises(InvalidInput):
        app.get_ticket("not-a-number")


def test_bad_input_is_refused_with_a_specific_error_and_nothing_is_stored(app):
    before = stored_event_count(app)
    cases = [
        (dict(subject=""), InvalidInput, "subject"),
        (dict(subject="x" * 201), InvalidInput, "subject"),
        (dict(customer_email="not-an-address"), InvalidInput, "email"),
        (dict(category="no-such-category"), UnknownCategory, "category"),
        (dict(assignee="00000000-0000-0000-0000-000000000000"), UnknownAgent, "assignee"),
        (dict(assignee="garbage"), UnknownAgent, "assignee"),
    ]
    for overrides, error, field in cases:
        with pytest.raises(error) as refused:
            open_ticket(app, **overrides)
        assert field in refused.value.errors
    with pytest.raises(InvalidInput, match="not one of"):
        from domain.rules import parse_enum
        parse_enum("priority", Priority, "whenever")
    assert stored_event_count(app) == before


def test_the_lifecycle_through_the_application(app):
    agent = app.create_agent(email="ann@example.com", name="Ann", role=Role.AGENT,
                             actor=ADMIN, skills=["general"]).agent
    ann = Actor.agent(agent.agent_id)
    opened = open_ticket(app, channel=Channel.AGENT, actor=ann, assignee=agent.agent_id)
    number = opened.ticket.number
    assert (opened.ticket.assignee, opened.ticket.status) == (agent.agent_id, Status.IN_PROGRESS)
    app.add_message(number, "We are on it", author=ann)
    app.add_message(number, "Checked the ledger", author=ann, visibility=Visibility.INTERNAL)
    app.change_status(number, Status.RESOLVED, actor=ann, reason="refunded")
    customer = Actor.customer(opened.ticket.customer.id)
    saved = app.add_message(number, "Still not refunded", author=customer)
    assert saved.aggregate.status is Status.OPEN and saved.aggregate.reopen_count == 1
    app.change_status(number, Status.CLOSED, actor=ann)
    with pytest.raises(TicketClosed):
        app.add_message(number, "hello?", author=customer)
    follow_up = app.open_follow_up(number, subject="Refund still missing",
                                   description="see previous ticket", actor=customer)
    assert follow_up.ticket.follow_up_of == number
    assert app.get_ticket(number).follow_ups == [follow_up.ticket.number]


def test_a_stale_expected_version_is_refused_and_changes_nothing(app):
    number = open_ticket(app).ticket.number
    agent = Actor.agent("a-1")
    saved = app.change_priority(number, Priority.HIGH, actor=agent, expected_version=1)
    assert saved.version == 2
    with pytest.raises(StaleVersion) as refused:
        app.change_priority(number, Priority.LOW, actor=agent, expected_version=1)
    assert refused.value.current == 2
    assert app.get_ticket(number).priority is Priority.HIGH


def test_concurrent_writers_of_one_ticket_lose_nothing(make_app, database_url):
    if database_url == "memory://":
        pytest.skip("in-memory stores are private to one application: nothing to share")
    first, second = make_app(database_url), make_app(database_url)
    number = open_ticket(first).ticket.number
    stale = first.get_ticket(number)  # loaded before the other writer saves
    second.tag(number, ["from-second"], actor=Actor.agent("a-2"))
    stale.tag(["from-first"], actor=Actor.agent("a-1"), at=stale.modified_on)
    from eventsourcing.persistence import IntegrityError
    with pytest.raises(IntegrityError):
        first.save(stale)
    first.tag(number, ["from-first"], actor=Actor.agent("a-1"))  # reloads and succeeds
    assert first.get_ticket(number).tags == ("from-first", "from-second")
    versions = [e.originator_version for e in first.events.get(stale.id)]
    assert versions == list(range(1, len(versions) + 1))


def test_configuration_is_event_sourced_and_validated(app):
    template = app.create_template("thanks", name="Thanks", subject="Re: {{ ticket.subject }}",
                                   body="Hi {{ customer.name }}, we got {{ ticket.number }}.",
                                   actor=ADMIN)
    assert template.aggregate.version == 2
    with pytest.raises(InvalidInput, match="unknown variable"):
        app.create_template("bad", name="Bad", subject="x", body="{{ ticket.password }}",
                            actor=ADMIN)
    category = app.create_category(name="Billing & Payments", actor=ADMIN,
                                   auto_response_template="thanks",
                                   default_priority=Priority.HIGH)
    assert category.aggregate.slug == "billing-payments"
    with pytest.raises(InvalidInput, match="already exists"):
        app.create_category("billing-payments", name="Again", actor=ADMIN)
    with pytest.raises(InvalidInput, match="sla_policy"):
        app.create_category("x", name="X", actor=ADMIN, sla_policy="missing")
    opened = open_ticket(app, category="billing-payments")
    assert opened.ticket.priority is Priority.HIGH
    app.update_category("billing-payments", actor=ADMIN, active=False)
    with pytest.raises(UnknownCategory):
        open_ticket(app, category="billing-payments")


def test_agent_tokens_authenticate_until_rotated(app):
    created = app.create_agent(email="Eve@Example.com", name="Eve", role=Role.AUDITOR,
                               actor=ADMIN)
    assert app.authenticate_agent(created.token).email == "eve@example.com"
    assert app.authenticate_agent("forged-token") is None
    rotated = app.rotate_agent_token(created.agent.agent_id, actor=ADMIN)
    assert app.authenticate_agent(created.token) is None
    assert app.authenticate_agent(rotated.token).agent_id == created.agent.agent_id
    app.update_agent(created.agent.agent_id, actor=ADMIN, active=False)
    assert app.authenticate_agent(rotated.token) is None


def test_customers_and_orders(app):
    from datetime import date
    from decimal import Decimal

    from domain.customer import Order

    saved = app.upsert_customer(email="Carla@Example.com", name="Carla", branch="north",
                                orders=[Order("A-100", date(2026, 2, 1), Decimal("19.99"))])
    assert saved.aggregate.find_order("A-100").total == Decimal("19.99")
    app.link_order("carla@example.com", Order("A-101", date(2026, 2, 3), Decimal("5.00")))
    opened = open_ticket(app, customer_email="carla@example.com", order_ref="A-101")
    assert opened.ticket.branch == "north"
    with pytest.raises(NotFound):
        app.link_order("nobody@example.com", Order("A-1", date(2026, 1, 1), Decimal(1)))


def test_long_histories_load_from_snapshots(app):
    number = open_ticket(app).ticket.number
    for i in range(12):
        app.add_message(number, f"note {i}", author=Actor.agent("a-1"),
                        visibility=Visibility.INTERNAL)
    ticket = app.get_ticket(number)
    assert ticket.version == 13
    snapshots = list(app.snapshots.get(ticket.id))
    assert [s.originator_version for s in snapshots] == [5, 10]
    assert app.get_ticket(number, version=7).messages[-1].body == "note 5"
    opened_events = [e for e in app.events.get(ticket.id) if isinstance(e, Opened)]
    assert len(opened_events) == 1


def test_a_refused_opening_does_not_use_up_a_number(app):
    open_ticket(app)
    with pytest.raises(InvalidInput):
        open_ticket(app, subject="x" * 500)
    assert open_ticket(app).ticket.number == "TKT-2026-000002"
