"""Round trips of real events and snapshots through application.mapper.TypedMapper."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import JSONTranscoder, MapperDeserialisationError, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from application.mapper import TypedMapper
from domain.agent import Agent, AgentCredential
from domain.calendar import BusinessCalendar, standard_week
from domain.category import Category
from domain.customer import Customer, Order
from domain.sla import DEFAULT_TARGETS, SlaPolicy, SlaTarget, SlaTerms
from domain.sla_clock import ResolutionPause
from domain.template import Template
from domain.ticket import Ticket
from domain.ticket_events import TICKET_EVENTS
from domain.ticket_state import Message
from domain.values import (
    Actor,
    Channel,
    CustomerRef,
    Priority,
    Role,
    SlaMetric,
    Status,
    Visibility,
)

MAPPER = TypedMapper(transcoder=JSONTranscoder())
SYSTEM = Actor.system("test")
AGENT = Actor.agent("agent-1")
CUSTOMER = Actor.customer("customer-1")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = standard_week(timezone="Europe/Berlin", holidays=["2026-12-25"])
TERMS = SlaTerms("gold", 60, 240, OFFICE)
CONFIG_EVENTS = {
    "CategoryCreated", "CategoryConfigured", "AgentRegistered", "AgentProfileSet", "TokenIssued",
    "CredentialCreated", "CredentialRevoked", "CustomerRegistered", "CustomerUpdated",
    "OrderLinked", "SlaPolicyCreated", "SlaPolicyDefined", "TemplateCreated", "TemplateWritten",
}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def open_ticket(number: str = "HD-1") -> Ticket:
    return Ticket.open(
        number=number, subject="Refund ✓", description="Line 1\nLine 2", channel=Channel.PORTAL,
        customer=CustomerRef("customer-1", "Ann", "ann@example.com"), category="billing",
        priority=Priority.LOW, actor=CUSTOMER, access_token_hash="hash", at=T0, branch="north",
        order_ref="O-1", product_ref="P-1", tags=["vip", "refund"], follow_up_of="HD-0",
        sla=TERMS)


def busy_ticket() -> Ticket:
    """A ticket whose pending events include every class in TICKET_EVENTS."""
    t = open_ticket()
    t.assign("agent-1", actor=AGENT, at=at(1), reason="skills")
    t.add_message("m1", "Hello", author=AGENT, visibility=Visibility.PUBLIC, at=at(2),
                  template="ack")
    t.change_status(Status.WAITING_CUSTOMER, actor=AGENT, at=at(3))
    t.add_message("m2", "Thanks", author=CUSTOMER, visibility=Visibility.PUBLIC, at=at(4))
    t.tag(["urgent:yes"], actor=AGENT, at=at(5))
    t.untag(["vip"], actor=AGENT, at=at(5))
    t.record_sla_breach(SlaMetric.FIRST_RESPONSE, datetime(2026, 3, 2, 10, 30, tzinfo=BERLIN),
                        actor=Actor.system("sla"), at=at(6))
    t.escalate(actor=AGENT, at=at(7), reason="angry", sla=replace(TERMS, resolution_minutes=200))
    t.change_priority(Priority.URGENT, actor=AGENT, at=at(8), sla=SlaTerms("default", 1, 2))
    t.change_category("shipping", actor=AGENT, at=at(8))
    t.add_message("m3", "note", author=AGENT, visibility=Visibility.INTERNAL, at=at(9))
    t.unassign(actor=AGENT, at=at(10))
    t.change_status(Status.CLOSED, actor=AGENT, at=at(11))
    t.link_follow_up("HD-2", actor=AGENT, at=at(12))
    t.delete(actor=SYSTEM, at=at(13), reason="spam")
    return t


def config_aggregates() -> list[Any]:
    customer = Customer.register("ann@example.com", "Ann", "+49 30 1234", "north")
    customer.update("Ann B", None, "south")
    customer.link_order(Order("O-1", date(2026, 1, 15), Decimal("1234.50"), "EUR", ("P-1",)))
    customer.link_order(Order("O-2", date(2026, 2, 1), Decimal("0.000"), "USD"))
    agent = Agent.register("bob@example.com", actor=SYSTEM, name="Bob", role=Role.ADMIN,
                           skills=["billing"], branches=["north"], capacity=0, escalation=True)
    agent.issue_token("token-hash", actor=SYSTEM)
    credential = AgentCredential.create("token-hash", agent.agent_id)
    credential.revoke()
    policy = SlaPolicy.create("gold", actor=SYSTEM, name="Gold", auto_close_days=3,
                              calendar=OFFICE)
    category = Category.create("billing", actor=SYSTEM, name="Billing", sla_policy="gold",
                               default_priority=Priority.HIGH, auto_response_template="ack")
    template = Template.create("ack", actor=SYSTEM, name="Ack", subject="Re: {{ ticket.number }}",
                               body="Hi {{ customer.name }},\n\n“thanks”")
    return [customer, agent, credential, policy, category, template]


def roundtrip(event: Any) -> tuple[StoredEvent, Any]:
    stored = MAPPER.to_stored_event(event)
    decoded = MAPPER.to_domain_event(stored)
    assert type(decoded) is type(event)
    assert decoded.__dict__ == event.__dict__
    return stored, decoded


def restored(stored: StoredEvent, state: bytes) -> StoredEvent:
    return StoredEvent(originator_id=stored.originator_id, topic=stored.topic,
                       originator_version=stored.originator_version, state=state)


def test_every_ticket_event_round_trips() -> None:
    events = busy_ticket().pending_events
    assert {type(e) for e in events} == set(TICKET_EVENTS)
    for event in events:
        stored, decoded = roundtrip(event)
        assert stored.topic == f"domain.ticket_events:{type(event).__name__}"
        assert stored.originator_id == event.originator_id
        assert decoded.timestamp.utcoffset() == event.timestamp.utcoffset() == timedelta(0)


def test_ticket_event_fields_keep_their_types() -> None:
    events: dict[str, object] = {}
    for event in busy_ticket().pending_events:
        events.setdefault(type(event).__name__, event)  # the first of each class
    opened = roundtrip(events["Opened"])[1]
    assert type(opened.customer) is CustomerRef and type(opened.actor) is Actor
    assert opened.channel is Channel.PORTAL and opened.priority is Priority.LOW
    assert opened.tags == ("refund", "vip") and type(opened.tags) is tuple
    assert opened.subject == "Refund ✓" and opened.description == "Line 1\nLine 2"
    assert opened.sla == TERMS and type(opened.sla) is SlaTerms
    assert type(opened.sla.calendar) is BusinessCalendar and opened.sla.calendar.holidays == (
        "2026-12-25",)
    breach = roundtrip(events["SlaBreached"])[1]
    assert breach.metric is SlaMetric.FIRST_RESPONSE
    assert breach.due_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert breach.due_at.utcoffset() == timedelta(hours=1)
    escalated = roundtrip(events["Escalated"])[1]
    assert (escalated.from_priority, escalated.to_priority) == (Priority.LOW, Priority.MEDIUM)
    assert escalated.sla.resolution_minutes == 200
    assert roundtrip(events["CategoryChanged"])[1].sla is None
    assert roundtrip(events["StatusChanged"])[1].to_status is Status.IN_PROGRESS


def test_every_config_event_round_trips() -> None:
    seen = set()
    for aggregate in config_aggregates():
        for event in aggregate.pending_events:
            seen.add(type(event).__name__)
            roundtrip(event)
    assert seen == CONFIG_EVENTS


def test_config_event_nested_values_keep_their_types() -> None:
    customer, agent, _, policy, category, _ = config_aggregates()
    order = roundtrip(customer.pending_events[2])[1].order
    assert type(order) is Order and type(order.placed_on) is date
    assert type(order.total) is Decimal and str(order.total) == "1234.50"
    assert str(roundtrip(customer.pending_events[3])[1].order.total) == "0.000"
    assert order.products == ("P-1",)
    profile = roundtrip(agent.pending_events[1])[1]
    assert profile.role is Role.ADMIN and profile.skills == ("billing",)
    defined = roundtrip(policy.pending_events[1])[1]
    assert all(type(t) is SlaTarget for t in defined.targets) and type(defined.targets) is tuple
    assert defined.calendar == policy.calendar and type(defined.calendar.hours) is tuple
    assert defined.calendar.hours[0].weekday == 0 and defined.calendar.holidays == ("2026-12-25",)
    assert roundtrip(category.pending_events[1])[1].default_priority is Priority.HIGH


def test_stored_state_is_compact_json_without_type_tags() -> None:
    events = [*busy_ticket().pending_events,
              *(e for a in config_aggregates() for e in a.pending_events)]
    for event in events:
        state = MAPPER.to_stored_event(event).state
        assert b'"_type_"' not in state and b"_data_" not in state
        data = json.loads(state)
        assert isinstance(data, dict)
        assert "originator_id" not in data and "originator_version" not in data
        compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        assert state == compact
    assigned = json.loads(MAPPER.to_stored_event(busy_ticket().pending_events[1]).state)
    chain = assigned.pop("_chain")  # ticket events carry their hash chain last
    assert sorted(chain) == ["digest", "prev"] and len(chain["digest"]) == 64
    assert assigned == {
        "timestamp": "2026-03-02T09:01:00Z", "actor": {"kind": "agent", "id": "agent-1"},
        "agent_id": "agent-1", "reason": "skills"}


@pytest.mark.parametrize(("index", "dropped", "expected"), [
    (1, ["reason"], {"reason": ""}),
    (0, ["branch", "order_ref", "product_ref", "tags", "follow_up_of", "sla"],
     {"branch": None, "order_ref": None, "product_ref": None, "tags": (), "follow_up_of": None,
      "sla": None}),
    (3, ["template"], {"template": None}),
])
def test_missing_fields_with_defaults_decode_to_the_default(
        index: int, dropped: list[str], expected: dict[str, Any]) -> None:
    event = busy_ticket().pending_events[index]
    stored = MAPPER.to_stored_event(event)
    data = json.loads(stored.state)
    for name in dropped:
        del data[name]
    decoded = MAPPER.to_domain_event(restored(stored, json.dumps(data).encode()))
    assert decoded.__dict__ == {**event.__dict__, **expected}


def test_unknown_fields_are_ignored() -> None:
    event = busy_ticket().pending_events[1]
    stored = MAPPER.to_stored_event(event)
    data = {**json.loads(stored.state), "added_later": 1}
    assert MAPPER.to_domain_event(restored(stored, json.dumps(data).encode())).__dict__ == (
        event.__dict__)


@pytest.mark.parametrize("state", [
    b"\x00\xffgarbage", b"", b"{", b"null", b"42", b'"text"',
    b'{"timestamp":"2026-03-02T09:01:00Z","actor":{"kind":"agent","id":"a"}}',  # no agent_id
    b'{"timestamp":"yesterday","actor":{"kind":"agent","id":"a"},"agent_id":"a"}',
    b'{"timestamp":"2026-03-02T09:01:00Z","actor":{"kind":"robot","id":"a"},"agent_id":"a"}',
])
def test_bad_state_raises_mapper_deserialisation_error(state: bytes) -> None:
    stored = MAPPER.to_stored_event(busy_ticket().pending_events[1])
    with pytest.raises(MapperDeserialisationError,
                       match=re.escape("cannot decode event domain.ticket_events:Assigned")):
        MAPPER.to_domain_event(restored(stored, state))


def test_json_array_state_raises_mapper_deserialisation_error() -> None:
    stored = MAPPER.to_stored_event(busy_ticket().pending_events[1])
    with pytest.raises(MapperDeserialisationError):
        MAPPER.to_domain_event(restored(stored, b"[1, 2]"))


def snapshot_copy(aggregate: Aggregate) -> Any:
    aggregate.collect_events()
    snapshot = Snapshot.take(aggregate)
    stored = MAPPER.to_stored_event(snapshot)
    assert b'"_type_"' not in stored.state
    decoded = MAPPER.to_domain_event(stored)
    assert type(decoded) is Snapshot and decoded.__dict__.keys() == snapshot.__dict__.keys()
    copy = decoded.mutate(None)
    assert type(copy) is type(aggregate)
    assert copy.__dict__ == aggregate.__dict__
    return copy


def test_ticket_snapshot_round_trips() -> None:
    ticket = busy_ticket()
    copy = snapshot_copy(ticket)
    assert copy.version == ticket.version == 18
    assert all(type(m) is Message and type(m.author) is Actor for m in copy.messages)
    assert copy.messages[1].visibility is Visibility.PUBLIC
    assert copy.breached == [SlaMetric.FIRST_RESPONSE] and type(copy.tags) is tuple
    assert copy.customer == ticket.customer and type(copy.customer) is CustomerRef
    assert copy.closed_at == at(11) and copy.waiting_seconds == 60.0
    assert copy.created_on == T0 and copy.modified_on == at(13)
    assert copy.sla == SlaTerms("default", 1, 2) and type(copy.sla_pause) is ResolutionPause
    assert copy.sla_pause.paused_since == at(11) and copy.sla_pause.paused_minutes == 1.0


def test_snapshot_then_later_events_equals_full_replay() -> None:
    ticket = open_ticket()
    ticket.assign("agent-1", actor=AGENT, at=at(1))
    ticket.change_status(Status.WAITING_CUSTOMER, actor=AGENT, at=at(2))
    copy = snapshot_copy(ticket)
    assert copy.waiting_since == at(2) and copy.sla_pause == ResolutionPause(0.0, at(2))
    ticket.add_message("m1", "back", author=CUSTOMER, visibility=Visibility.PUBLIC, at=at(5))
    for event in ticket.collect_events():
        copy = cast(Any, MAPPER.to_domain_event(MAPPER.to_stored_event(event))).mutate(copy)
    assert copy.__dict__ == ticket.__dict__
    assert copy.status is Status.OPEN and copy.waiting_seconds == 180.0
    assert copy.sla_pause == ResolutionPause(3.0, None)


@pytest.mark.parametrize("index", range(6))
def test_config_snapshots_round_trip(index: int) -> None:
    aggregate = config_aggregates()[index]
    copy = snapshot_copy(aggregate)
    if isinstance(copy, Customer):
        assert all(type(o) is Order and type(o.total) is Decimal for o in copy.orders)
    if isinstance(copy, SlaPolicy):
        assert copy.targets == DEFAULT_TARGETS and copy.calendar == OFFICE


OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(total=st.decimals(min_value=0, max_value=10**13, places=4, allow_nan=False,
                        allow_infinity=False),
       placed_on=st.dates(),
       number=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_./#:-]{0,20}", fullmatch=True))
def test_any_valid_order_round_trips(total: Decimal, placed_on: date, number: str) -> None:
    customer = Customer.register("ann@example.com", "Ann")
    customer.link_order(Order(number, placed_on, total))
    decoded = roundtrip(customer.pending_events[-1])[1]
    assert str(decoded.order.total) == str(total)


@given(when=st.datetimes(min_value=datetime(1970, 1, 1), timezones=OFFSETS),
       body=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1).filter(
           str.strip))
def test_any_aware_timestamp_and_body_round_trip(when: datetime, body: str) -> None:
    ticket = open_ticket()
    ticket.add_message("m1", body, author=AGENT, visibility=Visibility.INTERNAL, at=when)
    decoded = roundtrip(ticket.pending_events[-1])[1]
    assert decoded.timestamp.utcoffset() == when.utcoffset()
    assert decoded.body == ticket.messages[0].body == body.strip()
