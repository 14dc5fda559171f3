"""Audit over HTTP: a ticket's stored events, the ticket rebuilt at a version or instant,
bad parameters and who may ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import FakeClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """How the API writes an instant."""
    return moment.isoformat().replace("+00:00", "Z")


def story(api: Any) -> dict[str, str]:
    """A customer opens a ticket at T0; at +5 min the admin assigns it to the agent (the
    ticket moves to in_progress); at +10 min the agent replies; at +20 min the agent
    resolves it. Versions 1 to 5."""
    clock = FakeClock(T0)
    api.helpdesk.clock = clock
    number = api.open_portal_ticket()["number"]
    agent = api.agent_ids["agent"]
    clock.advance(minutes=5)
    assigned = api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth("admin"),
                                json={"assignee": agent, "reason": "billing expert"})
    assert assigned.status_code == 200, assigned.text
    clock.advance(minutes=5)
    api.client.post(f"/api/v1/tickets/{number}/messages", headers=api.auth("agent"),
                    json={"body": "We are on it"})
    clock.advance(minutes=10)
    resolved = api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth("agent"),
                                json={"status": "resolved", "reason": "refund issued"})
    assert resolved.json()["version"] == 5
    customer = api.helpdesk.get_ticket(number).customer.id
    return {"number": number, "agent": agent, "admin": api.agent_ids["admin"],
            "customer": customer}


def events(api: Any, number: str, who: str = "auditor") -> dict[str, Any]:
    response = api.client.get(f"/api/v1/audit/tickets/{number}/events", headers=api.auth(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def state(api: Any, number: str, who: str = "auditor", **params: Any) -> Any:
    return api.client.get(f"/api/v1/audit/tickets/{number}/state", headers=api.auth(who),
                          params=params)


def test_the_events_tell_what_happened_in_order(api):
    s = story(api)
    trail = events(api, s["number"].lower())
    assert trail["number"] == s["number"]
    listed = trail["events"]
    assert [(e["version"], e["type"]) for e in listed] == [
        (1, "Opened"), (2, "Assigned"), (3, "StatusChanged"), (4, "MessageAdded"),
        (5, "StatusChanged")]
    assert [e["actor"] for e in listed] == [
        {"kind": "customer", "id": s["customer"]}, {"kind": "agent", "id": s["admin"]},
        {"kind": "system", "id": "assignment"}, {"kind": "agent", "id": s["agent"]},
        {"kind": "agent", "id": s["agent"]}]
    assert [e.get("reason") for e in listed] == [
        None, "billing expert", "assigned to an agent", None, "refund issued"]
    assert [e["time"] for e in listed] == [iso(T0 + timedelta(minutes=m))
                                          for m in (0, 5, 5, 10, 20)]
    assert listed[0]["topic"] == "domain.ticket_events:Opened"


def test_payloads_hold_the_fields_as_stored_without_record_columns_or_credentials(api):
    s = story(api)
    opened, assigned, moved, message, resolved = events(api, s["number"])["events"]
    assert opened["payload"]["number"] == s["number"]
    assert opened["payload"]["subject"] == "Parcel late"
    assert opened["payload"]["customer"]["email"] == "bob@example.com"
    assert opened["payload"]["sla"]["first_response_minutes"] == 480
    for event in (opened, assigned, message):
        assert not {"originator_id", "originator_version", "timestamp",
                    "access_token_hash"} & set(event["payload"])
    assert assigned["payload"]["agent_id"] == s["agent"]
    assert (moved["payload"]["from_status"], moved["payload"]["to_status"]) == (
        "open", "in_progress")
    assert message["payload"]["body"] == "We are on it"
    assert message["payload"]["visibility"] == "public"
    assert resolved["payload"]["to_status"] == "resolved"


def test_a_deleted_tickets_history_stays_readable(api):
    s = story(api)
    deleted = api.client.delete(f"/api/v1/tickets/{s['number']}", headers=api.auth("admin"))
    assert deleted.status_code == 200
    last = events(api, s["number"])["events"][-1]
    assert (last["version"], last["type"], last["reason"]) == (6, "Deleted", "deleted via API")
    assert state(api, s["number"], version=6).json()["ticket"]["version"] == 6


def test_the_ticket_as_opened_and_as_it_is_now(api):
    s = story(api)
    first = state(api, s["number"], version=1)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["as_of_version"], body["as_of_time"]) == (1, iso(T0))
    assert body["ticket"]["status"] == "open" and body["ticket"]["messages"] == []
    assert body["ticket"]["assignee"] is None and body["ticket"]["version"] == 1
    assert body["ticket"]["metrics"]["age_seconds"] == 0
    latest = state(api, s["number"], who="admin", version=5).json()
    assert latest["as_of_time"] == iso(T0 + timedelta(minutes=20))
    ticket = latest["ticket"]
    assert (ticket["status"], ticket["assignee"], ticket["version"]) == (
        "resolved", s["agent"], 5)
    assert [m["body"] for m in ticket["messages"]] == ["We are on it"]
    assert ticket["metrics"]["first_response_seconds"] == 600
    assert ticket["sla"]["state"] == "met"


@pytest.mark.parametrize(("instant", "version", "status", "messages"), [
    ("2026-03-02T09:00:00Z", 1, "open", 0),
    ("2026-03-02T09:04:59Z", 1, "open", 0),
    ("2026-03-02T09:05:00Z", 3, "in_progress", 0),
    ("2026-03-02T09:12:00+00:00", 4, "in_progress", 1),
    ("2026-03-02T11:12:00+02:00", 4, "in_progress", 1),
    ("2026-03-02T09:12:00", 4, "in_progress", 1),
    ("2027-01-01T00:00:00Z", 5, "resolved", 1),
])
def test_at_picks_the_last_version_recorded_by_then(api, instant, version, status, messages):
    s = story(api)
    response = state(api, s["number"], at=instant)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of_version"] == version
    assert body["ticket"]["status"] == status
    assert len(body["ticket"]["messages"]) == messages
    asked = datetime.fromisoformat(instant)
    asked = asked if asked.tzinfo else asked.replace(tzinfo=UTC)
    assert body["as_of_time"] == iso(asked.astimezone(UTC))
    assert body["ticket"]["metrics"]["age_seconds"] == (
        asked.astimezone(UTC) - T0).total_seconds()


@pytest.mark.parametrize(("params", "field"), [
    ({}, "version"),
    ({"version": 2, "at": "2026-03-02T09:10:00Z"}, "version"),
    ({"version": 0}, "version"),
    ({"version": 6}, "version"),
    ({"version": "two"}, "version"),
    ({"at": "yesterday"}, "at"),
    ({"at": "2026-03-02T08:59:59Z"}, "at"),
])
def test_bad_state_parameters_are_422(api, params, field):
    s = story(api)
    before = api.event_count()
    response = state(api, s["number"], **params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert api.event_count() == before


def test_unknown_tickets_are_404_and_malformed_numbers_422(api):
    story(api)
    for path in ("events", "state?version=1"):
        unknown = api.client.get(f"/api/v1/audit/tickets/TKT-2026-999999/{path}",
                                 headers=api.auth("auditor"))
        assert unknown.status_code == 404, unknown.text
        malformed = api.client.get(f"/api/v1/audit/tickets/not-a-number/{path}",
                                   headers=api.auth("auditor"))
        assert malformed.status_code == 422


def test_only_auditors_and_admins_may_audit(api):
    number = story(api)["number"]
    for path in ("events", "state?version=1"):
        url = f"/api/v1/audit/tickets/{number}/{path}"
        for who in ("agent", "north_agent", "analyst"):
            assert api.client.get(url, headers=api.auth(who)).status_code == 403, who
        for who in ("auditor", "admin"):
            assert api.client.get(url, headers=api.auth(who)).status_code == 200, who
        assert api.client.get(url).status_code == 401
