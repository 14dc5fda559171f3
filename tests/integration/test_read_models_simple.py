"""The simple read models (messages, customers, configuration, notifications), filled by a
runner from the real application's log on SQLite and PostgreSQL, and rebuilt identically."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from domain.calendar import BusinessCalendar, OpeningHours
from domain.customer import Customer, Order
from domain.notification import Notification
from domain.sla import SlaTarget
from domain.values import Actor, Priority, Role, Visibility
from projections.configuration import ConfigurationReadModel
from projections.customers import CustomersReadModel
from projections.messages import MessagesReadModel
from projections.migrate import upgrade
from projections.notifications import NotificationsReadModel
from projections.read_model import ReadModel
from projections.runner import ProjectionRunner
from projections.store import ReadStore, open_read_store
from projections.tables import (
    categories,
    customer_orders,
    customers,
    metadata,
    notifications,
    sla_policies,
    templates,
    ticket_messages,
)
from projections.view import SqlView

ADMIN = Actor.system("test-admin")
MODEL_CLASSES: tuple[type[ReadModel], ...] = (
    MessagesReadModel, CustomersReadModel, ConfigurationReadModel, NotificationsReadModel)
TARGETS = (SlaTarget(Priority.URGENT, 30, 120), SlaTarget(Priority.HIGH, 60, 480),
           SlaTarget(Priority.MEDIUM, 120, 960), SlaTarget(Priority.LOW, 240, 1_920))
OFFICE = BusinessCalendar("Europe/Berlin", tuple(OpeningHours(d, "09:00", "17:00")
                                                 for d in range(5)), ("2026-12-25",))


def models_on(store: ReadStore) -> list[ReadModel]:
    return [cls(view=SqlView(store, cls.name)) for cls in MODEL_CLASSES]


def rows(store: ReadStore, table: Any) -> list[Any]:
    with store.reader.connect() as conn:
        return list(conn.execute(select(table).order_by(*table.primary_key.columns)))


def snapshot(store: ReadStore) -> dict[str, list[tuple[Any, ...]]]:
    return {table.name: [tuple(r) for r in rows(store, table)]
            for cls in MODEL_CLASSES for table in cls.tables}


def by_key(store: ReadStore, table: Any, key: str) -> dict[Any, Any]:
    return {getattr(r, key): r for r in rows(store, table)}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_read_models_follow_the_log_and_rebuild_identically(backend, request, make_app, clock):
    url = request.getfixturevalue(f"{backend}_url")
    app = make_app(url)
    store = open_read_store(url)
    try:
        upgrade(store)
        metadata.create_all(store.writer)  # the tables the migration does not create yet
        runner = ProjectionRunner(app, models_on(store), batch_size=7)
        runner.catch_up()

        # -- configuration ----------------------------------------------------------------
        clock.advance(minutes=1)
        agent = app.create_agent(email="ann@desk.example", name="Ann", role=Role.AGENT,
                                 actor=ADMIN).agent
        policy = app.create_sla_policy("vip", name="VIP", actor=ADMIN, targets=TARGETS,
                                       calendar=OFFICE, auto_close_days=3).aggregate
        ack = app.create_template("ack", name="Ack", subject="Re {{ ticket.number }}",
                                  body="Hello {{ customer.name }}", actor=ADMIN).aggregate
        billing = app.create_category("billing", name="Billing", actor=ADMIN,
                                      default_priority=Priority.HIGH,
                                      auto_response_template="ack", sla_policy="vip").aggregate
        runner.catch_up()  # part of the log now, the rest later
        clock.advance(minutes=5)
        billing = app.update_category("billing", actor=ADMIN, active=False,
                                      description="Invoices", sla_policy=None).aggregate
        ack = app.update_template("ack", actor=ADMIN, body="Hi {{ customer.name }}",
                                  active=False).aggregate
        policy = app.update_sla_policy("vip", actor=ADMIN, name="Very important").aggregate

        # -- tickets and messages ---------------------------------------------------------
        clock.advance(minutes=1)
        first = app.open_ticket(subject="Refund", description="Charged twice",
                                customer_name="Bob", customer_email="Bob@Example.com")
        bob = Actor.customer(first.ticket.customer.id)
        number = first.ticket.number
        said: list[tuple[Actor, str, Visibility, str | None, Any]] = []
        for author, body, visibility, template in [
            (bob, "Any news?", Visibility.PUBLIC, None),
            (Actor.agent(agent.agent_id), "On it", Visibility.PUBLIC, "ack"),
            (Actor.agent(agent.agent_id), "Check the bank", Visibility.INTERNAL, None),
        ]:
            clock.advance(minutes=3)
            saved = app.add_message(number, body, author=author, visibility=visibility,
                                    template=template)
            said.append((author, body, visibility, template, clock.now))
        runner.catch_up()
        clock.advance(minutes=1)
        second = app.open_ticket(subject="Where is it", description="Parcel late",
                                 customer_name="Cy", customer_email="cy@example.com")
        clock.advance(minutes=1)
        saved = app.add_message(second.ticket.number, "Tracking: 123", author=ADMIN)

        # -- customers --------------------------------------------------------------------
        order = Order("A-1", date(2026, 2, 1), Decimal("19.90"), "EUR", ("P-1", "P-2"))
        dana = app.upsert_customer(email="dana@example.com", name="Dana", phone="+49 30 1",
                                   orders=[order]).aggregate
        # an upsert replaces every contact detail: the phone is cleared
        dana = app.upsert_customer(email="dana@example.com", name="Dana D.",
                                   branch="Berlin").aggregate
        app.link_order("dana@example.com", Order("A-1", date(2026, 2, 1), Decimal("17.50"),
                                                 "EUR", ("P-1",)))
        app.link_order("dana@example.com", Order("B-2", date(2026, 2, 3), Decimal("5.00"),
                                                 "USD"))

        # -- notifications ----------------------------------------------------------------
        def request_note(recipient: str) -> Notification:
            note = Notification.request(
                cause_event_id=f"{first.ticket.id}/1", recipient=recipient,
                recipient_kind="customer", channel="email", kind="ticket_opened",
                subject="We got it", body="Thanks", ticket_number=number)
            app.save_all(note)
            return note

        delivered, failed, pending = (request_note(r) for r in ("a@x.io", "b@x.io", "c@x.io"))
        delivered.failed("timeout", final=False)
        delivered.delivered()
        app.save_all(delivered)
        delivered.mark_read()
        failed.failed("rejected", final=False)
        failed.failed("mailbox unknown", final=True)
        app.save_all(delivered, failed)

        runner.catch_up()

        # -- messages ---------------------------------------------------------------------
        messages = rows(store, ticket_messages)
        assert len(messages) == 4
        first_rows = sorted((m for m in messages if m.number == number),
                            key=lambda m: m.position)
        assert [(m.ticket_id, m.author_kind, m.author_id, m.body, m.visibility, m.template,
                 m.created_at) for m in first_rows] == [
            (str(first.ticket.id), a.kind.value, a.id, b, v.value, t, at)
            for a, b, v, t, at in said]
        (other,) = (m for m in messages if m.number != number)
        assert (other.number, other.ticket_id, other.author_kind, other.author_id,
                other.visibility, other.position) == (
            second.ticket.number, str(second.ticket.id), "system", "test-admin", "public",
            saved.position)

        # -- customers --------------------------------------------------------------------
        found = by_key(store, customers, "email")
        assert set(found) == {"bob@example.com", "cy@example.com", "dana@example.com"}
        d = found["dana@example.com"]
        assert (d.customer_id, d.name, d.phone, d.branch, d.created_at, d.updated_at) == (
            str(dana.id), "Dana D.", None, "Berlin", dana.created_on, dana.modified_on)
        b = found["bob@example.com"]
        assert (b.customer_id, b.name, b.phone, b.branch) == (bob.id, "Bob", None, None)
        bob_now = app.find(Customer, Customer.create_id("bob@example.com"))
        assert b.created_at == b.updated_at == bob_now.created_on
        orders = [(o.customer_id, o.number, o.placed_on, o.total, o.currency, o.products)
                  for o in rows(store, customer_orders)]
        assert orders == [
            (str(dana.id), "A-1", date(2026, 2, 1), Decimal("17.50"), "EUR", "P-1"),
            (str(dana.id), "B-2", date(2026, 2, 3), Decimal("5.00"), "USD", "")]

        # -- configuration ----------------------------------------------------------------
        cats = by_key(store, categories, "slug")
        assert set(cats) == {"general", "billing"}
        c = cats["billing"]
        assert (c.name, c.description, c.active, c.default_priority, c.auto_response_template,
                c.sla_policy, c.version, c.updated_at) == (
            "Billing", "Invoices", False, "high", "ack", None, billing.version,
            billing.modified_on)
        assert cats["general"].sla_policy is None and cats["general"].version == 2
        policies = by_key(store, sla_policies, "slug")
        assert set(policies) == {"default", "vip"}
        p = policies["vip"]
        assert (p.name, p.auto_close_days, p.version, p.updated_at) == (
            "Very important", 3, policy.version, policy.modified_on)
        assert msgspec.json.decode(p.targets, type=tuple[SlaTarget, ...]) == TARGETS
        assert msgspec.json.decode(p.calendar, type=BusinessCalendar) == OFFICE
        assert msgspec.json.decode(policies["default"].calendar,
                                   type=BusinessCalendar) == BusinessCalendar()
        (t,) = rows(store, templates)
        assert (t.slug, t.name, t.subject, t.body, t.active, t.version, t.updated_at) == (
            "ack", "Ack", "Re {{ ticket.number }}", "Hi {{ customer.name }}", False,
            ack.version, ack.modified_on)

        # -- notifications ----------------------------------------------------------------
        notes = by_key(store, notifications, "recipient")
        expected = {n.recipient: n for n in (delivered, failed, pending)}
        assert set(notes) == set(expected)
        for recipient, note in expected.items():
            row = notes[recipient]
            assert (row.notification_id, row.cause_event_id, row.recipient_kind, row.channel,
                    row.kind, row.ticket_number, row.subject, row.body) == (
                str(note.id), note.cause_event_id, "customer", "email", "ticket_opened",
                number, "We got it", "Thanks")
            assert (row.status, row.attempts, row.reason, row.read, row.created_at,
                    row.updated_at) == (note.status, note.attempts, note.reason, note.read,
                                        note.created_on, note.modified_on)
        assert [(notes[r].status, notes[r].attempts, notes[r].reason, notes[r].read)
                for r in ("a@x.io", "b@x.io", "c@x.io")] == [
            ("delivered", 2, "timeout", True), ("failed", 2, "mailbox unknown", False),
            ("pending", 0, "", False)]

        # -- idempotent, and rebuilt identically from scratch -----------------------------
        before = snapshot(store)
        assert runner.catch_up() == 0
        assert snapshot(store) == before
        with store.writer.begin() as conn:
            for model in runner.models:
                model.clear(conn)
                model.view.reset(conn)
        assert all(not table_rows for table_rows in snapshot(store).values())
        rebuilt = ProjectionRunner(app, models_on(store))
        assert rebuilt.catch_up() > 0
        assert snapshot(store) == before
    finally:
        store.dispose()
