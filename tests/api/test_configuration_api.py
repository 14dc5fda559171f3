"""Configuration over HTTP: categories, agents, SLA policies and templates — every role
reads, only admins write, and every refused write leaves the event store untouched."""

from __future__ import annotations

import pytest

from domain.values import Actor

ROLES = ("admin", "agent", "north_agent", "analyst", "auditor")
TEMPLATE = {"id": "thanks", "name": "Thanks", "subject": "Re: {{ ticket.subject }}",
            "body": "Hello {{ customer.name }}, {{ agent.name }} here about {{ ticket.number }}."}
POLICY = {"id": "gold", "name": "Gold", "auto_close_days": 3,
          "targets": [{"priority": p, "first_response_minutes": 30, "resolution_minutes": 600}
                      for p in ("low", "medium", "high", "urgent")],
          "calendar": {"timezone": "Europe/Berlin", "holidays": ["2026-12-25"],
                       "hours": [{"weekday": d, "start": "09:00", "end": "17:00"}
                                 for d in range(5)]}}
CREATES = {
    "/api/v1/categories": {"name": "Returns EU", "description": "Parcels back"},
    "/api/v1/agents": {"email": "new@desk.example", "name": "New", "role": "agent"},
    "/api/v1/sla-policies": POLICY,
    "/api/v1/templates": TEMPLATE,
}


def refused(api, method, path, status, who=None, **kwargs):
    """Send a request that must be refused with ``status`` and write nothing."""
    before = api.event_count()
    headers = {**(api.auth(who) if who else {}), **kwargs.pop("headers", {})}
    response = api.client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert api.event_count() == before
    return response.json()


@pytest.mark.parametrize("path", [
    "/api/v1/categories", "/api/v1/agents", "/api/v1/sla-policies", "/api/v1/templates"])
def test_every_role_reads_and_only_admins_write(api, path):
    for who in ROLES:
        assert api.client.get(path, headers=api.auth(who)).status_code == 200
    refused(api, "GET", path, 401)
    refused(api, "POST", path, 401, json=CREATES[path])
    for who in ("agent", "analyst", "auditor"):
        refused(api, "POST", path, 403, who, json=CREATES[path])
    created = api.client.post(path, headers=api.auth("admin"), json=CREATES[path])
    assert created.status_code == 201, created.text
    assert created.headers["etag"] and created.headers["location"].startswith(path + "/")
    refused(api, "PATCH", created.headers["location"], 403, "agent", json={"name": "X"})


def test_categories_create_list_patch_with_if_match(api):
    created = api.client.post("/api/v1/categories", headers=api.auth("admin"),
                              json={**CREATES["/api/v1/categories"], "sla_policy": "default"})
    body = created.json()
    assert (body["id"], body["name"], body["sla_policy"], body["version"]) == (
        "returns-eu", "Returns EU", "default", 2)
    listed = api.client.get(f"/api/v1/categories?min_position={body['position']}",
                            headers=api.auth("agent")).json()
    assert [c["id"] for c in listed["items"]] == ["billing", "general", "returns-eu",
                                                   "shipping"]
    path = "/api/v1/categories/returns-eu"
    stale = refused(api, "PATCH", path, 409, "admin", headers={"If-Match": '"1"'},
                    json={"name": "Returns"})
    assert stale["current_version"] == 2
    changed = api.client.patch(path, headers={**api.auth("admin"), "If-Match": '"2"'},
                               json={"name": "Returns", "sla_policy": None, "active": False})
    assert changed.status_code == 200 and changed.headers["etag"] == '"3"'
    assert (changed.json()["name"], changed.json()["sla_policy"],
            changed.json()["active"]) == ("Returns", None, False)
    refused(api, "PATCH", "/api/v1/categories/nope", 404, "admin", json={"name": "X"})


@pytest.mark.parametrize("body", [
    {"name": "X", "colour": "red"},                      # unknown field
    {"name": 5},                                         # wrong type
    {"name": "X", "default_priority": "whenever"},       # bad enum
    {"name": "X", "id": "Not A Slug"},                   # pattern
    {"name": "X", "sla_policy": "platinum"},             # unknown reference
    {"name": "Billing", "id": "billing"},                # already exists
])
def test_bad_categories_are_422(api, body):
    problem = refused(api, "POST", "/api/v1/categories", 422, "admin", json=body)
    assert problem["errors"]


