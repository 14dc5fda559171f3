"""The Ticket aggregate: opening, the transition table, messages, metrics, refusals."""

from __future__ import annotations

import pytest

from domain.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    TicketClosed,
    TicketDeleted,
    TransitionRefused,
)
from domain.metrics import measure
from domain.rules import SUBJECT_MAX
from domain.ticket_events import MessageAdded, StatusChanged
from domain.transitions import AGENT_TRANSITIONS
from domain.values import Priority, SlaMetric, Status, Visibility
from tests.unit.ticket_factory import ANN, BOB, ROBOT, T0, at, new_ticket


def event_names(ticket) -> list[str]:
    return [type(e).__name__ for e in ticket.collect_events()]


def ticket_in(status: Status):
    """A ticket brought into ``status`` by legal moves."""
    ticket = new_ticket()
    path = {
        Status.OPEN: [],
        Status.IN_PROGRESS: [Status.IN_PROGRESS],
        Status.WAITING_CUSTOMER: [Status.WAITING_CUSTOMER],
        Status.RESOLVED: [Status.RESOLVED],
        Status.CLOSED: [Status.CLOSED],
    }[status]
    for step in path:
        ticket.change_status(step, actor=ANN, at=at(1))
    ticket.collect_events()
    return ticket


def test_opening_records_opened_with_the_given_fields():
    ticket = new_ticket(tags=["VIP", "vip", "late"])
    assert ticket.status is Status.OPEN
    assert ticket.tags == ("late", "vip")
    assert ticket.created_on == T0
    assert event_names(ticket) == ["Opened"]
    assert ticket.id == type(ticket).create_id("TKT-2026-000001")


def test_opening_reports_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as refused:
        new_ticket(subject="  ", description="", order_ref="bad ref!", tags=["no spaces"])
    assert set(refused.value.errors) == {"subject", "description", "order_ref", "tags"}


def test_subject_longer_than_the_limit_is_refused():
    with pytest.raises(InvalidInput, match="subject"):
        new_ticket(subject="x" * (SUBJECT_MAX + 1))
    assert new_ticket(subject="x" * SUBJECT_MAX).subject == "x" * SUBJECT_MAX


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("requested", list(Status))
def test_agents_may_make_exactly_the_moves_in_the_table(current, requested):
    ticket = ticket_in(current)
    if requested in AGENT_TRANSITIONS[current]:
        ticket.change_status(requested, actor=ANN, at=at(5))
        assert ticket.status is requested
    else:
        before = dict(vars(ticket))
        with pytest.raises(TransitionRefused):
            ticket.change_status(requested, actor=ANN, at=at(5))
        assert vars(ticket) == before


def test_the_system_may_only_auto_close_resolved_tickets_and_start_work_on_assignment():
    ticket = ticket_in(Status.RESOLVED)
    ticket.change_status(Status.CLOSED, actor=ROBOT, at=at(9))
    assert ticket.status is Status.CLOSED
    with pytest.raises(TransitionRefused):
        ticket_in(Status.IN_PROGRESS).change_status(Status.CLOSED, actor=ROBOT, at=at(9))


def test_customers_cannot_change_status():
    with pytest.raises(NotAllowed):
        new_ticket().change_status(Status.RESOLVED, actor=BOB, at=at(1))


def test_assigning_an_open_ticket_starts_work():
    ticket = new_ticket()
    ticket.collect_events()
    ticket.assign("a-1", actor=ANN, at=at(3), reason="picked")
    assert (ticket.assignee, ticket.status) == ("a-1", Status.IN_PROGRESS)
    assert event_names(ticket) == ["Assigned", "StatusChanged"]
    ticket.assign("a-1", actor=ANN, at=at(4))
    assert event_names(ticket) == []


def test_assigning_a_waiting_ticket_keeps_its_status():
    ticket = ticket_in(Status.WAITING_CUSTOMER)
    ticket.assign("a-2", actor=ANN, at=at(3))
    assert ticket.status is Status.WAITING_CUSTOMER


