"""The demo data: a consistent month of help-desk history, stamped in the past, in order."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.agent import AgentRegistered
from domain.customer import CustomerRegistered
from domain.errors import Conflict
from domain.ticket_events import Opened
from domain.values import Priority, Role, Status, Visibility
from helpdesk.demo import ADMIN_EMAIL, already_seeded, seed_demo

NOW = datetime(2026, 3, 20, 15, 30, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def demo_url(request) -> str:
    return "memory://" if request.param == "memory" else request.getfixturevalue("sqlite_url")


def empty_app(make_app, clock, url="memory://"):
    """A new help desk whose defaults were created well before the demo's month."""
    clock.now = NOW - timedelta(days=60)
    return make_app(url)


def stored_events(app) -> list:
    records = app.recorder.select_notifications(start=1, limit=100_000)
    return [app.mapper.to_domain_event(record) for record in records]


def test_the_demo_fills_an_empty_help_desk(make_app, clock, demo_url):
    app = empty_app(make_app, clock, demo_url)
    assert not already_seeded(app)
    ticks: list[int] = []

    report = seed_demo(app, tickets=60, days=30, seed=7, now=NOW, progress=ticks.append)

    assert already_seeded(app)
    assert app.clock is clock, "the application's own clock is back"
    assert ticks == [1] * 60
    events = stored_events(app)
    created = Counter(type(e) for e in events)
    assert report.ticket_count == len(report.ticket_numbers) == created[Opened] == 60
    assert report.customer_count == created[CustomerRegistered] >= 60
    assert len(report.tokens) == created[AgentRegistered] == 9
    assert report.events == len(events) - 4  # the defaults: a policy and a category

    tickets = [app.get_ticket(number) for number in report.ticket_numbers]
    live = [t for t in tickets if not t.deleted]
    assert {t.status for t in live} == set(Status)
    assert report.statuses == Counter(
        "deleted" if t.deleted else str(t.status) for t in tickets)
    assert any(m.visibility is Visibility.INTERNAL for t in live for m in t.messages)
    assert any(t.reopen_count for t in live)
    assert any(t.breached for t in live)
    assert any(t.escalation_level for t in live)
    assert any(t.assignee is None and t.status is Status.OPEN for t in live)
    assert sum(t.deleted for t in tickets) == 2
    follow_ups = [t for t in live if t.follow_up_of]
    assert follow_ups
    for follow_up in follow_ups:
        original = app.get_ticket(follow_up.follow_up_of)
        assert original.status is Status.CLOSED and follow_up.number in original.follow_ups
        assert original.customer == follow_up.customer
    active = sum(t.status in (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_CUSTOMER)
                 for t in live)
    assert 0.15 <= active / len(live) <= 0.5

    stamps = [e.timestamp for e in events]
    assert stamps == sorted(stamps), "timestamps never go back in log order"
    assert stamps[-1] < NOW
    assert min(t.opened_at for t in tickets) >= NOW - timedelta(days=30)


def test_the_configuration_and_the_accounts(make_app, clock):
    app = empty_app(make_app, clock)
    report = seed_demo(app, tickets=30, now=NOW)

    admin = app.authenticate_agent(report.admin_token)
    assert (admin.email, admin.role) == (ADMIN_EMAIL, Role.ADMIN)
    assert report.tokens[ADMIN_EMAIL] == report.admin_token
    roles = Counter(app.authenticate_agent(token).role for token in report.tokens.values())
    assert roles == {Role.ADMIN: 1, Role.AGENT: 6, Role.ANALYST: 1, Role.AUDITOR: 1}
    agents = [app.authenticate_agent(t) for t in report.tokens.values()]
    assert sum(a.escalation for a in agents) == 2
    assert {b for a in agents for b in a.branches} == {"north", "south"}
    assert any(a.role is Role.AGENT and not a.branches for a in agents)

    policy = app.get_sla_policy("business-hours")
    assert policy.calendar.timezone == "Europe/Berlin"
    assert not policy.calendar.is_open(datetime(2026, 3, 14, 12, tzinfo=UTC))  # a Saturday
    start, end = (NOW - timedelta(days=30)).date(), NOW.date()
    assert sum(start <= date.fromisoformat(d) < end for d in policy.calendar.holidays) == 2
    default = app.get_sla_policy("default")
    assert (policy.target_for(Priority.URGENT).first_response_minutes
            < default.target_for(Priority.URGENT).first_response_minutes)
    for slug in ("ack", "shipping-delay", "refund-approved", "need-more-info"):
        assert app.get_template(slug).active
    assert app.active_category("billing").auto_response_template == "ack"
    assert app.active_category("returns").sla_policy == "business-hours"
    assert report.admin_token in report.summary()

    with pytest.raises(Conflict):
        seed_demo(app, tickets=5, now=NOW)


def test_the_same_seed_gives_the_same_tickets(make_app, clock):
    def seeded(seed: int) -> list[tuple[str, str, Status]]:
        app = empty_app(make_app, clock)
        report = seed_demo(app, tickets=60, seed=seed, now=NOW)
        return [(t.number, t.subject, t.status)
                for t in map(app.get_ticket, report.ticket_numbers)]

    first = seeded(3)
    assert seeded(3) == first
    assert seeded(4) != first


def test_without_now_the_demo_ends_before_the_real_time(make_app, clock):
    app = empty_app(make_app, clock)
    seed_demo(app, tickets=20, days=10)
    assert stored_events(app)[-1].timestamp < datetime.now(tz=UTC)
