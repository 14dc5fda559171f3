"""Unit tests of the configuration aggregates in domain/ (no I/O)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from domain import customer as customer_module
from domain.agent import CAPACITY_MAX, DEFAULT_CAPACITY, Agent, AgentCredential
from domain.calendar import ALWAYS_OPEN, BusinessCalendar, OpeningHours, standard_week
from domain.category import Category
from domain.customer import Customer, Order, check_order
from domain.errors import InvalidInput
from domain.sla import DEFAULT_TARGETS, SlaPolicy, SlaTarget, SlaTerms, check_targets
from domain.template import Template
from domain.values import Actor, Priority, Role

ACTOR = Actor.system("test")
DAY = date(2026, 1, 15)


def event_names(aggregate: Aggregate) -> list[str]:
    return [type(e).__name__ for e in aggregate.pending_events]


# --- categories -----------------------------------------------------------------------------


def test_category_create_records_created_and_configured() -> None:
    category = Category.create("returns-eu", actor=ACTOR, name="  Returns EU ",
                               description=" Parcels back ", sla_policy="gold")
    assert event_names(category) == ["CategoryCreated", "CategoryConfigured"]
    assert category.id == Category.create_id("returns-eu")
    assert (category.slug, category.name, category.description, category.active) == (
        "returns-eu", "Returns EU", "Parcels back", True)
    assert (category.default_priority, category.auto_response_template, category.sla_policy) == (
        Priority.MEDIUM, None, "gold")
    assert vars(category.pending_events[0])["actor"] == ACTOR and category.version == 2


@pytest.mark.parametrize("slug", ["Billing", "-billing", "billing-", "bill ing", "bill_ing",
                                  "", "   ", "a" * 49, "été"])
def test_category_slug_rules(slug: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        Category.create(slug, actor=ACTOR, name="X")
    assert list(excinfo.value.errors) == ["id"]
    for good in ("a", "billing", "returns-eu", "b2b", "a" * 48):
        assert Category.create(good, actor=ACTOR, name="X").slug == good


@pytest.mark.parametrize(("name", "reason"), [
    ("", "must not be empty"), ("   ", "must not be empty"),
    ("x" * 121, "must be at most 120 characters"), ("two\nlines", "must not contain control")])
def test_category_name_is_required_and_bounded(name: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        Category.create("billing", actor=ACTOR, name=name)
    assert list(excinfo.value.errors) == ["name"]
    assert excinfo.value.errors["name"].startswith(reason)


def test_category_configure_replaces_every_setting() -> None:
    category = Category.create("billing", actor=ACTOR, name="Billing")
    category.collect_events()
    other = Actor.agent("admin-1")
    category.configure(actor=other, name="Payments", description="", active=False,
                       default_priority=Priority.HIGH, auto_response_template="ack",
                       sla_policy=None)
    assert event_names(category) == ["CategoryConfigured"]
    assert vars(category.pending_events[0])["actor"] == other
    assert (category.name, category.active, category.default_priority) == (
        "Payments", False, Priority.HIGH)
    assert (category.auto_response_template, category.sla_policy) == ("ack", None)
    with pytest.raises(InvalidInput) as excinfo:
        category.configure(actor=other, name="X", description="d" * 2001, active=True,
                           default_priority=Priority.LOW, auto_response_template=None,
                           sla_policy=None)
    assert list(excinfo.value.errors) == ["description"]
    assert len(category.pending_events) == 1


# --- agents ---------------------------------------------------------------------------------


def register(email: str = "Bob@Example.COM", **kwargs: Any) -> Agent:
    kwargs.setdefault("name", "Bob")
    kwargs.setdefault("role", Role.AGENT)
    return Agent.register(email, actor=ACTOR, **kwargs)


def test_agent_register_normalises_and_records_events() -> None:
    agent = register("  Bob@Example.COM ", skills=["shipping", " billing ", "billing"],
                     branches=[" south", "north", "", "north", "  "])
    assert event_names(agent) == ["AgentRegistered", "AgentProfileSet"]
    assert agent.email == "bob@example.com"
    assert agent.id == Agent.create_id("bob@example.com") and agent.agent_id == str(agent.id)
    assert (agent.skills, agent.branches) == (("billing", "shipping"), ("north", "south"))
    assert (agent.capacity, agent.escalation, agent.active) == (DEFAULT_CAPACITY, False, True)
    assert agent.token_hash is None and agent.role is Role.AGENT


@pytest.mark.parametrize("capacity", [-1, CAPACITY_MAX + 1, True, False, 2.0, "5", None])
def test_agent_capacity_bounds(capacity: Any) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        register(capacity=capacity)
    assert excinfo.value.errors == {"capacity": "must be a whole number from 0 to 1000"}
    assert [register(capacity=c).capacity for c in (0, CAPACITY_MAX)] == [0, CAPACITY_MAX]


def test_agent_reports_every_bad_profile_field_at_once() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        register(name="", skills=["Not A Slug"], branches=["b" * 65], capacity=-5)
    assert set(excinfo.value.errors) == {"name", "skills", "branches", "capacity"}
    with pytest.raises(InvalidInput) as excinfo:
        register("not-an-email")
    assert list(excinfo.value.errors) == ["email"]


def test_agent_set_profile_replaces_the_profile_and_validates() -> None:
    agent = register()
    agent.collect_events()
    agent.set_profile(actor=ACTOR, name=" Robert ", role=Role.ADMIN, skills=["returns"],
                      branches=["west"], capacity=0, escalation=True, active=False)
    assert event_names(agent) == ["AgentProfileSet"]
    assert (agent.name, agent.role, agent.skills, agent.branches) == (
        "Robert", Role.ADMIN, ("returns",), ("west",))
    assert (agent.capacity, agent.escalation, agent.active) == (0, True, False)
    with pytest.raises(InvalidInput) as excinfo:
        agent.set_profile(actor=ACTOR, name="x", role=Role.AGENT, skills=[], branches=[],
                          capacity=1001, escalation=False, active=True)
    assert list(excinfo.value.errors) == ["capacity"]
    assert len(agent.pending_events) == 1 and agent.capacity == 0


def test_agent_issue_token_replaces_the_hash() -> None:
    agent = register()
    agent.issue_token("hash-1", actor=ACTOR)
    agent.issue_token("hash-2", actor=ACTOR)
    assert event_names(agent)[-2:] == ["TokenIssued", "TokenIssued"]
    assert agent.token_hash == "hash-2"


def test_agent_may_see_branch() -> None:
    assert all(register().may_see_branch(b) for b in ("north", "west", None))
    local = register(branches=["north", " south "])
    assert [local.may_see_branch(b) for b in ("north", "south", None, "west")] == [
        True, True, True, False]


def test_agent_credential_create_and_revoke() -> None:
    credential = AgentCredential.create("hash-1", "agent-1")
    assert credential.id == AgentCredential.create_id("hash-1")
    assert (credential.agent_id, credential.revoked) == ("agent-1", False)
    credential.revoke()
    credential.revoke()  # already revoked: no second event
    assert event_names(credential) == ["CredentialCreated", "CredentialRevoked"]
    assert credential.revoked is True


# --- customers ------------------------------------------------------------------------------


def order(number: str = "O-1", total: str = "10.00", **kwargs: Any) -> Order:
    return Order(number, DAY, Decimal(total), **kwargs)


def test_customer_register_and_update() -> None:
    customer = Customer.register(" Ann@X.IO ", " Ann ", "+49 30 1234", " north ")
    assert event_names(customer) == ["CustomerRegistered"]
    assert customer.id == Customer.create_id("ann@x.io") and customer.orders == []
    assert (customer.email, customer.name, customer.phone, customer.branch) == (
        "ann@x.io", "Ann", "+49 30 1234", "north")
    customer.update("Ann  ", " +49 30 1234", "north")  # same after normalising
    assert event_names(customer) == ["CustomerRegistered"]
    customer.update("Ann B", None, "")
    assert event_names(customer) == ["CustomerRegistered", "CustomerUpdated"]
    assert (customer.name, customer.phone, customer.branch) == ("Ann B", None, None)
    with pytest.raises(InvalidInput) as excinfo:
        Customer.register("a@x.io", "", "call me", "b" * 65)
    assert set(excinfo.value.errors) == {"name", "phone", "branch"}


def test_customer_link_order_relink_same_is_noop_and_changed_replaces() -> None:
    customer = Customer.register("a@x.io", "A")
    customer.link_order(order("O-1", products=(" P-1 ", "")))
    customer.link_order(order("O-2"))
    customer.collect_events()
    assert customer.find_order("O-1") == order("O-1", products=("P-1",))
    customer.link_order(order("O-1", products=("P-1",)))
    assert customer.pending_events == []
    changed = order("O-1", "12.50", currency="USD")
    customer.link_order(changed)
    assert event_names(customer) == ["OrderLinked"]
    assert customer.orders == [order("O-2"), changed]
    assert customer.find_order("O-9") is None


@pytest.mark.parametrize(("bad", "field"), [
    (order(total="-0.01"), "orders.total"), (order(total="NaN"), "orders.total"),
    (order(currency="eur"), "orders.currency"), (order(currency="EURO"), "orders.currency"),
    (order(products=tuple(f"P{i}" for i in range(101))), "orders.products"),
    (order(products=("bad ref!",)), "orders.products"), (order(number=" "), "orders.number")])
def test_check_order_refuses(bad: Order, field: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        check_order(bad)
    assert list(excinfo.value.errors) == [field]
    customer = Customer.register("a@x.io", "A")
    with pytest.raises(InvalidInput):
        customer.link_order(bad)
    assert customer.orders == [] and event_names(customer) == ["CustomerRegistered"]


def test_check_order_reports_several_fields_together() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        check_order(Order("", DAY, Decimal(-1), "eu", tuple(f"P{i}" for i in range(101))))
    assert set(excinfo.value.errors) == {
        "orders.number", "orders.total", "orders.currency", "orders.products"}


def test_check_order_keeps_other_errors_when_a_product_is_bad() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        check_order(order(total="-1", products=("bad ref!",)))
    assert set(excinfo.value.errors) == {"orders.total", "orders.products"}


def customer_at_limit(monkeypatch: pytest.MonkeyPatch) -> Customer:
    monkeypatch.setattr(customer_module, "ORDERS_PER_CUSTOMER_MAX", 2)
    customer = Customer.register("a@x.io", "A")
    customer.link_order(order("O-1"))
    customer.link_order(order("O-2"))
    return customer


def test_customer_order_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    customer = customer_at_limit(monkeypatch)
    with pytest.raises(InvalidInput) as excinfo:
        customer.link_order(order("O-3"))
    assert list(excinfo.value.errors) == ["orders"]


def test_customer_refresh_existing_order_at_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    customer = customer_at_limit(monkeypatch)
    customer.link_order(order("O-1", "99.00"))
    assert customer.orders == [order("O-2"), order("O-1", "99.00")]


# --- SLA policies ---------------------------------------------------------------------------


def test_sla_policy_create_with_defaults() -> None:
    policy = SlaPolicy.create("default", actor=ACTOR, name=" Default ")
    assert event_names(policy) == ["SlaPolicyCreated", "SlaPolicyDefined"]
    assert policy.id == SlaPolicy.create_id("default")
    assert (policy.slug, policy.name, policy.auto_close_days) == ("default", "Default", 7)
    assert policy.targets == DEFAULT_TARGETS and policy.calendar == ALWAYS_OPEN
    assert [t.priority for t in policy.targets] == [Priority.URGENT, Priority.HIGH,
                                                     Priority.MEDIUM, Priority.LOW]
    assert policy.terms(Priority.HIGH) == SlaTerms("default", 240, 1_440, ALWAYS_OPEN)


def test_sla_policy_define_sorts_targets_urgent_first() -> None:
    policy = SlaPolicy.create("gold", actor=ACTOR, name="Gold")
    policy.collect_events()
    calendar = standard_week(timezone="Europe/Berlin", holidays=["2026-12-25"])
    targets = [SlaTarget(p, 10 * (i + 1), 100 * (i + 1)) for i, p in enumerate(Priority)]
    policy.define(actor=ACTOR, name="Gold", targets=iter(targets), calendar=calendar,
                  auto_close_days=365)
    assert event_names(policy) == ["SlaPolicyDefined"]
    assert policy.targets == tuple(reversed(targets))
    assert (policy.calendar, policy.auto_close_days) == (calendar, 365)
    assert policy.terms(Priority.URGENT) == SlaTerms("gold", 40, 400, calendar)
    same = tuple(SlaTarget(p, 60, 60) for p in Priority)  # equal clocks are fine
    assert check_targets(same) == tuple(reversed(same))


def target(priority: Priority, first: object, resolution: object) -> SlaTarget:
    return SlaTarget(priority, first, resolution)  # type: ignore[arg-type]


MINUTES = "minutes must be whole numbers from 1 to 525600"


@pytest.mark.parametrize(("targets", "reason"), [
    (DEFAULT_TARGETS[:3], "missing targets for: low"),
    ((), "missing targets for: low, medium, high, urgent"),
    ((*DEFAULT_TARGETS, DEFAULT_TARGETS[0]), "urgent is given twice"),
    ((target(Priority.LOW, 61, 60),), "low: first response must not be later than resolution"),
    ((target(Priority.LOW, True, 60),), MINUTES), ((target(Priority.LOW, 0, 60),), MINUTES),
    ((target(Priority.LOW, 1, 525_601),), MINUTES), ((target(Priority.LOW, 1.5, 60),), MINUTES)])
def test_check_targets_refuses(targets: tuple[SlaTarget, ...], reason: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        check_targets(targets)
    assert excinfo.value.errors == {"targets": reason}
    with pytest.raises(InvalidInput):
        SlaPolicy.create("p", actor=ACTOR, name="P", targets=targets)


@pytest.mark.parametrize("days", [0, -1, 366, True, 7.0])
def test_sla_policy_auto_close_days_bounds(days: Any) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        SlaPolicy.create("p", actor=ACTOR, name="P", auto_close_days=days)
    assert list(excinfo.value.errors) == ["auto_close_days"]


@pytest.mark.parametrize("calendar", [
    BusinessCalendar(timezone="Mars/Olympus"), BusinessCalendar(holidays=("25.12.2026",)),
    BusinessCalendar(hours=(OpeningHours(7, "09:00", "17:00"),)),
    BusinessCalendar(hours=(OpeningHours(0, "17:00", "09:00"),))])
def test_sla_policy_bad_calendar_is_invalid_input(calendar: BusinessCalendar) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        SlaPolicy.create("p", actor=ACTOR, name="P", calendar=calendar)
    assert list(excinfo.value.errors) == ["calendar"]


# --- templates ------------------------------------------------------------------------------


def test_template_create_and_write() -> None:
    template = Template.create("ack", actor=ACTOR, name=" Ack ",
                               subject=" Re: {{ ticket.number }} ", body="Hello,\n\nthanks.\n")
    assert event_names(template) == ["TemplateCreated", "TemplateWritten"]
    assert template.id == Template.create_id("ack")
    assert (template.slug, template.name, template.subject, template.body, template.active) == (
        "ack", "Ack", "Re: {{ ticket.number }}", "Hello,\n\nthanks.", True)
    template.write(actor=ACTOR, name="Ack", subject="S", body="B", active=False)
    assert event_names(template)[-1] == "TemplateWritten" and template.active is False
    with pytest.raises(InvalidInput) as excinfo:
        Template.create("Not A Slug", actor=ACTOR, name="N", subject="S", body="B")
    assert list(excinfo.value.errors) == ["id"]


@pytest.mark.parametrize(("fields", "bad"), [
    ({"name": ""}, "name"), ({"subject": "a\nb"}, "subject"), ({"subject": "s" * 201}, "subject"),
    ({"body": "  "}, "body"), ({"body": "b" * 20_001}, "body")])
def test_template_write_refuses(fields: dict[str, str], bad: str) -> None:
    values = {"name": "N", "subject": "S", "body": "B", **fields}
    with pytest.raises(InvalidInput) as excinfo:
        Template.create("ack", actor=ACTOR, **values)
    assert list(excinfo.value.errors) == [bad]
