"""``GET /api/v1/audit/queue``: the queue as it stood at an instant, with the ticket list's
filters, sort and cursor; auditors and admins only; bad instants are 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.values import Actor, Role, Status
from tests.conftest import FakeClock

# After every event the harness records on the real clock (agents), so the log's order
# and its timestamps agree.
T0 = (datetime.now(tz=UTC) + timedelta(days=1)).replace(second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def story(api: Any) -> dict[str, str]:
    """T0: a customer opens X (no branch); +1 min Y (north); +2 min Z (south); +5 min the
    admin assigns X to the agent (in progress); +10 min the agent resolves X; +15 min the
    admin deletes Z."""
    clock = FakeClock(T0)
    api.helpdesk.clock = clock
    x = api.open_portal_ticket(subject="Parcel late")["number"]
    numbers = {"x": x}
    for key, branch in (("y", "north"), ("z", "south")):
        clock.advance(minutes=1)
        numbers[key] = api.helpdesk.open_ticket(
            subject=f"Ticket {key}", description="Please", customer_name="Cy",
            customer_email=f"{key}@example.com", branch=branch,
            actor=Actor.system("test")).ticket.number
    clock.advance(minutes=3)
    agent = api.agent_ids["agent"]
    assert api.client.patch(f"/api/v1/tickets/{x}", headers=api.auth("admin"),
                            json={"assignee": agent}).status_code == 200
    clock.advance(minutes=5)
    assert api.client.patch(f"/api/v1/tickets/{x}", headers=api.auth("agent"),
                            json={"status": "resolved"}).status_code == 200
    clock.advance(minutes=5)
    assert api.client.delete(f"/api/v1/tickets/{numbers['z']}",
                             headers=api.auth("admin")).status_code == 200
    return numbers


def queue(api: Any, who: str = "auditor", **params: Any) -> Any:
    return api.client.get("/api/v1/audit/queue", headers=api.auth(who), params=params)


def rows(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {item["number"]: item for item in response.json()["items"]}


def test_a_past_instant_shows_a_since_changed_ticket_as_it_was(api):
    s = story(api)
    then = T0 + timedelta(minutes=3)
    response = queue(api, at=iso(then))
    body = response.json()
    assert body["as_of"] == iso(then)
    past = rows(response)
    assert set(past) == {s["x"], s["y"], s["z"]}
    assert (past[s["x"]]["status"], past[s["x"]]["assignee"], past[s["x"]]["version"]) == (
        "open", None, 1)
    assert past[s["x"]]["sla_state"] == "ok"
    assert body["counts"] == {"open": 3}
    during = rows(queue(api, at=iso(T0 + timedelta(minutes=7))))[s["x"]]
    assert (during["status"], during["assignee"]) == ("in_progress", api.agent_ids["agent"])
    now = rows(queue(api, at=iso(api.helpdesk.clock())))
    assert set(now) == {s["x"], s["y"]}  # Z deleted since
    assert now[s["x"]]["status"] == "resolved"


def test_the_queue_as_of_now_is_the_live_queue(api):
    story(api)
    api.sync()
    live = api.client.get("/api/v1/tickets", headers=api.auth("auditor"),
                          params={"sort": "created_at"}).json()
    audited = queue(api, at=iso(api.helpdesk.clock()), sort="created_at").json()
    assert audited["items"] == live["items"] and audited["counts"] == live["counts"]


def test_filters_sort_and_cursor_work_as_in_the_ticket_list(api):
    s = story(api)
    at = iso(T0 + timedelta(minutes=7))
    assert set(rows(queue(api, at=at, status="open"))) == {s["y"], s["z"]}
    assert set(rows(queue(api, at=at, assignee=api.agent_ids["agent"]))) == {s["x"]}
    assert set(rows(queue(api, at=at, assignee="none"))) == {s["y"], s["z"]}
    assert set(rows(queue(api, at=at, branch="north"))) == {s["y"]}
    assert set(rows(queue(api, at=at, q="parcel"))) == {s["x"]}
    seen, cursor = [], None
    while True:
        params = {"at": at, "sort": "-created_at", "limit": 1} | (
            {"cursor": cursor} if cursor else {})
        body = queue(api, **params).json()
        seen += [item["number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [s["z"], s["y"], s["x"]]


def test_the_callers_branches_apply(api):
    s = story(api)
    created = api.helpdesk.create_agent(email="nora@desk.example", name="Nora",
                                        role=Role.AUDITOR, actor=Actor.system("test"),
                                        branches=["north"])
    api.tokens["north_auditor"] = created.token
    seen = rows(queue(api, who="north_auditor", at=iso(T0 + timedelta(minutes=3))))
    assert set(seen) == {s["x"], s["y"]}


def test_only_auditors_and_admins_may_look(api):
    story(api)
    at = iso(T0 + timedelta(minutes=3))
    for who in ("agent", "north_agent", "analyst"):
        assert queue(api, who=who, at=at).status_code == 403, who
    for who in ("auditor", "admin"):
        assert queue(api, who=who, at=at).status_code == 200, who
    assert api.client.get("/api/v1/audit/queue", params={"at": at}).status_code == 401


@pytest.mark.parametrize(("params", "field"), [
    ({}, None),
    ({"at": "yesterday"}, "at"),
    ({"at": "2026-13-01T00:00:00Z"}, "at"),
    ({"at": "FUTURE"}, "at"),
    ({"at": "NOW", "sort": "oldest"}, "sort"),
    ({"at": "NOW", "status": "lost"}, "status"),
    ({"at": "NOW", "limit": 0}, "limit"),
    ({"at": "NOW", "cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
])
def test_bad_parameters_are_422_and_write_nothing(api, params, field):
    story(api)
    now = api.helpdesk.clock()
    replace = {"NOW": iso(now), "FUTURE": iso(now + timedelta(seconds=1))}
    params = {k: replace.get(v, v) for k, v in params.items()}
    before = api.event_count()
    response = queue(api, **params)
    assert response.status_code == 422, response.text
    if field is None:
        assert "'at'" in response.json()["detail"]
    else:
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert api.event_count() == before


def test_an_instant_without_offset_is_utc_and_before_the_first_ticket_is_empty(api):
    s = story(api)
    naive = (T0 + timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    assert set(rows(queue(api, at=naive))) == {s["x"], s["y"]}
    empty = queue(api, at=iso(T0 - timedelta(seconds=1))).json()
    assert (empty["items"], empty["counts"]) == ([], {})
    assert Status.OPEN.value in queue(api, at=iso(T0)).json()["counts"]
