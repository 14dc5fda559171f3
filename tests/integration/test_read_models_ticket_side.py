"""The ticket-side read models (SLA, metrics, daily stats, workload) driven by the real
application, on SQLite and PostgreSQL, with exact values; and a rebuild from scratch."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.values import Actor, Status
from projections.migrate import upgrade
from projections.runner import ProjectionRunner
from projections.store import open_read_store
from projections.tables import (
    agent_workload,
    daily_stats_tickets,
    daily_ticket_stats,
    metadata,
    ticket_metrics,
    ticket_sla,
    workload_tickets,
)
from tests.integration.ticket_side_scenarios import (
    ALWAYS,
    Desk,
    at,
    build_models,
    daily_scenario,
    metrics_scenario,
    office_scenario,
    sla_late_scenario,
    sla_pause_scenario,
    workload_scenario,
)


@pytest.fixture(params=["sqlite", "postgres"])
def desk(request, make_app, clock, caplog):
    url = request.getfixturevalue(f"{request.param}_url")
    app = make_app(url)
    store = open_read_store(url)
    upgrade(store)
    metadata.create_all(store.writer)  # helper tables not in the migration yet
    yield Desk(app, clock, store, ProjectionRunner(app, build_models(store)))
    store.dispose()
    # the runner skips (and logs) events a model fails on: none may have been skipped
    skipped = [r.getMessage() for r in caplog.get_records("call")
               if r.name == "projections.runner"]
    assert skipped == []


def check(row: dict[str, Any], **expected: Any) -> None:
    assert {k: row[k] for k in expected} == expected


OPENED = dict(policy="default", priority="medium", category="general", status="open",
              assignee_id=None, first_response_minutes=480, resolution_minutes=2880,
              calendar=ALWAYS, opened_at=at(2, 9), first_response_due=at(2, 17),
              first_response_at_risk=at(2, 15, 24), resolution_due=at(4, 9),
              resolution_at_risk=at(3, 23, 24), first_responded_at=None,
              first_response_met=None, first_response_breached=False, resolved_at=None,
              resolution_met=None, resolution_breached=False, paused_minutes=0.0,
              paused_since=None, deleted=False)


def test_sla_due_times_pause_resume_and_met_on_24x7(desk):
    ann, (opened, waiting, back, resolved, reopened, closed) = sla_pause_scenario(desk)
    assert set(opened) - {"ticket_id", "number"} == set(OPENED)
    check(opened, **OPENED)
    check(waiting, status="waiting_customer", assignee_id=ann, first_responded_at=at(2, 10),
          first_response_met=True, resolution_due=None, resolution_at_risk=None,
          paused_since=at(2, 10, 30), paused_minutes=0.0)
    check(back, status="open", paused_minutes=90.0, paused_since=None,
          resolution_due=at(4, 10, 30), resolution_at_risk=at(4, 0, 54))
    check(resolved, status="resolved", resolved_at=at(2, 13), resolution_met=True,
          resolution_due=None, paused_since=at(2, 13))
    check(reopened, resolved_at=None, resolution_met=None, paused_minutes=150.0,
          paused_since=None, resolution_due=at(4, 11, 30), resolution_at_risk=at(4, 1, 54))
    check(closed, status="closed", resolved_at=at(2, 14, 30), resolution_met=True,
          resolution_breached=False, paused_since=at(2, 14, 30), first_response_met=True)


def test_sla_escalation_breaches_late_replies_and_resolution_while_paused(desk):
    ids = sla_late_scenario(desk)
    check(desk.row(ticket_sla, ids["late"]), priority="high", first_response_minutes=240,
          resolution_minutes=1440, first_response_due=at(2, 13),
          first_response_at_risk=at(2, 12, 12), resolution_due=None, resolution_at_risk=None,
          first_responded_at=at(2, 15, 30), first_response_met=False,
          first_response_breached=True, resolved_at=at(3, 10), resolution_met=False,
          resolution_breached=True)
    check(desk.row(ticket_sla, ids["paused"]), first_response_minutes=1440,
          resolution_minutes=5760, paused_since=at(2, 10), resolved_at=at(10, 9),
          resolution_met=True, resolution_breached=False)
    check(desk.row(ticket_sla, ids["gone"]), deleted=True, status="open",
          resolution_breached=True, resolution_met=None, first_response_breached=False)
    assert ids["bare"] not in [r["ticket_id"] for r in desk.rows(ticket_sla)]


def test_sla_on_business_hours_and_new_terms_on_category_change(desk):
    _, (opened, resumed, moved) = office_scenario(desk)
    assert opened["policy"] == "office" and '"weekday":4' in opened["calendar"]
    check(opened, first_response_due=at(3, 16), first_response_at_risk=at(3, 14, 24),
          resolution_due=at(10, 16), resolution_at_risk=at(9, 14, 24))
    check(resumed, paused_minutes=480.0, resolution_due=at(11, 16),
          resolution_at_risk=at(10, 14, 24))
    check(moved, policy="default", category="general", calendar=ALWAYS, paused_minutes=480.0,
          first_response_due=at(3, 0), first_response_at_risk=at(2, 22, 24),
          resolution_due=at(5, 0), resolution_at_risk=at(4, 14, 24))


def test_metrics_durations_and_counters(desk):
    row = desk.row(ticket_metrics, metrics_scenario(desk))
    check(row, category="general", priority="high", branch="north", channel="portal",
          assignee_id=desk.agent("Ann"), status="closed", opened_at=at(2, 9),
          first_response_at=at(2, 9, 30), first_response_seconds=1800.0,
          resolved_at=at(2, 15), resolution_seconds=21600.0, closed_at=at(2, 15),
          waiting_customer_seconds=5400.0, waiting_since=None, reopen_count=2,
          escalation_count=1, messages_customer=3, messages_agent=2, messages_system=1,
          messages_public=5, messages_internal=1, first_response_breached=False,
          resolution_breached=True, deleted=True)


def test_metrics_keep_the_current_wait_and_clear_resolution_on_reopen(desk):
    agent = Actor.agent(desk.agent("Ann"))
    number, ticket_id, _ = desk.open()
    desk.steps((60, lambda: desk.app.change_status(number, Status.RESOLVED, actor=agent)))
    check(desk.row(ticket_metrics, ticket_id), resolved_at=at(2, 10), resolution_seconds=3600.0)
    desk.steps((30, lambda: desk.app.change_status(number, Status.IN_PROGRESS, actor=agent)),
               (30, lambda: desk.app.change_status(number, Status.WAITING_CUSTOMER,
                                                   actor=agent)))
    check(desk.row(ticket_metrics, ticket_id), resolved_at=None, resolution_seconds=None,
          reopen_count=1, waiting_since=at(2, 11), waiting_customer_seconds=0.0)


def test_daily_stats_count_per_day_under_the_attributes_of_the_time(desk):
    daily_scenario(desk)
    desk.sync()
    mon, tue = date(2026, 3, 2), date(2026, 3, 3)
    found = {(r["day"], r["category"], r["priority"], r["branch"]): tuple(
        r[c] for c in ("opened", "first_responded", "resolved", "closed", "breached",
                       "reopened"))
        for r in desk.rows(daily_ticket_stats)}
    assert found == {
        (mon, "general", "medium", ""): (1, 1, 0, 0, 0, 0),
        (mon, "general", "high", "north"): (1, 0, 0, 0, 1, 0),
        (mon, "general", "high", ""): (0, 0, 1, 0, 0, 0),
        (tue, "general", "high", ""): (0, 0, 0, 1, 0, 0),
        (tue, "general", "low", "north"): (0, 1, 0, 1, 0, 0),
        (tue, "general", "medium", ""): (1, 0, 0, 0, 0, 0),
        (tue, "returns", "medium", ""): (0, 0, 1, 0, 0, 1),
    }
    assert sorted((r["category"], r["priority"], r["branch"], r["first_responded"])
                  for r in desk.rows(daily_stats_tickets)) == [
        ("general", "high", "", True), ("general", "low", "north", True),
        ("returns", "medium", "", False)]


def test_workload_counts_open_assigned_and_totals(desk):
    ids = workload_scenario(desk)
    assert ids["busy"] == [0, 2]
    ann, bob = desk.row(agent_workload, ids["ann"]), desk.row(agent_workload, ids["bob"])
    assert {k: v for k, v in ann.items() if k != "agent_id"} == dict(
        name="Ann", email="ann@example.com", role="agent", active=False, capacity=20,
        escalation=False, skills="", branches="", open_assigned=0, assigned_total=2,
        resolved_total=1, last_assigned_at=at(2, 9, 10),
        created_at=desk.app.get_agent(ids["ann"]).created_on)
    check(bob, name="Bob B", email="bob@example.com", capacity=5, escalation=True,
          skills="general", branches="north", active=True, open_assigned=0,
          assigned_total=2, resolved_total=0, last_assigned_at=at(2, 10))
    assert [(r["ticket_id"], r["agent_id"], r["counts"]) for r in desk.rows(workload_tickets)
            ] == sorted([(ids["one"], ids["ann"], False), (ids["two"], ids["bob"], False),
                         (ids["three"], "ghost", False)])
    assert len(desk.rows(agent_workload)) == 2


def test_rebuilding_from_scratch_gives_identical_rows(desk):
    for scenario in (sla_pause_scenario, sla_late_scenario, office_scenario,
                     metrics_scenario, daily_scenario, workload_scenario):
        scenario(desk)
    desk.sync()
    tables = [t for model in desk.runner.models for t in model.tables]
    before = {t.name: desk.rows(t) for t in tables}
    assert all(before[t.name] for t in tables)
    with desk.store.writer.begin() as conn:
        for model in desk.runner.models:
            model.clear(conn)
            model.view.reset(conn)
    assert not any(desk.rows(t) for t in tables)
    ProjectionRunner(desk.app, build_models(desk.store)).catch_up()
    assert {t.name: desk.rows(t) for t in tables} == before