@pytest.mark.parametrize("status", [Status.WAITING_CUSTOMER, Status.RESOLVED])
def test_a_customer_reply_reopens_waiting_and_resolved_tickets(status):
    ticket = ticket_in(status)
    ticket.add_message("m1", "any news?", author=BOB, visibility=Visibility.PUBLIC, at=at(10))
    events = ticket.collect_events()
    assert ticket.status is Status.OPEN
    assert [type(e) for e in events] == [MessageAdded, StatusChanged]
    assert events[1].reason == "customer replied"


@pytest.mark.parametrize("status", [Status.OPEN, Status.IN_PROGRESS])
def test_a_customer_reply_leaves_open_and_in_progress_tickets_alone(status):
    ticket = ticket_in(status)
    ticket.add_message("m1", "more detail", author=BOB, visibility=Visibility.PUBLIC, at=at(10))
    assert ticket.status is status


def test_a_customer_reply_on_a_closed_ticket_is_refused_and_offers_a_follow_up():
    ticket = ticket_in(Status.CLOSED)
    with pytest.raises(TicketClosed, match="follow-up"):
        ticket.add_message("m1", "hello?", author=BOB, visibility=Visibility.PUBLIC, at=at(10))
    assert ticket.messages == []


def test_customers_cannot_write_internal_notes():
    with pytest.raises(InvalidInput, match="visibility"):
        new_ticket().add_message("m1", "x", author=BOB, visibility=Visibility.INTERNAL, at=at(1))


def test_agents_may_note_but_not_reply_on_closed_tickets():
    ticket = ticket_in(Status.CLOSED)
    ticket.add_message("m1", "for the record", author=ANN, visibility=Visibility.INTERNAL,
                       at=at(2))
    with pytest.raises(Conflict):
        ticket.add_message("m2", "hi", author=ANN, visibility=Visibility.PUBLIC, at=at(3))


def test_an_empty_or_oversized_message_is_refused():
    ticket = new_ticket()
    for body in ("", "   ", "x" * 20_001):
        with pytest.raises(InvalidInput, match="body"):
            ticket.add_message("m", body, author=ANN, visibility=Visibility.PUBLIC, at=at(1))


def test_first_response_counts_only_the_first_public_agent_reply():
    ticket = new_ticket()
    ticket.add_message("m1", "Thanks, we got it", author=ROBOT, visibility=Visibility.PUBLIC,
                       at=at(1))
    ticket.add_message("m2", "checking", author=ANN, visibility=Visibility.INTERNAL, at=at(2))
    ticket.add_message("m3", "more info", author=BOB, visibility=Visibility.PUBLIC, at=at(3))
    assert ticket.first_response_at is None
    ticket.add_message("m4", "On its way", author=ANN, visibility=Visibility.PUBLIC, at=at(30))
    ticket.add_message("m5", "Again", author=ANN, visibility=Visibility.PUBLIC, at=at(40))
    assert ticket.first_response_at == at(30)
    metrics = measure(ticket, ticket.opened_at, at(60))
    assert metrics.first_response_seconds == 30 * 60
    assert metrics.messages_by_author == {"customer": 1, "agent": 3, "system": 1}
    assert metrics.messages_by_visibility == {"public": 4, "internal": 1}


def test_metrics_track_waiting_time_resolution_and_reopens():
    ticket = new_ticket()
    ticket.change_status(Status.WAITING_CUSTOMER, actor=ANN, at=at(10))
    ticket.add_message("m1", "here you go", author=BOB, visibility=Visibility.PUBLIC, at=at(40))
    ticket.change_status(Status.RESOLVED, actor=ANN, at=at(60))
    ticket.change_status(Status.IN_PROGRESS, actor=ANN, at=at(70))
    assert ticket.resolved_at is None
    ticket.change_status(Status.WAITING_CUSTOMER, actor=ANN, at=at(80))
    metrics = measure(ticket, ticket.opened_at, at(100))
    assert metrics.waiting_customer_seconds == (30 + 20) * 60
    assert metrics.reopen_count == 1
    ticket.change_status(Status.CLOSED, actor=ANN, at=at(120))
    metrics = measure(ticket, ticket.opened_at, at(500))
    assert metrics.resolution_seconds == 120 * 60
    assert metrics.age_seconds == 120 * 60
    assert metrics.waiting_customer_seconds == (30 + 40) * 60


