"""The web pages through Litestar's test client: logging in, CSRF, clear errors on bad
input (never a 500), the portal's private link, and internal notes kept from customers."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from litestar.testing import TestClient

from api.services import ApiSettings
from application.tickets import OpenedTicket
from domain.values import Actor, SlaMetric, Status, Visibility
from tests.api.conftest import ApiHarness, make_harness

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def text_of(html: str) -> str:
    """The page's text, tags removed, entities decoded, blanks collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def login(api: ApiHarness, who: str = "admin") -> None:
    page = api.client.get("/console/login")
    answer = api.client.post("/console/login", data={
        "_csrf": csrf_of(page.text), "token": api.tokens[who]}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def post_form(client: TestClient[Any], page_path: str, action: str,
              fields: dict[str, Any]) -> Any:
    """Load ``page_path`` (for its CSRF token), then post ``fields`` to ``action``."""
    token = csrf_of(client.get(page_path).text)
    return client.post(action, data={"_csrf": token, **fields}, follow_redirects=False)


def open_ticket(api: ApiHarness, **overrides: Any) -> OpenedTicket:
    fields = {"subject": "Grinder is noisy", "description": "It squeaks since Monday",
              "customer_name": "Bob Buyer", "customer_email": "bob@example.com"} | overrides
    return api.helpdesk.open_ticket(**fields)


# -- logging in ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/console/tickets", "/console/tickets/TKT-2026-000001", "/console/tickets/new",
    "/console/analytics", "/console/admin/categories", "/console/admin/agents",
    "/console/admin/sla-policies", "/console/admin/templates"])
