"""Analytics over HTTP: exact figures of a scripted day (and two days later), periods,
branch scoping and who may ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.values import Actor, Role, SlaMetric
from tests.api.conftest import SETUP
from tests.conftest import FakeClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT_SLA = timedelta(hours=8)  # the default policy: medium, first response in 8 hours


def at(clock: FakeClock, **offset: float) -> None:
    """Set the clock to ``T0 + offset``."""
    clock.now = T0 + timedelta(**offset)


def open_ticket(api: Any, category: str | None = None, **extra: Any) -> str:
    """A customer's ticket, opened now; its number."""
    return api.helpdesk.open_ticket(
        subject="Help", description="Please help", customer_name="Cleo",
        customer_email="cleo@example.com", category=category, **extra).ticket.number


def scene(api: Any) -> dict[str, str]:
    """Five tickets on 2 March 2026 (times after T0 = 09:00 UTC):

    t1 billing, opened 0:00, agent, answered 0:30 (1800 s), resolved 2:00 (7200 s);
    t2 billing, opened 0:10, admin, answered 1:10 (3600 s), resolved 5:10 (18000 s);
    t3 shipping, opened 0:20, agent, answered late 10:20 (36000 s), resolution breach
    recorded on 4 March; t4 general, opened 0:30, never answered, first response breach
    recorded; t5 general, opened 0:30 and deleted. The clock ends at T0 + 50 hours,
    after t3's and t4's resolution due times (48 hours after opening).
    """
    clock = FakeClock(T0)
    api.helpdesk.clock = clock
    agent, admin = api.agent_ids["agent"], api.agent_ids["admin"]
    assigner = Actor.agent(admin)
    t1 = open_ticket(api, "billing")
    api.helpdesk.assign(t1, agent, actor=assigner)
    at(clock, minutes=10)
    t2 = open_ticket(api, "billing")
    api.helpdesk.assign(t2, admin, actor=assigner)
    at(clock, minutes=20)
    t3 = open_ticket(api, "shipping")
    api.helpdesk.assign(t3, agent, actor=assigner)
    at(clock, minutes=30)
    t4 = open_ticket(api)
    t5 = open_ticket(api)
    assert api.client.delete(f"/api/v1/tickets/{t5}", headers=api.auth("admin")).is_success

    def reply(number: str, who: str) -> None:
        response = api.client.post(f"/api/v1/tickets/{number}/messages", headers=api.auth(who),
                                   json={"body": "On it"})
        assert response.status_code == 201, response.text

    def resolve(number: str, who: str) -> None:
        response = api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth(who),
                                    json={"status": "resolved"})
        assert response.status_code == 200, response.text

    at(clock, minutes=30)
    reply(t1, "agent")
    at(clock, minutes=70)
    reply(t2, "admin")
    at(clock, hours=2)
    resolve(t1, "agent")
    at(clock, hours=5, minutes=10)
    resolve(t2, "admin")
    at(clock, hours=8, minutes=40)
    api.helpdesk.record_sla_breach(t4, SlaMetric.FIRST_RESPONSE,
                                   T0 + timedelta(minutes=30) + DEFAULT_SLA, actor=SETUP)
    at(clock, hours=10, minutes=20)
    reply(t3, "agent")
    at(clock, hours=49)
    api.helpdesk.record_sla_breach(t3, SlaMetric.RESOLUTION,
                                   T0 + timedelta(hours=48, minutes=20), actor=SETUP)
    at(clock, hours=50)
    api.sync()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5}