def test_priority_category_and_tags_change_and_no_op_changes_record_nothing():
    ticket = new_ticket()
    ticket.collect_events()
    ticket.change_priority(Priority.MEDIUM, actor=ANN, at=at(1))
    ticket.change_category("shipping", actor=ANN, at=at(1))
    ticket.tag(["late"], actor=ANN, at=at(1))
    ticket.tag(["late"], actor=ANN, at=at(2))
    ticket.untag(["absent"], actor=ANN, at=at(2))
    assert event_names(ticket) == ["Tagged"]
    ticket.change_priority(Priority.HIGH, actor=ANN, at=at(3))
    ticket.change_category("billing", actor=ANN, at=at(3))
    ticket.untag(["late"], actor=ANN, at=at(3))
    assert (ticket.priority, ticket.category, ticket.tags) == (Priority.HIGH, "billing", ())


def test_closed_tickets_refuse_changes_other_than_notes():
    ticket = ticket_in(Status.CLOSED)
    for change in (
        lambda: ticket.assign("a-1", actor=ANN, at=at(2)),
        lambda: ticket.change_priority(Priority.URGENT, actor=ANN, at=at(2)),
        lambda: ticket.tag(["x"], actor=ANN, at=at(2)),
        lambda: ticket.escalate(actor=ROBOT, at=at(2)),
    ):
        with pytest.raises(Conflict):
            change()


def test_sla_breach_is_recorded_once_per_metric():
    ticket = new_ticket()
    assert ticket.record_sla_breach(SlaMetric.FIRST_RESPONSE, at(60), actor=ROBOT, at=at(61))
    assert not ticket.record_sla_breach(SlaMetric.FIRST_RESPONSE, at(60), actor=ROBOT, at=at(62))
    assert ticket.breached == [SlaMetric.FIRST_RESPONSE]


def test_escalation_raises_priority_one_level_and_urgent_stays_urgent():
    ticket = new_ticket(priority=Priority.HIGH)
    ticket.escalate(actor=ROBOT, at=at(1))
    assert (ticket.priority, ticket.escalation_level) == (Priority.URGENT, 1)
    ticket.escalate(actor=ROBOT, at=at(2))
    assert (ticket.priority, ticket.escalation_level) == (Priority.URGENT, 2)


def test_deleted_tickets_keep_history_but_refuse_commands():
    ticket = new_ticket()
    ticket.delete(actor=ANN, at=at(1), reason="spam")
    with pytest.raises(TicketDeleted):
        ticket.add_message("m", "x", author=BOB, visibility=Visibility.PUBLIC, at=at(2))
    with pytest.raises(TicketDeleted):
        ticket.delete(actor=ANN, at=at(3))
    assert ticket.deleted and ticket.version == 2


def test_customers_cannot_delete_or_assign():
    ticket = new_ticket()
    with pytest.raises(NotAllowed):
        ticket.delete(actor=BOB, at=at(1))
    with pytest.raises(NotAllowed):
        ticket.assign("a-1", actor=BOB, at=at(1))


def test_follow_ups_link_only_to_closed_tickets():
    with pytest.raises(Conflict):
        new_ticket().link_follow_up("TKT-2026-000002", actor=BOB, at=at(1))
    ticket = ticket_in(Status.CLOSED)
    ticket.link_follow_up("TKT-2026-000002", actor=BOB, at=at(1))
    assert ticket.follow_ups == ["TKT-2026-000002"]