def test_console_pages_send_strangers_to_the_login_page(api, path):
    answer = api.client.get(path + "?status=open", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=%2Fconsole%2F")
    assert "status%3Dopen" in answer.headers["location"]


def test_logging_in_sets_a_safe_session_cookie_and_returns_to_the_page_asked_for(api):
    page = api.client.get("/console/login?next=/console/analytics")
    assert 'value="/console/analytics"' in page.text
    answer = api.client.post("/console/login", follow_redirects=False, data={
        "_csrf": csrf_of(page.text), "token": api.tokens["analyst"],
        "next": "/console/analytics"})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/analytics"
    session = next(c for c in answer.headers.get_list("set-cookie")
                   if c.startswith("hd_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/console" in session
    assert "Secure" not in session  # plain HTTP here; see the HTTPS test below
    assert api.tokens["analyst"] not in session
    dashboard = api.client.get("/console/analytics")
    assert dashboard.status_code == 200 and "Analyst" in dashboard.text


def test_the_session_cookie_is_secure_behind_https(api):
    page = api.client.get("/console/login")
    answer = api.client.post("/console/login", follow_redirects=False,
                             headers={"X-Forwarded-Proto": "https"},
                             data={"_csrf": csrf_of(page.text), "token": api.tokens["agent"]})
    assert all("Secure" in c for c in answer.headers.get_list("set-cookie"))


def test_a_wrong_token_is_refused_with_a_message_and_no_open_redirects(api):
    page = api.client.get("/console/login")
    answer = api.client.post("/console/login", data={
        "_csrf": csrf_of(page.text), "token": "not-a-token", "next": "https://evil.example"})
    assert answer.status_code == 401
    assert "That token is not valid" in answer.text
    login_page = api.client.get("/console/login?next=//evil.example/x")
    assert 'value="/console/tickets"' in login_page.text


def test_logging_out_and_rotating_the_token_end_the_session(api):
    login(api, "agent")
    assert api.client.get("/console/tickets").status_code == 200
    answer = post_form(api.client, "/console/tickets", "/console/logout", {})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")
    assert api.client.get("/console/tickets", follow_redirects=False).status_code == 303

    login(api, "agent")
    api.helpdesk.rotate_agent_token(api.agent_ids["agent"], actor=Actor.system("test"))
    assert api.client.get("/console/tickets", follow_redirects=False).status_code == 303


def test_a_forged_session_cookie_is_ignored(api):
    login(api, "agent")
    forged = api.client.cookies.get("hd_session").replace(".", ".x", 1)
    api.client.cookies.set("hd_session", forged, path="/console")
    assert api.client.get("/console/tickets", follow_redirects=False).status_code == 303


# -- CSRF ---------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused(api):
    login(api)
    ticket = open_ticket(api).ticket
    before = api.event_count()
    for path, fields in [
        (f"/console/tickets/{ticket.number}/messages", {"body": "hi"}),
        (f"/console/tickets/{ticket.number}/update", {"status": "resolved", "version": "1"}),
        ("/console/login", {"token": api.tokens["admin"]}),
        ("/portal/tickets", {"name": "X", "email": "x@example.com", "subject": "s",
                             "description": "d"}),
    ]:
        missing = api.client.post(path, data=fields)
        assert missing.status_code == 403, path
        assert "Form expired" in missing.text
        wrong = api.client.post(path, data={**fields, "_csrf": "forged"})
        assert wrong.status_code == 403, path
    assert api.event_count() == before


def test_a_form_posted_from_another_site_is_refused_even_with_a_token(api):
    login(api)
    ticket = open_ticket(api).ticket
    page = api.client.get(f"/console/tickets/{ticket.number}")
    answer = api.client.post(f"/console/tickets/{ticket.number}/messages",
                             headers={"Origin": "https://evil.example"},
                             data={"_csrf": csrf_of(page.text), "body": "hi"})
    assert answer.status_code == 403


def test_the_json_api_needs_no_csrf_token_and_ignores_the_session(api):
    login(api)
    assert api.client.post("/api/v1/portal/tickets", json={
        "name": "Ann", "email": "ann@example.com", "subject": "s",
        "description": "d"}).status_code == 201
    assert api.client.get("/api/v1/tickets").status_code == 401  # cookies open no API


# -- pages and their errors ---------------------------------------------------------------


def test_every_console_page_renders_with_security_headers(api):
    ticket = open_ticket(api).ticket
    api.sync()
    login(api)
    for path in ["/console/tickets", f"/console/tickets/{ticket.number}",
                 "/console/tickets/new?customer_q=bob", "/console/analytics",
                 "/console/admin/categories", "/console/admin/categories/billing",
                 "/console/admin/agents", f"/console/admin/agents/{api.agent_ids['agent']}",
                 "/console/admin/sla-policies", "/console/admin/sla-policies/default",
                 "/console/admin/templates", "/portal"]:
        answer = api.client.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
        assert answer.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
        assert '<main id="main"' in answer.text and 'lang="en"' in answer.text
    assert api.client.get("/static/app.css").status_code == 200


def test_the_queue_filters_counts_and_pages_like_the_api(api):
    for i in range(3):
        open_ticket(api, subject=f"Filter me {i}", category="billing")
    open_ticket(api, subject="Another one")
    api.sync()
    login(api, "agent")
    page = api.client.get("/console/tickets?q=Filter+me&category=billing&sort=created_at")
    assert page.status_code == 200
    assert len(re.findall(r"Filter me \d", page.text)) == 3
    assert "Another one" not in page.text
    text = text_of(page.text)
    assert "All 3" in text and "Open 3" in text
    unassigned = api.client.get("/console/tickets?assignee=none&q=Another")
    assert "Another one" in unassigned.text
    assert "Another one" not in api.client.get("/console/tickets?assignee=me").text


def test_bad_queue_parameters_show_a_message_instead_of_failing(api):
    login(api)
    answer = api.client.get("/console/tickets?status=nonsense&sort=sideways&sla=late"
                            "&cursor=garbage&assignee=ghost&priority=meh")
    assert answer.status_code == 200
    text = text_of(answer.text)
    assert "Status 'nonsense' is unknown" in text and "Sort 'sideways' is unknown" in text
    assert "That page link is not valid" in text and "assignee is unknown" in text


def test_unknown_and_malformed_tickets_are_a_404_page(api):
    login(api)
    for number in ("TKT-2026-999999", "not-a-number", "x" * 300):
        answer = api.client.get(f"/console/tickets/{number}")
        assert answer.status_code == 404 and "Not found" in answer.text


def test_a_refused_transition_and_a_stale_version_are_explained_on_the_page(api):
    ticket = open_ticket(api).ticket
    api.helpdesk.change_status(ticket.number, Status.RESOLVED,
                               actor=Actor.agent(api.agent_ids["admin"]))
    login(api)
    page_path = f"/console/tickets/{ticket.number}"
    version = api.helpdesk.get_ticket(ticket.number).version
    refused = post_form(api.client, page_path, f"{page_path}/update", {
        "status": "waiting_customer", "priority": "medium", "category": "general",
        "assignee": "", "tags": "", "version": str(version)})
    assert refused.status_code == 409
    assert ("Cannot move a ticket from &#39;resolved&#39; to &#39;waiting_customer&#39;"
            in refused.text)
    assert 'role="alert"' in refused.text
    stale = post_form(api.client, page_path, f"{page_path}/update", {
        "status": "closed", "priority": "medium", "category": "general", "assignee": "",
        "tags": "", "version": str(version - 1)})
    assert stale.status_code == 409 and "Someone changed this in the meantime" in stale.text
    assert api.helpdesk.get_ticket(ticket.number).status is Status.RESOLVED


def test_bookkeeping_since_the_form_was_loaded_is_no_conflict_but_real_changes_are(api):
    ticket = open_ticket(api).ticket
    system = Actor.system("sla-monitor")
    login(api)
    page_path = f"/console/tickets/{ticket.number}"
    fields = {"status": "open", "priority": "high", "category": "general", "assignee": "",
              "tags": "", "version": str(ticket.version)}
    api.helpdesk.record_sla_breach(ticket.number, SlaMetric.FIRST_RESPONSE,
                                   api.helpdesk.clock(), actor=system)  # bookkeeping
    saved = post_form(api.client, page_path, f"{page_path}/update", fields)
    assert saved.status_code == 303
    assert api.helpdesk.get_ticket(ticket.number).priority == "high"
    seen = api.helpdesk.get_ticket(ticket.number).version
    api.helpdesk.tag(ticket.number, ["vip"], actor=system)  # a real change
    refused = post_form(api.client, page_path, f"{page_path}/update",
                        {**fields, "priority": "low", "tags": "vip", "version": str(seen)})
    assert refused.status_code == 409 and "Someone changed this" in refused.text
    assert api.helpdesk.get_ticket(ticket.number).priority == "high"


def test_updating_a_ticket_changes_only_what_the_form_changed(api):
    ticket = open_ticket(api).ticket
    login(api)
    page_path = f"/console/tickets/{ticket.number}"
    answer = post_form(api.client, page_path, f"{page_path}/update", {
        "status": "open", "priority": "high", "category": "general", "assignee": "me",
        "tags": "vip, Noisy", "version": str(ticket.version), "reason": "checked"})
    assert answer.status_code == 303
    after = api.helpdesk.get_ticket(ticket.number)
    assert after.priority == "high" and after.assignee == api.agent_ids["admin"]
    assert after.tags == ("noisy", "vip") and after.status is Status.IN_PROGRESS
    shown = api.client.get(answer.headers["location"])
    assert "The ticket was updated" in shown.text
    assert "changed the priority from medium to high" in shown.text  # the history in words
    bad = post_form(api.client, page_path, f"{page_path}/update", {
        "status": "sideways", "priority": "high", "category": "general", "assignee": "me",
        "tags": "bad tag!", "version": "abc"})
    assert bad.status_code == 422
    assert "choose a status" in bad.text and "must be a whole number" in bad.text


def test_replies_notes_and_template_previews(api):
    ticket = open_ticket(api).ticket
    api.helpdesk.create_template("thanks", name="Thanks", subject="Re {{ ticket.number }}",
                                 body="Hello {{ customer.name }}, thanks!",
                                 actor=Actor.system("test"))
    login(api)
    page_path = f"/console/tickets/{ticket.number}"
    preview = post_form(api.client, page_path, f"{page_path}/messages", {
        "template": "thanks", "body": "", "visibility": "public", "action": "preview"})
    assert preview.status_code == 200 and "Hello Bob Buyer, thanks!" in preview.text
    fetched = api.client.get(f"{page_path}/template-preview?template=thanks").json()
    assert fetched == {"body": "Hello Bob Buyer, thanks!"}
    assert "error" in api.client.get(f"{page_path}/template-preview?template=nope").json()
    empty = post_form(api.client, page_path, f"{page_path}/messages",
                      {"body": "", "visibility": "public", "action": "send"})
    assert empty.status_code == 422 and "Write a message or pick a template" in empty.text
    sent = post_form(api.client, page_path, f"{page_path}/messages", {
        "template": "thanks", "body": "", "visibility": "public", "action": "send"})
    assert sent.status_code == 303
    noted = post_form(api.client, page_path, f"{page_path}/messages", {
        "body": "<b>internal</b> only", "visibility": "internal", "action": "send"})
    assert noted.status_code == 303
    page = api.client.get(noted.headers["location"])
    assert "Internal note" in page.text and "&lt;b&gt;internal&lt;/b&gt; only" in page.text
    messages = api.helpdesk.get_ticket(ticket.number).messages
    assert [(m.visibility, m.template) for m in messages] == [
        (Visibility.PUBLIC, "thanks"), (Visibility.INTERNAL, None)]


def test_roles_without_the_right_see_a_403_page(api):
    login(api, "agent")
    for path in ("/console/analytics", "/console/admin/agents", "/console/admin/templates"):
        answer = api.client.get(path)
        assert answer.status_code == 403 and "needs one of the roles" in answer.text
    login(api, "analyst")
    ticket = open_ticket(api).ticket
    page = api.client.get(f"/console/tickets/{ticket.number}")
    assert page.status_code == 200 and "Save changes" not in page.text
    assert post_form(api.client, "/console/tickets", "/console/tickets/new",
                     {"subject": "x"}).status_code == 403


def test_the_new_ticket_form_finds_customers_and_explains_bad_input(api):
    api.helpdesk.upsert_customer(email="carla@example.com", name="Carla Customer")
    api.sync()
    login(api)
    found = api.client.get("/console/tickets/new?customer_q=carla")
    assert "carla@example.com" in found.text
    customer_id = re.search(r"customer=([0-9a-f-]{36})", found.text).group(1)
    chosen = api.client.get(f"/console/tickets/new?customer={customer_id}")
    assert 'value="Carla Customer"' in chosen.text
    bad = post_form(api.client, "/console/tickets/new", "/console/tickets/new", {
        "name": "Carla", "email": "not-an-address", "subject": "", "description": "x",
        "assignment": "manual", "assignee": ""})
    assert bad.status_code == 422
    assert "must not be empty" in bad.text and "choose an agent" in bad.text
    wrong = post_form(api.client, "/console/tickets/new", "/console/tickets/new", {
        "name": "Carla", "email": "not-an-address", "subject": "Help",
        "description": "x"})
    assert wrong.status_code == 422 and "is not a valid e-mail address" in wrong.text
    made = post_form(api.client, "/console/tickets/new", "/console/tickets/new", {
        "name": "Carla Customer", "email": "carla@example.com", "subject": "Refund?",
        "description": "Where is it?", "category": "billing", "priority": "high",
        "assignment": "manual", "assignee": api.agent_ids["agent"], "order_ref": ""})
    assert made.status_code == 303
    number = made.headers["location"].split("/")[-1].split("?")[0]
    ticket = api.helpdesk.get_ticket(number)
    assert ticket.assignee == api.agent_ids["agent"] and ticket.priority == "high"


def test_admin_forms_explain_refusals(api):
    login(api)
    bad = post_form(api.client, "/console/admin/templates", "/console/admin/templates", {
        "id": "oops", "name": "Oops", "subject": "Hi", "body": "{{ ticket.secret }}"})
    assert bad.status_code == 422 and "unknown variable" in bad.text
    taken = post_form(api.client, "/console/admin/categories", "/console/admin/categories", {
        "id": "billing", "name": "Billing again", "default_priority": "medium"})
    assert taken.status_code == 422 and "already exists" in taken.text
    created = post_form(api.client, "/console/admin/agents", "/console/admin/agents", {
        "name": "Nina New", "email": "nina@desk.example", "role": "agent", "capacity": "5"})
    assert created.status_code == 200 and "shown only this once" in created.text
    assert created.headers["cache-control"] == "no-store"
    token = re.search(r'id="token" class="token" type="text" readonly value="([^"]+)"',
                      created.text).group(1)
    assert api.helpdesk.authenticate_agent(token).name == "Nina New"
    policy = post_form(api.client, "/console/admin/sla-policies",
                       "/console/admin/sla-policies", {
                           "id": "night", "name": "Night", "first_urgent": "90",
                           "resolution_urgent": "30", "auto_close_days": "0"})
    assert policy.status_code == 422 and "must be a whole number" in policy.text


def test_the_dashboard_draws_charts_and_explains_a_bad_period(api):
    open_ticket(api)
    api.sync()
    login(api, "analyst")
    page = api.client.get("/console/analytics")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 5 and 'data-value="1"' in page.text
    bad = api.client.get("/console/analytics?from=yesterday&to=2026-01-01")
    assert bad.status_code == 200 and "Showing the last 30 days instead" in bad.text


# -- the portal ---------------------------------------------------------------------------


def open_in_portal(client: TestClient[Any], **fields: str) -> tuple[str, str]:
    """Open a ticket through the portal's form; its number and private link."""
    answer = post_form(client, "/portal", "/portal/tickets", {
        "name": "Pia Portal", "email": "pia@example.com", "subject": "Kettle leaks",
        "description": "Water everywhere", "category": "", **fields})
    assert answer.status_code == 201, answer.text
    number = re.search(r"TKT-\d{4}-\d{6}", answer.text).group(0)
    link = re.search(r'id="private-link"[^>]*value="([^"]+)"', answer.text).group(1)
    assert answer.headers["cache-control"] == "no-store"
    return number, unescape(link)


def test_the_portal_opens_tickets_and_explains_bad_input(api):
    bad = post_form(api.client, "/portal", "/portal/tickets", {
        "name": "", "email": "nope", "subject": "s", "description": "d"})
    assert bad.status_code == 422 and "is not a valid e-mail address" in bad.text
    number, link = open_in_portal(api.client)
    assert link.endswith(f"/portal/tickets/{number}#token=" + link.split("#token=")[1])


def test_the_private_link_reaches_the_server_only_as_a_cookie_for_that_ticket(api):
    number, link = open_in_portal(api.client)
    token = link.split("#token=")[1]
    stranger = TestClient(api.client.app)
    with stranger:
        locked = stranger.get(f"/portal/tickets/{number}")
        assert locked.status_code == 200 and "Kettle leaks" not in locked.text
        assert 'src="/static/portal.js"' in locked.text
        wrong = post_form(stranger, f"/portal/tickets/{number}",
                          f"/portal/tickets/{number}/access", {"token": "wrong"})
        assert wrong.status_code == 404 and "does not open the ticket" in wrong.text
        opened = post_form(stranger, f"/portal/tickets/{number}",
                           f"/portal/tickets/{number}/access", {"token": token})
        assert opened.status_code == 303 and opened.headers["location"] == (
            f"/portal/tickets/{number}")
        cookie = opened.headers["set-cookie"]
        assert f"Path=/portal/tickets/{number}" in cookie and "HttpOnly" in cookie
        assert "Kettle leaks" in stranger.get(f"/portal/tickets/{number}").text
    with TestClient(api.client.app) as other:
        answer = other.get(f"/portal/tickets/{number.lower()}?token={token}",
                           follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/portal/tickets/{number}"  # no token in it
        assert "Kettle leaks" in other.get(answer.headers["location"]).text
        second, _ = open_in_portal(other, subject="Another kettle")
        assert other.get(f"/portal/tickets/{second}?token={token}").status_code == 404


def test_customers_never_see_internal_notes(api):
    number, _ = open_in_portal(api.client)
    admin = Actor.agent(api.agent_ids["admin"])
    api.helpdesk.add_message(number, "We are sending a new kettle.", author=admin)
    api.helpdesk.add_message(number, "SECRET: customer broke it", author=admin,
                             visibility=Visibility.INTERNAL)
    page = api.client.get(f"/portal/tickets/{number}")
    assert "We are sending a new kettle." in page.text
    assert "SECRET" not in page.text and "Internal" not in page.text
    assert "status changed to" in text_of(page.text) or "Open" in page.text
    reply = post_form(api.client, f"/portal/tickets/{number}",
                      f"/portal/tickets/{number}/reply", {"body": "Thank you!"})
    assert reply.status_code == 303
    again = api.client.get(reply.headers["location"])
    assert "Thank you!" in again.text and "SECRET" not in again.text


def test_a_closed_ticket_offers_a_follow_up_instead_of_a_reply(api):
    number, _ = open_in_portal(api.client)
    api.helpdesk.change_status(number, Status.CLOSED, actor=Actor.agent(api.agent_ids["admin"]))
    page = api.client.get(f"/portal/tickets/{number}")
    assert "Open a follow-up ticket" in page.text and "/reply" not in page.text
    refused = post_form(api.client, f"/portal/tickets/{number}",
                        f"/portal/tickets/{number}/reply", {"body": "Still broken"})
    assert refused.status_code == 409 and "takes no more replies" in refused.text
    empty = post_form(api.client, f"/portal/tickets/{number}",
                      f"/portal/tickets/{number}/follow-up", {"description": ""})
    assert empty.status_code == 422 and "must not be empty" in empty.text
    follow = post_form(api.client, f"/portal/tickets/{number}",
                       f"/portal/tickets/{number}/follow-up",
                       {"subject": "", "description": "Still broken"})
    assert follow.status_code == 201 and f"It follows up on {number}" in follow.text


def test_page_text_is_escaped(api):
    number, _ = open_in_portal(api.client, subject="<script>alert(1)</script>")
    page = api.client.get(f"/portal/tickets/{number}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_portal_form_shares_the_portal_rate_limit_and_says_so_in_html():
    harness, close = make_harness(ApiSettings(portal_rate_limit_per_minute=1))
    try:
        open_in_portal(harness.client)
        again = post_form(harness.client, "/portal", "/portal/tickets", {
            "name": "Pia", "email": "pia@example.com", "subject": "s", "description": "d"})
        assert again.status_code == 429
        assert again.headers["content-type"].startswith("text/html")
        assert "Too many requests" in again.text
    finally:
        close()


def test_the_queue_marks_capped_search_counts_with_a_plus(api, monkeypatch):
    monkeypatch.setattr("projections.queries.ticket_counts.SEARCH_COUNT_CAP", 2)
    for i in range(3):
        api.open_portal_ticket(email=f"g{i}@example.com", subject=f"Grinder {i} hums")
    api.sync()
    login(api, "agent")
    searched = api.client.get("/console/tickets?q=grinder").text
    assert re.search(r'class="count">2\+</span>', searched)
    plain = api.client.get("/console/tickets").text
    assert re.search(r'class="count">3</span>', plain) and "+</span>" not in plain


def test_a_policy_form_keeps_opening_hours_day_by_day(api):
    login(api)
    targets = {f"{kind}_{p}": minutes for p in ("low", "medium", "high", "urgent")
               for kind, minutes in (("first", "60"), ("resolution", "600"))}
    fields = {"id": "split", "name": "Split shifts", "timezone": "Europe/Berlin",
              "auto_close_days": "7", **targets, "hours_0": "09:00-12:00 13:00-17:00",
              "hours_1": "9:00-17:00", "hours_5": "10:00 \u2013 14:00"}
    made = post_form(api.client, "/console/admin/sla-policies", "/console/admin/sla-policies",
                     fields)
    assert made.status_code == 303, made.text
    policy = api.helpdesk.get_sla_policy("split")
    assert [(h.weekday, h.start, h.end) for h in policy.calendar.hours] == [
        (0, "09:00", "12:00"), (0, "13:00", "17:00"), (1, "09:00", "17:00"),
        (5, "10:00", "14:00")]
    page = api.client.get("/console/admin/sla-policies/split").text
    shown = dict(re.findall(r'name="(hours_\d)" type="text" value="([^"]*)"', page))
    assert shown == {"hours_0": "09:00-12:00 13:00-17:00", "hours_1": "09:00-17:00",
                     "hours_2": "", "hours_3": "", "hours_4": "", "hours_5": "10:00-14:00",
                     "hours_6": ""}
    saved = post_form(api.client, "/console/admin/sla-policies/split",
                      "/console/admin/sla-policies/split",
                      {**fields, **shown, "version": str(policy.version)})
    assert saved.status_code == 303, saved.text
    assert api.helpdesk.get_sla_policy("split").calendar == policy.calendar

    for hours, message in (("9 to 5", "write the hours as 09:00-17:00"),
                           ("09:00-12:00 11:00-13:00", "overlapping")):
        refused = post_form(api.client, "/console/admin/sla-policies",
                            "/console/admin/sla-policies",
                            {**fields, "id": "bad", "hours_2": hours})
        assert refused.status_code == 422 and message in refused.text, hours
    closed = post_form(api.client, "/console/admin/sla-policies", "/console/admin/sla-policies",
                       {**fields, "id": "never", "hours_0": "", "hours_1": "", "hours_5": ""})
    assert closed.status_code == 422 and "at least one day" in closed.text
