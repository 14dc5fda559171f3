"""SLA clocks: due times from terms, calendar and pauses; monotone in the targets and never
inside closed business hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import ALWAYS_OPEN, standard_week
from domain.sla import SlaTerms
from domain.sla_clock import ResolutionPause, due_times
from domain.values import Status

WEEK = standard_week("09:00", "17:00", timezone="Europe/Berlin", holidays=("2026-04-06",))
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def test_due_times_count_business_minutes_only():
    terms = SlaTerms("biz", first_response_minutes=60, resolution_minutes=8 * 60, calendar=WEEK)
    friday_4pm = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # 16:00 Berlin
    due = due_times(terms, friday_4pm, ResolutionPause())
    assert due.first_response_due == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # Fri 17:00
    assert due.first_response_at_risk == datetime(2026, 3, 6, 15, 48, tzinfo=UTC)
    assert due.resolution_due == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # Mon 16:00
    assert due.paused_remaining_minutes is None


def test_waiting_on_the_customer_pauses_only_the_resolution_clock():
    terms = SlaTerms("24x7", 60, 240)
    pause = ResolutionPause()
    pause = pause.moved(terms, Status.WAITING_CUSTOMER, MONDAY_9 + timedelta(minutes=30))
    paused = due_times(terms, MONDAY_9, pause)
    assert paused.resolution_due is None
    assert paused.paused_remaining_minutes == 210
    assert paused.first_response_due == MONDAY_9 + timedelta(minutes=60)
    pause = pause.moved(terms, Status.OPEN, MONDAY_9 + timedelta(minutes=130))
    assert pause.paused_minutes == 100
    resumed = due_times(terms, MONDAY_9, pause)
    assert resumed.resolution_due == MONDAY_9 + timedelta(minutes=340)


def test_resolved_and_closed_pause_and_a_reopen_resumes():
    terms = SlaTerms("24x7", 60, 240, ALWAYS_OPEN)
    pause = ResolutionPause().moved(terms, Status.RESOLVED, MONDAY_9 + timedelta(minutes=10))
    pause = pause.moved(terms, Status.CLOSED, MONDAY_9 + timedelta(minutes=20))
    assert pause.paused_since == MONDAY_9 + timedelta(minutes=10)
    pause = ResolutionPause().moved(terms, Status.RESOLVED, MONDAY_9)
    pause = pause.moved(terms, Status.IN_PROGRESS, MONDAY_9 + timedelta(minutes=45))
    assert pause.paused_minutes == 45 and pause.paused_since is None


def test_pauses_outside_business_hours_cost_nothing():
    terms = SlaTerms("biz", 60, 480, WEEK)
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    pause = ResolutionPause().moved(terms, Status.WAITING_CUSTOMER, saturday)
    pause = pause.moved(terms, Status.OPEN, saturday + timedelta(hours=20))
    assert pause.paused_minutes == 0


starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31),
                      timezones=st.just(UTC))
minutes = st.integers(min_value=1, max_value=20_000)


@settings(max_examples=200, deadline=None)
@given(start=starts, a=minutes, b=minutes, paused=st.integers(0, 5_000))
def test_due_times_are_monotone_in_the_targets_and_fall_in_open_hours(start, a, b, paused):
    low, high = sorted((a, b))
    pause = ResolutionPause(paused_minutes=paused)
    due_low = due_times(SlaTerms("p", low, high, WEEK), start, pause)
    due_high = due_times(SlaTerms("p", high, high, WEEK), start, pause)
    assert due_low.first_response_due <= due_high.first_response_due
    assert due_low.first_response_at_risk <= due_low.first_response_due
    assert due_low.resolution_at_risk <= due_low.resolution_due
    for instant in (due_low.first_response_due, due_low.resolution_due,
                    due_low.first_response_at_risk):
        assert WEEK.is_open(instant - timedelta(microseconds=1)), instant
    elapsed = WEEK.business_minutes_between(start, due_low.resolution_due)
    assert abs(elapsed - (high + paused)) < 1e-6
