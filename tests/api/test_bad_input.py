"""Table-driven bad input for every write endpoint: the expected 4xx problem document, and
nothing written."""

from __future__ import annotations

import pytest

LONG = "x" * 70_000  # over the 64 KiB body limit

TICKET_BODY = {"name": "Bob", "email": "bob@example.com", "subject": "s", "description": "d"}

# (method, path, headers-role, body or raw bytes, expected status, expected error field)
CASES = [
    ("post", "/api/v1/portal/tickets", None, b"{not json", 400, "body"),
    ("post", "/api/v1/portal/tickets", None, {**TICKET_BODY, "subject": 5}, 422, "subject"),
    ("post", "/api/v1/portal/tickets", None, {"name": "Bob"}, 422, "email"),
    ("post", "/api/v1/portal/tickets", None, {**TICKET_BODY, "admin": True}, 422, "admin"),
    ("post", "/api/v1/portal/tickets", None, {**TICKET_BODY, "priority": "asap"}, 422,
     "priority"),
    ("post", "/api/v1/portal/tickets", None, {**TICKET_BODY, "email": "nope"}, 422, "email"),
    ("post", "/api/v1/portal/tickets", None, {**TICKET_BODY, "category": "unknown"}, 422,
     "category"),
    ("post", "/api/v1/portal/tickets", None, {**TICKET_BODY, "description": LONG}, 413, None),
    ("post", "/api/v1/portal/tickets", None, [1, 2, 3], 422, "body"),
    ("post", "/api/v1/tickets", "agent", {**TICKET_BODY, "tags": "vip"}, 422, "tags"),
    ("post", "/api/v1/tickets", "agent", {**TICKET_BODY, "assignee": "nobody"}, 422,
     "assignee"),
    ("post", "/api/v1/tickets", None, TICKET_BODY, 401, None),
    ("post", "/api/v1/tickets", "forged", TICKET_BODY, 401, None),
    ("post", "/api/v1/tickets", "analyst", TICKET_BODY, 403, None),
    ("patch", "/api/v1/tickets/{number}", "agent", {}, 422, "body"),
    ("patch", "/api/v1/tickets/{number}", "agent", {"status": "done"}, 422, "status"),
    ("patch", "/api/v1/tickets/{number}", "agent", {"status": "open", "x": 1}, 422, "x"),
    ("patch", "/api/v1/tickets/TKT-2026-999999", "agent", {"status": "resolved"}, 404, None),
    ("patch", "/api/v1/tickets/not-a-number", "agent", {"status": "resolved"}, 422, None),
    ("post", "/api/v1/tickets/{number}/messages", "agent", {"body": ""}, 422, "body"),
    ("post", "/api/v1/tickets/{number}/messages", "agent", {"body": "hi",
                                                            "visibility": "secret"}, 422,
     "visibility"),
    ("post", "/api/v1/tickets/{number}/messages", "agent", {"template": "missing"}, 404, None),
    ("post", "/api/v1/portal/tickets/{number}/messages", "forged", {"body": "hi"}, 404, None),
    ("post", "/api/v1/portal/tickets/{number}/messages", None, {"body": "hi"}, 401, None),
    ("delete", "/api/v1/tickets/{number}", "agent", None, 403, None),
    ("post", "/api/v1/categories", "admin", {"name": ""}, 422, "name"),
    ("post", "/api/v1/categories", "agent", {"name": "Returns"}, 403, None),
    ("post", "/api/v1/agents", "admin", {"email": "x@example.com", "name": "X",
                                         "role": "boss"}, 422, "role"),
    ("post", "/api/v1/templates", "admin", {"id": "t", "name": "T", "subject": "s",
                                            "body": "{{ ticket.secret }}"}, 422, "body"),
    ("post", "/api/v1/customers", "admin", {"email": "c@example.com", "name": "C",
                                            "orders": [{"number": "A-1",
                                                        "placed_on": "yesterday",
                                                        "total": "1.00"}]}, 422, None),
]


@pytest.mark.parametrize(("method", "path", "who", "body", "status", "field"), CASES)
def test_bad_input_is_refused_and_writes_nothing(api, method, path, who, body, status, field):
    number = api.open_portal_ticket()["number"]
    api.sync()
    before = api.event_count()
    headers = {"Authorization": "Bearer forged-token"} if who == "forged" else (
        api.auth(who) if who else {})
    kwargs = {}
    if isinstance(body, bytes):
        kwargs = {"content": body, "headers": {**headers, "Content-Type": "application/json"}}
    elif body is not None:
        kwargs = {"json": body, "headers": headers}
    else:
        kwargs = {"headers": headers}
    response = getattr(api.client, method)(path.format(number=number), **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    if field:
        assert field in [e["field"] for e in problem["errors"]], problem
    assert api.event_count() == before


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=-1", "limit=99999999999",
                                   "limit=abc", "cursor=!!!", "cursor=" + "A" * 600,
                                   "status=done", "sla=soon", "sort=random",
                                   "created_from=yesterday", "min_position=-3",
                                   "min_position=999999"])
def test_bad_list_parameters_are_422(api, query):
    response = api.client.get(f"/api/v1/tickets?{query}", headers=api.auth("agent"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"] == "query"


def test_the_portal_is_rate_limited_with_retry_after():
    from api.services import ApiSettings
    from tests.api.conftest import make_harness

    harness, close = make_harness(ApiSettings(portal_rate_limit_per_minute=3))
    try:
        for i in range(3):
            harness.open_portal_ticket(email=f"r{i}@example.com")
        before = harness.event_count()
        refused = harness.client.post("/api/v1/portal/tickets", json=TICKET_BODY)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert harness.event_count() == before
        assert harness.client.get("/healthz").status_code == 200
    finally:
        close()
