"""``GET /api/v1/audit/tickets/{number}/verify``: auditors and admins only."""

from __future__ import annotations


def test_an_intact_history_verifies_for_auditors_only(api):
    number = api.open_portal_ticket()["number"]
    api.client.post(f"/api/v1/tickets/{number}/messages", headers=api.auth("agent"),
                    json={"body": "on it"})
    api.sync()
    for who in ("auditor", "admin"):
        response = api.client.get(f"/api/v1/audit/tickets/{number}/verify",
                                  headers=api.auth(who))
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] and body["checked"] >= 2 and len(body["head_digest"]) == 64
    for who in ("agent", "analyst"):
        assert api.client.get(f"/api/v1/audit/tickets/{number}/verify",
                              headers=api.auth(who)).status_code == 403
    assert api.client.get("/api/v1/audit/tickets/TKT-2026-999999/verify",
                          headers=api.auth("auditor")).status_code == 404
