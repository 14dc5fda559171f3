"""The reacting side on the stub broker: routing, notifications, auto-responses, the SLA
monitor and auto-close — each idempotent under redelivery."""

from __future__ import annotations

import pytest

from domain.notification import Notification
from domain.values import Actor, Priority, Role, SlaMetric, Status, Visibility
from tests.integration.workers_harness import SETUP, add_agent, make_desk
from workers import reactions


@pytest.fixture
def desk(clock):
    desk = make_desk(clock)
    desk.app.create_category("billing", name="Billing", actor=SETUP)
    yield desk
    desk.close()


def open_ticket(desk, **fields):
    values = dict(subject="Charged twice", description="Card charged twice for A-1",
                  customer_name="Bob Buyer", customer_email="bob@example.com")
    return desk.app.open_ticket(**(values | fields)).ticket.number


def test_a_new_ticket_is_routed_by_skill_and_everyone_is_told(desk):
    add_agent(desk, "generalist")
    biller = add_agent(desk, "biller", skills=["billing"])
    add_agent(desk, "boss", role=Role.ADMIN)
    number = open_ticket(desk, category="billing")
    desk.settle()
    ticket = desk.app.get_ticket(number)
    assert ticket.assignee == biller and ticket.status is Status.IN_PROGRESS
    assert "skill 'billing'" in next(
        e.reason for e in desk.app.events.get(ticket.id) if type(e).__name__ == "Assigned")
    sent = {(m.to, m.subject.split("] ")[1].split(":")[0]) for m in desk.mailer.sent}
    assert ("bob@example.com", "We received your request") in sent
    assert ("biller@desk.example", "Assigned to you") in sent
    created = next(m for m in desk.mailer.sent if m.to == "bob@example.com")
    assert f"http://desk.test/portal/tickets/{number}#token=" in created.body
    token = created.body.split("#token=")[1].split()[0]
    assert desk.app.authenticate_customer(number, token) is not None


def test_nobody_available_waits_until_capacity_frees(desk):
    only = add_agent(desk, "solo", capacity=1)
    numbers = [open_ticket(desk), open_ticket(desk, customer_email="eve@example.com")]
    desk.settle()
    assignees = {n: desk.app.get_ticket(n).assignee for n in numbers}
    assert sorted(assignees.values(), key=str) == [None, only]  # capacity 1: one waits
    taken = next(n for n, a in assignees.items() if a == only)
    waiting = next(n for n, a in assignees.items() if a is None)
    desk.app.change_status(taken, Status.RESOLVED, actor=Actor.agent(only))
    desk.settle()
    assert desk.app.get_ticket(waiting).assignee == only


def test_auto_response_is_posted_once_and_emailed(desk):
    desk.app.create_template("ack", name="Ack", subject="We got it",
                             body="Hi {{ customer.name }}, we got {{ ticket.number }}.",
                             actor=SETUP)
    desk.app.update_category("billing", actor=SETUP, auto_response_template="ack")
    number = open_ticket(desk, category="billing")
    desk.settle()
    opened = next(iter(desk.app.events.get(desk.app.get_ticket(number).id)))
    desk.actors[reactions.AUTO_RESPOND].send(str(opened.originator_id), 1)  # redelivered
    desk.settle()
    ticket = desk.app.get_ticket(number)
    replies = [m for m in ticket.messages if m.template == "ack"]
    assert len(replies) == 1 and replies[0].body == f"Hi Bob Buyer, we got {number}."
    assert replies[0].visibility is Visibility.PUBLIC and ticket.first_response_at is None
    emailed = [m for m in desk.mailer.sent if m.body.startswith("Hello Bob Buyer,\n\nHi Bob")]
    assert len(emailed) == 1


def test_a_redelivered_notification_sends_one_email(desk):
    number = open_ticket(desk)
    desk.settle()
    before = len(desk.mailer.sent)
    opened = next(iter(desk.app.events.get(desk.app.get_ticket(number).id)))
    for _ in range(2):
        desk.actors[reactions.NOTIFY].send(str(opened.originator_id), 1)
    desk.settle()
    assert len(desk.mailer.sent) == before


def test_transient_failures_are_retried_and_permanent_ones_recorded(desk):
    desk.mailer.fail_next(1, permanent=False)
    number = open_ticket(desk)
    desk.settle()
    assert [m.to for m in desk.mailer.sent] == ["bob@example.com"]
    desk.mailer.fail_next(1, permanent=True, reason="550 no such user")
    desk.app.add_message(number, "any news?", author=Actor.agent("a"))
    desk.settle()
    ticket = desk.app.get_ticket(number)
    causes = [f"{e.originator_id}:{e.originator_version}" for e in desk.app.events.get(ticket.id)
              if type(e).__name__ in ("Opened", "MessageAdded")]
    notes = [desk.app.find(Notification, Notification.create_id(cause, "bob@example.com",
                                                                 "email")) for cause in causes]
    assert [n.status for n in notes] == ["delivered", "failed"]
    assert notes[1].reason == "550 no such user"


