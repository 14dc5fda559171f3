"""A new user's first minutes: ``helpdesk serve --demo`` starts, the printed admin token
lists the demo tickets, and a ticket opened through the portal shows up in the queue."""

from __future__ import annotations

import httpx


def test_the_demo_token_lists_tickets_and_portal_tickets_reach_the_queue(serve_demo):
    token = serve_demo.line_after("token, shown once")
    agent = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{serve_demo.url}/api/v1/tickets?limit=100", headers=agent, timeout=10)
    assert listed.status_code == 200, listed.text
    assert sum(listed.json()["counts"].values()) > 0

    opened = httpx.post(f"{serve_demo.url}/api/v1/portal/tickets", timeout=10, json={
        "name": "New Customer", "email": "new.customer@example.com",
        "subject": "My first ticket", "description": "Does this work?"})
    assert opened.status_code == 201, opened.text
    created = opened.json()
    queue = httpx.get(f"{serve_demo.url}/api/v1/tickets",
                      params={"q": "My first ticket", "min_position": created["position"]},
                      headers=agent, timeout=10)
    assert [t["number"] for t in queue.json()["items"]] == [created["number"]]

    mine = httpx.get(f"{serve_demo.url}/api/v1/portal/tickets/{created['number']}",
                     headers={"Authorization": f"Bearer {created['access_token']}"},
                     timeout=10)
    assert mine.status_code == 200 and mine.json()["status"] in ("open", "in_progress")
    assert httpx.get(f"{serve_demo.url}/readyz", timeout=10).status_code in (200, 503)
