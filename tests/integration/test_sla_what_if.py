"""The SLA what-if against the hand-computed story of ``what_if_story``: office hours vs
24x7 alternative terms, a wait on the customer, and the actual (recorded) terms."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from application.service import Helpdesk
from domain.errors import InvalidInput
from domain.values import Priority
from helpdesk.settings import persistence_env
from projections.sla_what_if import ALL, Clocks, Compliance, sla_what_if
from projections.what_if_policy import SlaWhatIfPolicy
from tests.conftest import FakeClock
from tests.integration.what_if_story import END, START, TARGETS, play_story, policy_json


@pytest.fixture
def story_app():
    clock = FakeClock(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    app = Helpdesk(persistence_env("memory://"), clock=clock)
    app.ensure_defaults()
    yield app, clock
    app.close()


def outcomes(report, number):
    return next(t for t in report.tickets if t.number == number)


def test_office_hours_count_only_open_time_and_the_wait_stops_the_clock(story_app):
    app, clock = story_app
    s = play_story(app, clock)
    before = app.recorder.max_notification_id()
    report = sla_what_if(app, SlaWhatIfPolicy.from_json(policy_json(office_hours=True)),
                         START, END)
    assert app.recorder.max_notification_id() == before  # nothing written
    assert [t.number for t in report.tickets] == [s.a, s.b, s.c]
    assert (report.deleted, report.without_terms, report.policy) == (1, 0, "Office hours")
    # A: first reply due Mon 16:30 (came 16:45); resolution 120 + 10 paused business
    # minutes (Mon 16:50-17:00; Tue before 09:00 is closed) → due Tue 10:10, resolved 10:00.
    assert outcomes(report, s.a).what_if == Clocks("missed", "met")
    # B: 30 minutes on Monday + 30 on Tuesday → due Tue 09:30, replied 09:10; resolution
    # (600 business minutes) due Wed 10:30, after the end.
    assert outcomes(report, s.b).what_if == Clocks("met", "pending")
    # C: due Tue 15:30; the reply at 12:30 came after the end and is not seen.
    assert outcomes(report, s.c).what_if == Clocks("pending", "pending")
    assert report.what_if[ALL] == Compliance(1, 1, 1, 1, 0, 2)
    assert report.what_if["urgent"] == Compliance(0, 1, 0, 1, 0, 0)
    assert report.what_if["medium"] == Compliance(1, 0, 0, 0, 0, 1)
    assert report.what_if["high"] == Compliance()
    assert report.what_if[ALL].first_response_rate == 0.5
    assert report.what_if[ALL].resolution_rate == 1.0
    assert list(report.what_if) == ["urgent", "high", "medium", "low", ALL]


def test_round_the_clock_terms_count_every_minute(story_app):
    app, clock = story_app
    s = play_story(app, clock)
    report = sla_what_if(app, SlaWhatIfPolicy.from_json(policy_json(office_hours=False)),
                         START, END)
    # A: the wait (Mon 16:50 → Tue 08:30) pauses 940 minutes → due Tue 09:40 < 10:00.
    assert outcomes(report, s.a).what_if == Clocks("missed", "missed")
    # B: first reply due Mon 17:30; resolution due Tue 02:30, overdue at the end.
    assert outcomes(report, s.b).what_if == Clocks("missed", "missed")
    assert outcomes(report, s.c).what_if == Clocks("pending", "pending")
    assert report.what_if[ALL] == Compliance(0, 2, 1, 0, 2, 1)
    assert report.what_if[ALL].first_response_rate == 0.0


def test_the_actual_compliance_uses_the_recorded_terms(story_app):
    app, clock = story_app
    s = play_story(app, clock)
    report = sla_what_if(app, SlaWhatIfPolicy.from_json(policy_json(office_hours=True)),
                         START, END)
    # Defaults, 24x7. A: due 17:00 (replied 16:45); resolution 240 + 940 paused → Tue
    # 11:40. B: due Tue 00:30 (replied 09:10); resolution Wed 16:30.
    assert outcomes(report, s.a).actual == Clocks("met", "met")
    assert outcomes(report, s.b).actual == Clocks("missed", "pending")
    assert outcomes(report, s.c).actual == Clocks("pending", "pending")
    assert report.actual[ALL] == Compliance(1, 1, 1, 1, 0, 2)


def test_the_terms_of_the_priority_by_the_end_apply(story_app):
    app, clock = story_app
    s = play_story(app, clock, raise_c=True)
    report = sla_what_if(app, SlaWhatIfPolicy.from_json(policy_json(office_hours=True)),
                         START, END)
    c = outcomes(report, s.c)
    assert c.priority is Priority.URGENT
    assert c.what_if == Clocks("missed", "pending")  # 30 minutes from 11:30: due at the end
    assert c.actual == Clocks("pending", "pending")  # recorded urgent terms: due 12:30


def test_an_empty_or_reversed_period_is_refused(story_app):
    app, _ = story_app
    policy = SlaWhatIfPolicy.from_json(policy_json(office_hours=False))
    with pytest.raises(ValueError, match="empty"):
        sla_what_if(app, policy, END, START)
    report = sla_what_if(app, policy, START, END)
    assert report.tickets == [] and report.what_if[ALL].first_response_rate is None


def test_a_policy_file_with_a_berlin_calendar_and_holidays_loads():
    document = {"name": "Berlin", "targets": TARGETS, "calendar": {
        "timezone": "Europe/Berlin", "holidays": ["2026-12-25"],
        "hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}]}}
    policy = SlaWhatIfPolicy.from_json(json.dumps(document))
    terms = policy.terms(Priority.HIGH)
    assert (terms.policy, terms.first_response_minutes, terms.resolution_minutes) == (
        "Berlin", 60, 240)
    assert terms.calendar.timezone == "Europe/Berlin" and not terms.calendar.is_24x7
    assert [t.priority for t in policy.targets] == list(reversed(Priority))


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"targets": TARGETS[:3]}, "targets", "missing targets for: low"),
    ({"targets": [*TARGETS[:3], {**TARGETS[3], "first_response_minutes": 2000}]},
     "targets", "first response must not be later"),
    ({"targets": [*TARGETS, TARGETS[0]]}, "targets", "given twice"),
    ({"targets": [*TARGETS[:3], {**TARGETS[3], "resolution_minutes": 0}]},
     "targets", "whole numbers"),
    ({"calendar": {"timezone": "Mars/Olympus"}}, "calendar", "unknown time zone"),
    ({"calendar": {"hours": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}},
     "calendar", "weekday"),
    ({"calendar": {"hours": [{"weekday": 1, "start": "17:00", "end": "09:00"}]}},
     "calendar", "must be after"),
    ({"calendar": {"holidays": ["25.12.2026"]}}, "calendar", "holiday"),
    ({"name": " "}, "name", ""),
    ({"targets": [{**TARGETS[0], "priority": "asap"}]}, "policy", "priority"),
    ({"colour": "red"}, "policy", "colour"),
])
def test_bad_policies_are_refused_clearly(change, field, message):
    document = {"name": "Try", "targets": TARGETS, **change}
    with pytest.raises(InvalidInput) as refused:
        SlaWhatIfPolicy.from_json(json.dumps(document))
    assert list(refused.value.errors) == [field]
    assert message in refused.value.errors[field]


def test_malformed_json_is_refused_clearly():
    with pytest.raises(InvalidInput, match="not valid JSON"):
        SlaWhatIfPolicy.from_json("{name: ")
