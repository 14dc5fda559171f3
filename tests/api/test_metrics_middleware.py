"""The HTTP metrics: one count per request by method, route template and status; the label
values are bounded by the routes, whatever paths and methods clients send."""

from __future__ import annotations

from api.metrics import REGISTRY


def requests(method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("helpdesk_http_requests_total", labels) or 0.0


def observed(method: str, route: str) -> float:
    labels = {"method": method, "route": route}
    return REGISTRY.get_sample_value("helpdesk_http_request_seconds_count", labels) or 0.0


def test_every_request_is_counted_and_timed_by_route_template(api):
    number = api.open_portal_ticket()["number"]
    route = "/api/v1/tickets/{number}"
    before = requests("GET", route, "200"), observed("GET", route)
    for _ in range(2):
        assert api.client.get(f"/api/v1/tickets/{number}",
                              headers=api.auth("agent")).status_code == 200
    assert requests("GET", route, "200") == before[0] + 2
    assert observed("GET", route) == before[1] + 2
    missing = requests("GET", route, "404")
    assert api.client.get("/api/v1/tickets/TKT-2026-999999",
                          headers=api.auth("agent")).status_code == 404
    assert requests("GET", route, "404") == missing + 1


def test_unknown_paths_and_methods_add_no_label_values(api):
    assert api.client.get("/no/such/path").status_code == 404
    assert api.client.request("BREW", "/api/v1/tickets",
                              headers=api.auth("agent")).status_code == 405
    text = api.client.get("/metrics").text
    assert "/no/such/path" not in text and 'method="BREW"' not in text
