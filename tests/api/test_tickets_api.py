"""Tickets over HTTP: the queue, a ticket's page, changes, roles and branch scoping."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from domain.values import Actor, Status
from projections.queries.cursor import encode_cursor
from projections.queries.tickets import cursor_name


def test_a_portal_ticket_appears_in_the_agents_queue(api):
    created = api.open_portal_ticket()
    response = api.client.get(f"/api/v1/tickets?min_position={created['position']}",
                              headers=api.auth("agent"))
    assert response.status_code == 200
    body = response.json()
    assert [t["number"] for t in body["items"]] == [created["number"]]
    assert body["counts"] == {"open": 1}


def test_ticket_page_has_etag_internal_notes_sla_and_metrics(api):
    number = api.open_portal_ticket()["number"]
    note = api.client.post(f"/api/v1/tickets/{number}/messages", headers=api.auth("agent"),
                           json={"body": "checking the carrier", "visibility": "internal"})
    assert note.status_code == 201 and note.headers["etag"] == '"2"'
    page = api.client.get(f"/api/v1/tickets/{number}", headers=api.auth("agent"))
    assert page.status_code == 200 and page.headers["etag"] == '"2"'
    ticket = page.json()
    assert [m["visibility"] for m in ticket["messages"]] == ["internal"]
    assert ticket["sla"]["policy"] == "default" and ticket["sla"]["state"] == "ok"
    assert ticket["metrics"]["messages_by_visibility"] == {"public": 0, "internal": 1}


def test_customers_see_public_messages_only_and_never_other_tickets(api):
    mine = api.open_portal_ticket()
    other = api.open_portal_ticket(email="eve@example.com")
    for body, visibility in (("we are on it", "public"), ("customer is grumpy", "internal")):
        api.client.post(f"/api/v1/tickets/{mine['number']}/messages", headers=api.auth("agent"),
                        json={"body": body, "visibility": visibility})
    customer = {"Authorization": f"Bearer {mine['access_token']}"}
    seen = api.client.get(f"/api/v1/portal/tickets/{mine['number']}", headers=customer).json()
    assert [m["body"] for m in seen["messages"]] == ["we are on it"]
    assert "assignee" not in seen and "customer" not in seen
    assert api.client.get(f"/api/v1/portal/tickets/{other['number']}",
                          headers=customer).status_code == 404
    assert api.client.get("/api/v1/tickets", headers=customer).status_code == 403
    assert api.client.get(f"/api/v1/audit/tickets/{mine['number']}/events",
                          headers=customer).status_code == 403


def test_a_customer_reply_reopens_and_a_closed_ticket_offers_a_follow_up(api):
    created = api.open_portal_ticket()
    number, customer = created["number"], {"Authorization": f"Bearer {created['access_token']}"}
    api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth("agent"),
                     json={"status": "resolved"})
    reply = api.client.post(f"/api/v1/portal/tickets/{number}/messages", headers=customer,
                            json={"body": "still broken"})
    assert reply.status_code == 201 and reply.json()["status"] == "open"
    api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth("agent"),
                     json={"status": "closed"})
    refused = api.client.post(f"/api/v1/portal/tickets/{number}/messages", headers=customer,
                              json={"body": "hello?"})
    assert refused.status_code == 409 and "follow-up" in refused.json()["detail"]
    follow_up = api.client.post(f"/api/v1/portal/tickets/{number}/follow-ups",
                                headers=customer, json={"description": "still not fixed"})
    assert follow_up.status_code == 201
    again = api.client.get(f"/api/v1/portal/tickets/{follow_up.json()['number']}",
                           headers={"Authorization": f"Bearer {follow_up.json()['access_token']}"})
    assert again.json()["follow_up_of"] == number


def test_patch_changes_several_fields_in_one_version(api):
    number = api.open_portal_ticket()["number"]
    agent_id = api.agent_ids["agent"]
    response = api.client.patch(
        f"/api/v1/tickets/{number}", headers={**api.auth("agent"), "If-Match": '"1"'},
        json={"priority": "high", "category": "billing", "assignee": "me",
              "tags": ["vip", "refund"], "reason": "customer called"})
    assert response.status_code == 200, response.text
    ticket = response.json()
    assert (ticket["priority"], ticket["category"], ticket["assignee"], ticket["status"]) == (
        "high", "billing", agent_id, "in_progress")
    assert ticket["tags"] == ["refund", "vip"]
    api.sync()
    mine = api.client.get("/api/v1/tickets?assignee=me&tag=vip", headers=api.auth("agent"))
    assert [t["number"] for t in mine.json()["items"]] == [number]


def test_refused_transition_and_stale_version_are_409_and_write_nothing(api):
    number = api.open_portal_ticket()["number"]
    api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth("agent"),
                     json={"status": "closed"})
    before = api.event_count()
    refused = api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth("agent"),
                               json={"status": "open"})
    assert refused.status_code == 409
    stale = api.client.patch(f"/api/v1/tickets/{number}",
                             headers={**api.auth("agent"), "If-Match": '"1"'},
                             json={"priority": "low"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert api.event_count() == before


def test_two_patches_with_the_same_if_match_one_wins(api):
    number = api.open_portal_ticket()["number"]

    def patch(priority):
        return api.client.patch(f"/api/v1/tickets/{number}",
                                headers={**api.auth("agent"), "If-Match": '"1"'},
                                json={"priority": priority}).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(patch, ["high", "low"]))
    assert statuses == [200, 409]
    versions = [e.originator_version for e in api.helpdesk.events.get(
        api.helpdesk.get_ticket(number).id)]
    assert versions == [1, 2]


def test_roles_decide_what_is_allowed(api):
    number = api.open_portal_ticket()["number"]
    for who in ("analyst", "auditor"):
        assert api.client.get(f"/api/v1/tickets/{number}", headers=api.auth(who)).status_code == 200
        assert api.client.patch(f"/api/v1/tickets/{number}", headers=api.auth(who),
                                json={"priority": "low"}).status_code == 403
    assert api.client.delete(f"/api/v1/tickets/{number}",
                             headers=api.auth("agent")).status_code == 403
    deleted = api.client.delete(f"/api/v1/tickets/{number}", headers=api.auth("admin"))
    assert deleted.status_code == 200
    assert api.client.get(f"/api/v1/tickets/{number}",
                          headers=api.auth("agent")).status_code == 404
    api.sync()
    assert api.client.get("/api/v1/tickets", headers=api.auth("admin")).json()["items"] == []


def test_agents_see_only_their_branches(api):
    north = api.helpdesk.open_ticket(subject="North", description="d", customer_name="N",
                                     customer_email="n@example.com", branch="north",
                                     actor=Actor.system("t")).ticket.number
    south = api.helpdesk.open_ticket(subject="South", description="d", customer_name="S",
                                     customer_email="s@example.com", branch="south",
                                     actor=Actor.system("t")).ticket.number
    api.sync()
    listed = api.client.get("/api/v1/tickets", headers=api.auth("north_agent")).json()
    assert [t["number"] for t in listed["items"]] == [north]
    assert api.client.get(f"/api/v1/tickets/{south}",
                          headers=api.auth("north_agent")).status_code == 404
    assert api.client.get(f"/api/v1/tickets/{south}",
                          headers=api.auth("agent")).status_code == 200


def test_cursor_pagination_walks_every_ticket_once(api):
    numbers = {api.open_portal_ticket(email=f"c{i}@example.com")["number"] for i in range(7)}
    api.sync()
    seen, cursor = [], None
    while True:
        query = "/api/v1/tickets?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = api.client.get(query, headers=api.auth("agent")).json()
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(numbers)


def test_forged_and_rotated_tokens_are_refused(api):
    assert api.client.get("/api/v1/tickets", headers={
        "Authorization": "Bearer not-a-real-token"}).status_code == 401
    old = api.tokens["agent"]
    api.helpdesk.rotate_agent_token(api.agent_ids["agent"], actor=Actor.system("t"))
    assert api.client.get("/api/v1/tickets", headers={
        "Authorization": f"Bearer {old}"}).status_code == 401


def test_metrics_report_requests_events_read_models_and_tickets(api):
    api.open_portal_ticket()
    api.sync()
    api.client.get("/api/v1/tickets", headers=api.auth("agent"))
    text = api.client.get("/metrics").text
    assert 'helpdesk_http_requests_total{method="GET",route="/api/v1/tickets",status="200"}' \
        in text
    assert 'helpdesk_tickets{status="open"} 1.0' in text
    assert f"helpdesk_events_recorded {float(api.event_count())}" in text
    assert 'helpdesk_projection_lag_events{read_model="ticket_queue"} 0.0' in text


def test_cursors_of_the_old_priority_order_are_422_not_wrong_pages(api):
    for _ in range(3):
        api.open_portal_ticket()
    api.sync()
    page = api.client.get("/api/v1/tickets?limit=1", headers=api.auth("agent")).json()
    number = page["items"][0]["number"]
    # before version 2 a cursor named the sort alone and carried priority_rank (3 = urgent)
    stale = encode_cursor("priority", [1, "2026-03-02T09:00:00+00:00", number])
    forged = encode_cursor(cursor_name("priority"), [1, "9999-12-31T23:59:59-05:00", number])
    for cursor in (stale, forged):
        response = api.client.get(f"/api/v1/tickets?cursor={cursor}",
                                  headers=api.auth("agent"))
        assert response.status_code == 422, response.text
        assert "not a cursor this list returned" in response.text
    walked = api.client.get(f"/api/v1/tickets?limit=1&cursor={page['next_cursor']}",
                            headers=api.auth("agent"))
    assert walked.status_code == 200 and walked.json()["items"][0]["number"] != number


def test_counts_follow_assignment_status_and_deletion(api):
    first, second, third = (api.open_portal_ticket(email=f"n{i}@example.com")["number"]
                            for i in range(3))
    agent = Actor.agent(api.agent_ids["admin"])
    api.helpdesk.assign(first, api.agent_ids["agent"], actor=agent)
    api.helpdesk.change_status(first, Status.WAITING_CUSTOMER, actor=agent)
    api.helpdesk.delete(third, actor=agent)
    api.sync()

    def counts(query: str = "") -> dict[str, int]:
        response = api.client.get(f"/api/v1/tickets?{query}", headers=api.auth("admin"))
        assert response.status_code == 200, response.text
        return response.json()["counts"]

    assert counts() == {"open": 1, "waiting_customer": 1}
    assert counts("status=open") == {"open": 1, "waiting_customer": 1}
    assert counts("assignee=none") == {"open": 1}
    assert counts(f"assignee={api.agent_ids['agent']}") == {"waiting_customer": 1}
    assert counts("q=parcel") == {"open": 1, "waiting_customer": 1}  # counted live
    assert second not in {first, third}


def test_a_text_search_caps_its_counts_and_says_so(api, monkeypatch):
    monkeypatch.setattr("projections.queries.ticket_counts.SEARCH_COUNT_CAP", 2)
    for i in range(3):
        api.open_portal_ticket(email=f"g{i}@example.com", subject=f"Grinder {i} hums")
    api.open_portal_ticket(email="k@example.com", subject="Kettle leaks")
    api.sync()

    def listing(query: str) -> dict:
        response = api.client.get(f"/api/v1/tickets?{query}", headers=api.auth("agent"))
        assert response.status_code == 200, response.text
        return response.json()

    searched = listing("q=grinder")
    assert (searched["counts"], searched["counts_capped"]) == ({"open": 2}, True)
    assert len(searched["items"]) == 3  # only the counts stop: the list goes on
    assert listing("q=kettle")["counts"] == {"open": 1}
    assert listing("q=kettle")["counts_capped"] is False
    assert (listing("")["counts"], listing("")["counts_capped"]) == ({"open": 4}, False)