def test_agents_get_a_token_once_and_admins_rotate_it(api):
    created = api.client.post("/api/v1/agents", headers=api.auth("admin"), json={
        "email": "Nina@Desk.example", "name": "Nina", "role": "agent", "skills": ["billing"],
        "branches": ["north"], "capacity": 5, "escalation": True})
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    body = created.json()
    agent_id, token = body["agent"]["id"], body["token"]
    assert body["agent"]["email"] == "nina@desk.example" and body["agent"]["capacity"] == 5
    nina = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/agents", headers=nina).status_code == 200
    api.helpdesk.assign(api.open_portal_ticket()["number"], agent_id, actor=Actor.system("t"))
    api.sync()
    rows = {a["email"]: a for a in api.client.get("/api/v1/agents?limit=100",
                                                  headers=nina).json()["items"]}
    assert (rows["nina@desk.example"]["open_assigned"],
            rows["nina@desk.example"]["capacity"]) == (1, 5)
    rotated = api.client.post(f"/api/v1/agents/{agent_id}/token", headers=api.auth("admin"))
    assert rotated.status_code == 201 and rotated.json()["token"] != token
    assert api.client.get("/api/v1/agents", headers=nina).status_code == 401
    refused(api, "POST", f"/api/v1/agents/{agent_id}/token", 403, "agent")
    refused(api, "POST", "/api/v1/agents/not-an-id/token", 404, "admin")


