"""The in-app inbox over HTTP: each agent sees and marks only their own notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.notification import Notification

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def notify(api, who, n, *, channel="in_app", kind="assigned"):
    """Store a notification for the agent named ``who``; its id."""
    recipient = api.agent_ids[who] if channel == "in_app" else f"{who}@desk.example"
    notification = Notification.request(
        cause_event_id=f"event-{n}", recipient=recipient, recipient_kind="agent",
        channel=channel, kind=kind, subject=f"Subject {n}", body=f"Body {n}",
        ticket_number=f"TKT-2026-{n:06d}", at=START + timedelta(minutes=n))
    api.helpdesk.save(notification)
    return str(notification.id)


def inbox(api, who, query=""):
    response = api.client.get(f"/api/v1/notifications{query}", headers=api.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_inbox_shows_the_callers_in_app_notifications_newest_first(api):
    mine = [notify(api, "agent", n) for n in range(1, 4)]
    notify(api, "agent", 4, channel="email")
    notify(api, "admin", 5)
    api.sync()
    body = inbox(api, "agent")
    assert [n["id"] for n in body["items"]] == mine[::-1] and body["next_cursor"] is None
    first = body["items"][-1]
    assert (first["subject"], first["body"], first["kind"], first["ticket_number"],
            first["read"]) == ("Subject 1", "Body 1", "assigned", "TKT-2026-000001", False)
    assert [n["subject"] for n in inbox(api, "admin")["items"]] == ["Subject 5"]
    assert inbox(api, "analyst")["items"] == []


def test_marking_read_and_filtering_unread(api):
    ids = [notify(api, "agent", n) for n in range(1, 4)]
    api.sync()
    before = api.event_count()
    marked = api.client.post(f"/api/v1/notifications/{ids[0]}/read", headers=api.auth("agent"))
    assert marked.status_code == 200, marked.text
    assert marked.json()["read"] is True and marked.json()["position"] == before + 1
    again = api.client.post(f"/api/v1/notifications/{ids[0]}/read", headers=api.auth("agent"))
    assert again.status_code == 200 and again.json()["position"] == 0
    assert api.event_count() == before + 1
    position = marked.json()["position"]
    unread = inbox(api, "agent", f"?unread=true&min_position={position}")
    assert [n["id"] for n in unread["items"]] == ids[:0:-1]
    assert [n["id"] for n in inbox(api, "agent", "?unread=false")["items"]] == [ids[0]]
    assert len(inbox(api, "agent")["items"]) == 3


def test_someone_elses_or_unknown_notifications_are_404_and_change_nothing(api):
    theirs = notify(api, "admin", 1)
    api.sync()
    for path, who, status in (
        (f"/api/v1/notifications/{theirs}/read", "agent", 404),
        ("/api/v1/notifications/00000000-0000-0000-0000-000000000000/read", "agent", 404),
        ("/api/v1/notifications/not-an-id/read", "agent", 404),
        (f"/api/v1/notifications/{theirs}/read", None, 401),
    ):
        before = api.event_count()
        response = api.client.post(path, headers=api.auth(who) if who else {})
        assert response.status_code == status, response.text
        assert api.event_count() == before
    assert inbox(api, "admin")["items"][0]["read"] is False


def test_the_inbox_pages_with_cursors_and_refuses_bad_parameters(api):
    ids = [notify(api, "agent", n) for n in range(1, 6)]
    api.sync()
    seen, cursor = [], None
    while True:
        page = inbox(api, "agent", "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [n["id"] for n in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ids[::-1]
    assert api.client.get("/api/v1/notifications").status_code == 401
    for query in ("?limit=0", "?limit=101", "?cursor=forged", "?unread=maybe",
                  "?min_position=-1"):
        response = api.client.get(f"/api/v1/notifications{query}", headers=api.auth("agent"))
        assert response.status_code == 422, (query, response.text)
