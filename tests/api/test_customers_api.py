"""Customers over HTTP: registration with orders (admins), search, and a customer's page
with their orders and the tickets the caller may see."""

from __future__ import annotations

import pytest

from domain.values import Actor

ALICE = {"email": "Alice@Example.com", "name": "Alice Archer", "phone": "+49 30 1234567",
         "branch": "north",
         "orders": [{"number": "A-1", "placed_on": "2026-01-15", "total": "19.99",
                     "products": ["SKU-1", "SKU-2"]},
                    {"number": "A-2", "placed_on": "2026-02-01", "total": "20",
                     "currency": "USD"}]}


def refused(api, method, path, status, who=None, **kwargs):
    """Send a request that must be refused with ``status`` and write nothing."""
    before = api.event_count()
    response = api.client.request(method, path, headers=api.auth(who) if who else {},
                                  **kwargs)
    assert response.status_code == status, response.text
    assert api.event_count() == before
    return response.json()


def register(api, body):
    response = api.client.post("/api/v1/customers", headers=api.auth("admin"), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_admins_register_customers_with_orders(api):
    alice = register(api, ALICE)
    assert (alice["email"], alice["name"], alice["branch"], alice["version"]) == (
        "alice@example.com", "Alice Archer", "north", 3)
    assert alice["position"] > 0
    assert [(o["number"], o["total"], o["currency"], o["products"]) for o in alice["orders"]] == [
        ("A-1", "19.99", "EUR", ["SKU-1", "SKU-2"]), ("A-2", "20.00", "USD", [])]
    again = register(api, {"email": "alice@example.com", "name": "Alice A.",
                           "orders": [{"number": "A-1", "placed_on": "2026-01-15",
                                       "total": "18.5"}]})
    assert again["id"] == alice["id"] and again["name"] == "Alice A."
    assert [o["total"] for o in again["orders"]] == ["20.00", "18.50"]
    page = api.client.get(f"/api/v1/customers/{alice['id']}?min_position={again['position']}",
                          headers=api.auth("analyst"))
    assert page.status_code == 200, page.text
    shown = page.json()
    assert (shown["name"], shown["phone"], shown["tickets"]) == (
        "Alice A.", None, [])
    assert [(o["number"], o["placed_on"], o["total"]) for o in shown["orders"]] == [
        ("A-2", "2026-02-01", "20.00"), ("A-1", "2026-01-15", "18.50")]


def test_only_admins_register_and_auditors_do_not_read(api):
    refused(api, "POST", "/api/v1/customers", 401, json=ALICE)
    for who in ("agent", "analyst", "auditor"):
        refused(api, "POST", "/api/v1/customers", 403, who, json=ALICE)
    alice = register(api, ALICE)
    api.sync()
    refused(api, "GET", "/api/v1/customers", 401)
    refused(api, "GET", "/api/v1/customers", 403, "auditor")
    refused(api, "GET", f"/api/v1/customers/{alice['id']}", 403, "auditor")
    refused(api, "GET", f"/api/v1/customers/{alice['id']}", 401)
    for who in ("agent", "north_agent", "analyst", "admin"):
        assert api.client.get(f"/api/v1/customers/{alice['id']}",
                              headers=api.auth(who)).status_code == 200


@pytest.mark.parametrize("body", [
    {**ALICE, "vip": True},                                             # unknown field
    {**ALICE, "name": 42},                                              # wrong type
    {**ALICE, "email": "not-an-address"},                               # refused by the domain
    {**ALICE, "phone": "call me"},
    {**ALICE, "orders": [{**ALICE["orders"][0], "total": 19.99}]},      # a number, not text
    {**ALICE, "orders": [{**ALICE["orders"][0], "total": "19.99999"}]},
    {**ALICE, "orders": [{**ALICE["orders"][0], "currency": "eur"}]},
    {**ALICE, "orders": [{**ALICE["orders"][0], "placed_on": "yesterday"}]},
    {**ALICE, "orders": [{**ALICE["orders"][0], "number": "bad number!"}]},
    {**ALICE, "orders": [{**ALICE["orders"][0], "gift": True}]},
    {"name": "No Mail"},
])
def test_bad_customers_are_422(api, body):
    problem = refused(api, "POST", "/api/v1/customers", 422, "admin", json=body)
    assert problem["status"] == 422 and problem["errors"]


def test_unknown_and_malformed_ids_are_404(api):
    for customer_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        refused(api, "GET", f"/api/v1/customers/{customer_id}", 404, "agent")


def test_search_by_name_or_email_ignores_case_and_pages(api):
    for name, email in (("Carol Cook", "carol@shop.example"), ("bob Baker", "b@example.com"),
                        ("Dave", "dave.cook@example.com"), ("Erin", "erin@example.com")):
        register(api, {"email": email, "name": name})
    api.sync()

    def search(query):
        return api.client.get(f"/api/v1/customers?{query}", headers=api.auth("agent")).json()

    assert [c["name"] for c in search("q=COOK")["items"]] == ["Carol Cook", "Dave"]
    assert [c["name"] for c in search("q=shop.EX")["items"]] == ["Carol Cook"]
    assert search("q=100%25")["items"] == [] and search("q=_")["items"] == []
    seen, cursor = [], None
    while True:
        page = search("limit=3" + (f"&cursor={cursor}" if cursor else ""))
        seen += [c["name"] for c in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ["Carol Cook", "Dave", "Erin", "bob Baker"]
    for query in ("limit=0", "limit=101", "cursor=forged", "q=" + "x" * 201):
        refused(api, "GET", f"/api/v1/customers?{query}", 422, "agent")


def test_a_customers_page_lists_their_tickets_of_visible_branches_newest_first(api):
    system = Actor.system("t")

    def open_ticket(branch):
        return api.helpdesk.open_ticket(subject=f"From {branch}", description="d",
                                        customer_name="Alice", branch=branch,
                                        customer_email="alice@example.com",
                                        actor=system).ticket.number

    north, south, anywhere = open_ticket("north"), open_ticket("south"), open_ticket(None)
    api.open_portal_ticket(email="someone@example.com")
    deleted = open_ticket("north")
    api.helpdesk.delete(deleted, actor=system)
    api.sync()
    alice = api.client.get("/api/v1/customers?q=alice", headers=api.auth("agent")).json()
    path = f"/api/v1/customers/{alice['items'][0]['id']}"
    everything = api.client.get(path, headers=api.auth("agent")).json()
    assert [t["number"] for t in everything["tickets"]] == [anywhere, south, north]
    scoped = api.client.get(path, headers=api.auth("north_agent")).json()
    assert [t["number"] for t in scoped["tickets"]] == [anywhere, north]
    assert scoped["orders"] == [] and scoped["email"] == "alice@example.com"