def test_agent_profile_patch_and_refusals(api):
    agent_id = api.agent_ids["agent"]
    shown = api.client.get(f"/api/v1/agents/{agent_id}", headers=api.auth("auditor"))
    version = shown.json()["version"]
    assert shown.headers["etag"] == f'"{version}"'
    path = f"/api/v1/agents/{agent_id}"
    refused(api, "PATCH", path, 409, "admin", headers={"If-Match": f'"{version - 1}"'},
            json={"capacity": 3})
    changed = api.client.patch(path, headers={**api.auth("admin"), "If-Match": f'"{version}"'},
                               json={"capacity": 3, "skills": ["billing", "shipping"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["capacity"], changed.json()["skills"]) == (3, ["billing", "shipping"])
    refused(api, "PATCH", path, 422, "admin", json={"role": "boss"})
    refused(api, "PATCH", path, 422, "admin", json={"skills": ["gardening"]})
    refused(api, "PATCH", path, 422, "admin", json={"capacity": 100_000})
    refused(api, "PATCH", path, 422, "admin", json={"capacity": "three"})
    refused(api, "PATCH", path, 422, "admin", json={"nickname": "a"})
    refused(api, "GET", "/api/v1/agents/00000000-0000-0000-0000-000000000000", 404, "admin")
    refused(api, "PATCH", "/api/v1/agents/nobody", 404, "admin", json={"capacity": 1})
    refused(api, "POST", "/api/v1/agents", 422, "admin",
            json={"email": "agent@desk.example", "name": "Again", "role": "agent"})


def test_sla_policies_round_trip_their_targets_and_calendar(api):
    created = api.client.post("/api/v1/sla-policies", headers=api.auth("admin"), json=POLICY)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["calendar"] == POLICY["calendar"] and body["auto_close_days"] == 3
    assert [t["priority"] for t in body["targets"]] == ["urgent", "high", "medium", "low"]
    listed = api.client.get(f"/api/v1/sla-policies?min_position={body['position']}",
                            headers=api.auth("analyst")).json()["items"]
    assert [p["id"] for p in listed] == ["default", "gold"]
    assert listed[1]["calendar"] == body["calendar"] and listed[1]["targets"] == body["targets"]
    path = "/api/v1/sla-policies/gold"
    refused(api, "PATCH", path, 409, "admin", headers={"If-Match": '"1"'},
            json={"auto_close_days": 5})
    changed = api.client.patch(path, headers={**api.auth("admin"), "If-Match": '"2"'},
                               json={"auto_close_days": 5, "calendar": {}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["auto_close_days"] == 5 and changed.json()["calendar"]["hours"] == []
    refused(api, "PATCH", "/api/v1/sla-policies/silver", 404, "admin", json={"name": "S"})


@pytest.mark.parametrize("change", [
    {"calendar": {"timezone": "Mars/Olympus"}},
    {"calendar": {"hours": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}},
    {"calendar": {"hours": [{"weekday": 0, "start": "17:00", "end": "09:00"}]}},
    {"targets": POLICY["targets"][:3]},
    {"targets": [{**t, "first_response_minutes": 0} for t in POLICY["targets"]]},
    {"targets": [{**t, "priority": "asap"} for t in POLICY["targets"]]},
    {"auto_close_days": 0},
    {"id": "GOLD"},
    {"sla": "99%"},
])
def test_bad_sla_policies_are_422(api, change):
    refused(api, "POST", "/api/v1/sla-policies", 422, "admin", json={**POLICY, **change})


def test_templates_are_checked_and_preview_renders_for_a_ticket(api):
    created = api.client.post("/api/v1/templates", headers=api.auth("admin"), json=TEMPLATE)
    assert created.status_code == 201 and created.json()["version"] == 2
    listed = api.client.get(f"/api/v1/templates?min_position={created.json()['position']}",
                            headers=api.auth("auditor")).json()["items"]
    assert [(t["id"], t["active"]) for t in listed] == [("thanks", True)]
    number = api.open_portal_ticket()["number"]
    for who in ("agent", "admin"):
        preview = api.client.post("/api/v1/templates/thanks/preview", headers=api.auth(who),
                                  json={"ticket": number})
        assert preview.status_code == 200, preview.text
        assert preview.json()["subject"] == "Re: Parcel late"
        assert preview.json()["body"] == f"Hello Bob Buyer, {who.title()} here about {number}."
    refused(api, "POST", "/api/v1/templates/thanks/preview", 403, "analyst",
            json={"ticket": number})
    refused(api, "POST", "/api/v1/templates/nope/preview", 404, "agent", json={"ticket": number})
    refused(api, "POST", "/api/v1/templates/thanks/preview", 404, "agent",
            json={"ticket": "TKT-2020-000999"})
    refused(api, "POST", "/api/v1/templates/thanks/preview", 422, "agent", json={"ticket": 7})
    path = "/api/v1/templates/thanks"
    refused(api, "PATCH", path, 409, "admin", headers={"If-Match": '"1"'}, json={"name": "T"})
    refused(api, "PATCH", path, 422, "admin", json={"body": "{{ ticket.secret }}"})
    off = api.client.patch(path, headers={**api.auth("admin"), "If-Match": '"2"'},
                           json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    refused(api, "POST", "/api/v1/templates/thanks/preview", 422, "agent",
            json={"ticket": number})
    refused(api, "PATCH", "/api/v1/templates/nope", 404, "admin", json={"name": "T"})


def test_preview_hides_tickets_of_other_branches(api):
    api.client.post("/api/v1/templates", headers=api.auth("admin"), json=TEMPLATE)
    south = api.helpdesk.open_ticket(subject="South", description="d", customer_name="S",
                                     customer_email="s@example.com", branch="south",
                                     actor=Actor.system("t")).ticket.number
    refused(api, "POST", "/api/v1/templates/thanks/preview", 404, "north_agent",
            json={"ticket": south})


@pytest.mark.parametrize("body", [
    {**TEMPLATE, "body": "Hi {{ ticket.secret }}"},
    {**TEMPLATE, "subject": "{% include 'x' %}"},
    {**TEMPLATE, "signature": "--"},
    {**TEMPLATE, "name": ["T"]},
    {**TEMPLATE, "body": ""},
])
def test_bad_templates_are_422(api, body):
    refused(api, "POST", "/api/v1/templates", 422, "admin", json=body)


def test_configuration_lists_page_with_cursors(api):
    for slug in ("a-one", "b-two", "c-three"):
        api.client.post("/api/v1/categories", headers=api.auth("admin"),
                        json={"id": slug, "name": slug})
    api.sync()
    seen, cursor = [], None
    while True:
        query = "/api/v1/categories?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.client.get(query, headers=api.auth("agent")).json()
        seen += [c["id"] for c in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ["a-one", "b-two", "billing", "c-three", "general", "shipping"]
    agents = api.client.get("/api/v1/agents?limit=2", headers=api.auth("agent")).json()
    more = api.client.get(f"/api/v1/agents?limit=10&cursor={agents['next_cursor']}",
                          headers=api.auth("agent")).json()
    names = [a["name"] for a in agents["items"] + more["items"]]
    assert names == sorted(names) and len(names) == 5
    for query in ("cursor=bogus", "limit=0", "limit=101", f"cursor={agents['next_cursor']}"):
        assert api.client.get(f"/api/v1/categories?{query}",
                              headers=api.auth("agent")).status_code == 422