def get(api: Any, path: str, who: str = "analyst", **params: str) -> dict[str, Any]:
    response = api.client.get(f"/api/v1/analytics/{path}", headers=api.auth(who),
                              params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_overview_of_the_default_period(api):
    scene(api)
    body = get(api, "overview")
    now = T0 + timedelta(hours=50)
    assert body["period"] == {"from": (now - timedelta(days=30)).isoformat().replace(
        "+00:00", "Z"), "to": "2026-03-04T11:00:00Z"}
    assert body["volumes"] == {"opened": 5, "resolved": 2, "closed": 0, "reopened": 0}
    assert body["backlog"] == {"total": 2, "by_status": {"in_progress": 1, "open": 1}}
    # first responses 1800, 3600, 36000: nearest rank 2 of 3, and 3 of 3 for p90
    assert body["first_response"] == {"count": 3, "median_seconds": 3600,
                                      "p90_seconds": 36000}
    assert body["resolution"] == {"count": 2, "median_seconds": 7200, "p90_seconds": 18000}
    # first response: t1, t2 met; t3 late, t4 never (t5 deleted: not counted)
    # resolution: t1, t2 met; t3 (breach recorded) and t4 overdue since 4 March
    assert body["sla"] == {
        "first_response": {"met": 2, "missed": 2, "compliance": 0.5},
        "resolution": {"met": 2, "missed": 2, "compliance": 0.5},
        "breaches": 2}


def test_a_reopen_counts_on_the_day_it_happens(api):
    clock = FakeClock(T0)
    api.helpdesk.clock = clock
    number = open_ticket(api)

    def move(status: str) -> None:
        response = api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth("admin"),
                                    json={"status": status})
        assert response.status_code == 200, response.text

    move("resolved")
    at(clock, hours=25)  # 3 March
    move("in_progress")
    api.sync()
    first = get(api, "overview", **{"from": "2026-03-02", "to": "2026-03-03"})
    second = get(api, "overview", **{"from": "2026-03-03", "to": "2026-03-04"})
    assert first["volumes"] == {"opened": 1, "resolved": 1, "closed": 0, "reopened": 0}
    assert second["volumes"] == {"opened": 0, "resolved": 0, "closed": 0, "reopened": 1}
    categories = get(api, "categories", **{"from": "2026-03-03", "to": "2026-03-04"})["items"]
    assert {c["slug"]: (c["opened"], c["reopened"]) for c in categories}["general"] == (0, 1)