def test_the_sla_monitor_breaches_and_escalates_once(desk, clock):
    agent = add_agent(desk, "slow")
    number = open_ticket(desk, priority=Priority.HIGH)  # 240 min first response
    desk.settle()
    assert desk.app.get_ticket(number).assignee == agent
    clock.advance(minutes=241)
    for _ in range(2):
        desk.actors[reactions.SLA_MONITOR].send()
        desk.settle()
    ticket = desk.app.get_ticket(number)
    assert ticket.breached == [SlaMetric.FIRST_RESPONSE]
    assert ticket.priority is Priority.URGENT and ticket.escalation_level == 1
    assert ticket.sla.resolution_minutes == 1440  # escalation keeps the terms
    assert any("SLA breached" in m.subject and m.to == "slow@desk.example"
               for m in desk.mailer.sent)


def test_waiting_on_the_customer_pauses_the_resolution_clock(desk, clock):
    number = open_ticket(desk, priority=Priority.URGENT)  # 60 / 240 minutes
    desk.app.add_message(number, "what is your order number?", author=Actor.agent("a"))
    desk.app.change_status(number, Status.WAITING_CUSTOMER, actor=Actor.agent("a"))
    desk.settle()
    clock.advance(minutes=300)
    desk.actors[reactions.SLA_MONITOR].send()
    desk.settle()
    assert desk.app.get_ticket(number).breached == []


def test_resolved_tickets_close_after_the_policy_delay(desk, clock):
    number = open_ticket(desk)
    desk.app.change_status(number, Status.RESOLVED, actor=Actor.agent("a"))
    desk.settle()
    clock.advance(days=6)
    desk.actors[reactions.AUTO_CLOSE].send()
    desk.settle()
    assert desk.app.get_ticket(number).status is Status.RESOLVED
    clock.advance(days=1, minutes=1)
    desk.actors[reactions.AUTO_CLOSE].send()
    desk.settle()
    assert desk.app.get_ticket(number).status is Status.CLOSED
    assert any("Closed" in m.subject for m in desk.mailer.sent)


def test_the_sla_monitor_respects_business_hours(desk, clock):
    from datetime import UTC, datetime

    from domain.calendar import standard_week
    from domain.sla import DEFAULT_TARGETS

    desk.app.create_sla_policy("office", name="Office hours", actor=SETUP,
                               targets=DEFAULT_TARGETS, calendar=standard_week("09:00", "17:00"))
    desk.app.update_category("billing", actor=SETUP, sla_policy="office")
    clock.now = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # Friday, 30 open minutes left
    number = open_ticket(desk, category="billing", priority=Priority.URGENT)  # 60 minutes
    desk.settle()
    clock.now = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # Sunday: closed all weekend
    desk.actors[reactions.SLA_MONITOR].send()
    desk.settle()
    assert desk.app.get_ticket(number).breached == []
    clock.now = datetime(2026, 3, 9, 9, 31, tzinfo=UTC)  # Monday, 31 open minutes later
    desk.actors[reactions.SLA_MONITOR].send()
    desk.settle()
    assert desk.app.get_ticket(number).breached == [SlaMetric.FIRST_RESPONSE]


def test_an_auto_response_that_cannot_be_rendered_is_recorded_on_the_ticket(desk):
    desk.app.create_template("ack", name="Ack", subject="s", body="Hi {{ customer.name }}",
                             actor=SETUP)
    desk.app.update_category("billing", actor=SETUP, auto_response_template="ack")
    desk.app.update_template("ack", actor=SETUP, active=False)  # broken at send time
    number = open_ticket(desk, category="billing")
    desk.settle()
    notes = [m for m in desk.app.get_ticket(number).messages
             if m.visibility is Visibility.INTERNAL]
    assert len(notes) == 1 and "auto-response 'ack' was not sent" in notes[0].body


def test_actor_outcomes_are_counted(desk):
    from prometheus_client import REGISTRY

    from workers.metrics import ActorOutcomes

    desk.broker.add_middleware(ActorOutcomes())
    before = REGISTRY.get_sample_value("helpdesk_actor_messages_total",
                                       {"actor": "notify", "outcome": "succeeded"}) or 0
    open_ticket(desk)
    desk.settle()
    after = REGISTRY.get_sample_value("helpdesk_actor_messages_total",
                                      {"actor": "notify", "outcome": "succeeded"})
    assert after is not None and after > before


def test_an_sla_at_risk_warning_goes_out_once_and_the_read_models_keep_up(desk, clock):
    agent = add_agent(desk, "warned")
    number = open_ticket(desk, priority=Priority.HIGH)  # first response due in 240 minutes
    desk.settle()
    assert desk.app.get_ticket(number).assignee == agent
    clock.advance(minutes=200)  # past 80 %, before the deadline
    for _ in range(2):
        desk.actors[reactions.SLA_MONITOR].send()
        desk.settle()  # waits for every read model, so a stuck projector would fail here
    warnings = [m for m in desk.mailer.sent if "SLA at risk" in m.subject]
    assert [m.to for m in warnings] == ["warned@desk.example"]
    assert desk.app.get_ticket(number).breached == []