def test_overview_of_the_first_day_only_and_of_a_quiet_month(api):
    scene(api)
    body = get(api, "overview", **{"from": "2026-03-02", "to": "2026-03-03"})
    assert body["period"] == {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    assert body["volumes"] == {"opened": 5, "resolved": 2, "closed": 0, "reopened": 0}
    assert body["sla"] == {
        "first_response": {"met": 2, "missed": 2, "compliance": 0.5},
        # t3 and t4 were due on 4 March: outside this period
        "resolution": {"met": 2, "missed": 0, "compliance": 1.0},
        "breaches": 1}
    quiet = get(api, "overview", **{"from": "2026-02-01", "to": "2026-03-01T23:59:59Z"})
    assert quiet["volumes"] == {"opened": 0, "resolved": 0, "closed": 0, "reopened": 0}
    assert quiet["first_response"] == {"count": 0, "median_seconds": None, "p90_seconds": None}
    assert quiet["sla"]["first_response"] == {"met": 0, "missed": 0, "compliance": None}
    assert quiet["sla"]["breaches"] == 0
    assert quiet["backlog"]["total"] == 2  # the backlog is always the one now


def test_figures_per_agent(api):
    scene(api)
    items = get(api, "agents", who="admin")["items"]
    assert [a["name"] for a in items] == ["Admin", "Agent", "North_Agent"]  # working roles
    admin, agent, north = items
    assert agent == {
        "agent_id": api.agent_ids["agent"], "name": "Agent", "role": "agent", "active": True,
        "assigned": 2, "resolved": 1,
        "median_first_response_seconds": 1800, "median_resolution_seconds": 7200,
        "sla": {"first_response": {"met": 1, "missed": 1, "compliance": 0.5},
                "resolution": {"met": 1, "missed": 1, "compliance": 0.5}},
        "open_assigned": 1, "capacity": 20, "load": 0.05}
    assert (admin["assigned"], admin["resolved"], admin["median_first_response_seconds"],
            admin["median_resolution_seconds"], admin["open_assigned"], admin["load"]) == (
        1, 1, 3600, 18000, 0, 0.0)
    assert admin["sla"]["first_response"]["compliance"] == 1.0
    assert (north["assigned"], north["median_first_response_seconds"],
            north["sla"]["resolution"]["compliance"]) == (0, None, None)


def test_figures_per_category(api):
    scene(api)
    items = {c["slug"]: c for c in get(api, "categories")["items"]}
    assert sorted(items) == ["billing", "general", "shipping"]
    assert items["billing"] == {
        "slug": "billing", "name": "Billing", "opened": 2, "resolved": 2, "reopened": 0,
        "backlog": 0,
        "median_first_response_seconds": 1800, "median_resolution_seconds": 7200,
        "sla": {"first_response": {"met": 2, "missed": 0, "compliance": 1.0},
                "resolution": {"met": 2, "missed": 0, "compliance": 1.0}}}
    general, shipping = items["general"], items["shipping"]
    assert (general["opened"], general["backlog"], general["median_first_response_seconds"],
            general["sla"]["first_response"]["compliance"]) == (2, 1, None, 0.0)
    assert (shipping["opened"], shipping["resolved"], shipping["backlog"],
            shipping["median_first_response_seconds"], shipping["median_resolution_seconds"],
            shipping["sla"]["resolution"]) == (
        1, 0, 1, 36000, None, {"met": 0, "missed": 1, "compliance": 0.0})


def test_analysts_with_branches_see_their_branches_and_branchless_tickets(api):
    api.helpdesk.clock = FakeClock(T0)
    for branch in ("north", "south", None):
        open_ticket(api, branch=branch)
    scoped = api.helpdesk.create_agent(email="north-analyst@desk.example", name="Nora",
                                       role=Role.ANALYST, branches=["north"], actor=SETUP)
    api.tokens["north_analyst"] = scoped.token
    api.sync()
    assert get(api, "overview")["volumes"]["opened"] == 3
    mine = get(api, "overview", who="north_analyst")
    assert mine["volumes"]["opened"] == 2 and mine["backlog"]["total"] == 2
    assert mine["sla"]["first_response"] == {"met": 0, "missed": 0, "compliance": None}


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01"}, "to"),
    ({"from": "2026-03-02", "to": "2026-03-02"}, "to"),
    ({"from": "2026-03-03", "to": "2026-03-02T12:00:00Z"}, "to"),
    ({"from": "2025-01-01", "to": "2026-01-03"}, "to"),
])
def test_bad_periods_are_422(api, query, field):
    response = api.client.get("/api/v1/analytics/overview", headers=api.auth("analyst"),
                              params=query)
    assert response.status_code == 422, response.text
    assert [(e["field"], e["location"]) for e in response.json()["errors"]] == [
        (field, "query")]


def test_a_period_of_366_days_and_offsets_are_accepted(api):
    api.helpdesk.clock = FakeClock(T0)
    body = get(api, "categories", **{"from": "2025-01-01", "to": "2026-01-02"})
    assert body["period"] == {"from": "2025-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    shifted = get(api, "agents", **{"from": "2026-03-01T10:00:00+02:00"})
    assert shifted["period"]["from"] == "2026-03-01T08:00:00Z"


@pytest.mark.parametrize("path", ["overview", "agents", "categories"])
def test_only_analysts_and_admins_may_read_analytics(api, path):
    for who in ("agent", "north_agent", "auditor"):
        response = api.client.get(f"/api/v1/analytics/{path}", headers=api.auth(who))
        assert response.status_code == 403, (who, response.text)
    for who in ("analyst", "admin"):
        assert api.client.get(f"/api/v1/analytics/{path}",
                              headers=api.auth(who)).status_code == 200
    assert api.client.get(f"/api/v1/analytics/{path}").status_code == 401
