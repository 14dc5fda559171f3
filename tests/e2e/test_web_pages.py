"""The web pages in a real browser: Debian's Chromium, headless, driven by Playwright,
against ``helpdesk serve --demo`` on loopback. A customer opens a ticket in the portal, an
agent works it in the console, the customer reads the answer through the private link,
and every page is saved as a screenshot in docs/screenshots/ (shown in docs/ui.md).

Needs /usr/bin/chromium (``scripts/ensure-browser`` installs it) and the ``playwright``
package; never ``playwright install``. Without them the tests skip loudly, or fail when
HELPDESK_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.conftest import Server, start_server, stop_server

CHROMIUM = os.environ.get("HELPDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


def _require_browser() -> Any:
    """The Playwright module, or a loud skip (a failure when services are required)."""
    problem = None
    try:
        from playwright import sync_api
    except ImportError:
        problem, sync_api = "the playwright package is not installed", None
    if problem is None and not os.access(CHROMIUM, os.X_OK):
        problem = f"{CHROMIUM} is missing (run scripts/ensure-browser as root)"
    if problem is None:
        return sync_api
    if os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"browser tests cannot run: {problem}", pytrace=False)
    print(f"\n*** SKIPPING browser tests: {problem} ***")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    port = e2e.free_port()  # known in advance, so that the private links name it
    env = {"HELPDESK_DATABASE_URL": f"sqlite:///{folder}/helpdesk.sqlite3",
           "HELPDESK_DEMO_TICKETS": "40", "HELPDESK_OUTBOX": str(folder / "outbox"),
           "HELPDESK_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(e2e, "free_port", lambda: port)
        server = start_server(["serve", "--demo"], env, "helpdesk is serving on")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = _require_browser()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def agent(browser, demo) -> Iterator[Any]:
    """A logged-in admin's tab (the token printed by ``serve --demo``)."""
    context = browser.new_context(viewport=WIDE)
    page = watched(context.new_page())
    page.goto(f"{demo.url}/console/tickets")
    assert "/console/login" in page.url  # strangers are sent to the login page
    shoot(page, "console-login")
    page.fill("#f-token", demo.line_after("token, shown once"))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/console/tickets$"))
    yield page
    context.close()


EXPECTED = re.compile(r"the server responded with a status of 4\d\d")
"""Pages that explain a refusal (409, 422, 404) answer with its status on purpose."""
PROBLEMS: list[str] = []
"""Console errors (a blocked script or style, a failed request) of every tab."""


def watched(page: Any) -> Any:
    """``page``, with its console errors and failed requests recorded in PROBLEMS."""
    page.set_default_timeout(15_000)
    page.on("console", lambda m: PROBLEMS.append(f"{page.url}: {m.text}")
            if m.type == "error" and not EXPECTED.search(m.text) else None)
    page.on("requestfailed", lambda r: PROBLEMS.append(f"{r.url}: {r.failure}"))
    return page


def shoot(page: Any, name: str, *, full: bool = True) -> None:
    """Save a screenshot (and check that nothing went wrong on the page so far)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)
    assert not PROBLEMS, PROBLEMS


def find_in_queue(page: Any, base: str, subject: str) -> None:
    """Search the queue until the read model has the ticket (bounded)."""
    deadline = time.monotonic() + 15
    while True:
        page.goto(f"{base}/console/tickets")
        page.fill("#f-q", subject)
        page.click("form.filters button[type=submit]")
        if page.locator("table.queue tbody tr").count() == 1:
            return
        assert time.monotonic() < deadline, "the new ticket never reached the queue"
        time.sleep(0.3)


def test_a_ticket_from_the_portal_to_the_console_and_back(browser, demo, agent):
    base = demo.url
    subject = f"Grinder makes a loud noise {uuid.uuid4().hex[:6]}"

    # The customer opens a ticket and gets the private link, once.
    customer = watched(browser.new_context(viewport=WIDE).new_page())
    customer.goto(f"{base}/portal")
    shoot(customer, "portal-open")
    customer.fill("#f-name", "Greta Grinder")
    customer.fill("#f-email", "greta.grinder@example.com")
    customer.select_option("#f-category", "technical")
    customer.fill("#f-subject", subject)
    customer.fill("#f-description", "Since yesterday the grinder rattles at every setting.")
    customer.click("form.stack button[type=submit]")
    customer.wait_for_selector("#private-link")
    link = customer.input_value("#private-link")
    number = re.search(r"TKT-\d{4}-\d{6}", customer.inner_text("h1")).group(0)
    assert link.endswith(f"/portal/tickets/{number}#token=" + link.split("#token=")[1])
    shoot(customer, "portal-created")

    customer.click("#open-ticket")
    customer.wait_for_selector(f"h1:has-text('{subject}')")
    customer.wait_for_function("!window.location.hash")  # the token leaves the address bar

    # On another device the link's fragment is moved into an HttpOnly cookie by a POST.
    assert link.startswith(base)
    device = watched(browser.new_context(viewport=WIDE).new_page())
    device.goto(link)
    device.wait_for_selector(f"h1:has-text('{subject}')")
    assert device.url == f"{base}/portal/tickets/{number}"
    assert device.evaluate("document.cookie") == ""  # nothing readable by scripts
    device.context.close()

    # The agent finds it in the queue.
    find_in_queue(agent, base, subject)
    shoot(agent, "console-queue-search")
    agent.click(f"table.queue a:has-text('{number}')")
    agent.wait_for_selector(f"h1:has-text('{number}')")

    # A template's rendered preview, then a public reply and an internal note.
    agent.select_option("#f-template", "ack")
    agent.click("button[value=preview]")
    agent.wait_for_selector("#preview:not([hidden])")
    assert "Greta Grinder" in agent.inner_text("#preview-body")
    agent.fill("#f-body", "Thanks Greta, a replacement burr set is on its way.")
    agent.click("button[value=send]")
    agent.wait_for_selector("p.notice:has-text('Your reply was sent')")
    agent.check("input[name=visibility][value=internal]")
    agent.select_option("#f-template", "")
    agent.fill("#f-body", "Internal: second grinder this month, check the batch.")
    agent.click("button[value=send]")
    agent.wait_for_selector("p.notice:has-text('internal note was added')")
    note = agent.locator("li.message.internal")
    assert note.count() == 1 and "check the batch" in note.inner_text()
    assert "Internal note" in note.inner_text()

    # Resolve it, then a refused transition shows its error.
    agent.select_option("#f-status", "resolved")
    agent.fill("#f-reason", "replacement sent")
    agent.click("#update button[type=submit]")
    agent.wait_for_selector("p.notice:has-text('The ticket was updated')")
    assert "Resolved" in agent.inner_text(".page-head .badges")
    shoot(agent, "console-ticket")
    agent.select_option("#f-status", "waiting_customer")
    agent.click("#update button[type=submit]")
    alert = agent.locator("#update .error-summary")
    alert.wait_for()
    assert "Cannot move a ticket from 'resolved' to 'waiting_customer'" in alert.inner_text()
    agent.evaluate("window.scrollTo(0, 0)")
    shoot(agent, "console-ticket-refused", full=False)

    # The customer sees the reply and the new status, never the note.
    customer.reload()
    conversation = customer.inner_text("ol.conversation")
    assert "a replacement burr set is on its way" in conversation
    assert "check the batch" not in customer.content()
    assert "Resolved" in customer.inner_text(".page-head")
    assert "status changed to Resolved" in conversation
    shoot(customer, "portal-ticket")

    # Once closed, the portal offers a follow-up instead of the reply box.
    agent.goto(f"{base}/console/tickets/{number}")
    agent.select_option("#f-status", "closed")
    agent.click("#update button[type=submit]")
    agent.wait_for_selector("p.notice:has-text('The ticket was updated')")
    customer.reload()
    customer.wait_for_selector("text=Open a follow-up ticket")
    assert customer.locator("form[action$='/reply']").count() == 0
    shoot(customer, "portal-closed")

    # A stranger without the link sees nothing of the ticket.
    stranger = watched(browser.new_context(viewport=WIDE).new_page())
    stranger.goto(f"{base}/portal/tickets/{number}")
    assert subject not in stranger.content()
    shoot(stranger, "portal-locked")
    stranger.context.close()
    customer.context.close()


def test_the_dashboard_draws_its_charts(agent, demo):
    agent.goto(f"{demo.url}/console/analytics")
    for chart in ("chart-volume", "chart-backlog", "chart-times", "chart-sla-categories",
                  "chart-sla-agents"):
        assert agent.locator(f"svg#{chart}").count() == 1, chart
    values = [float(v) for v in agent.locator("svg#chart-volume rect.bar").evaluate_all(
        "bars => bars.map(b => b.getAttribute('data-value'))")]
    assert values and max(values) > 0
    heights = agent.locator("svg#chart-sla-categories rect.bar").evaluate_all(
        "bars => bars.map(b => b.getBoundingClientRect().width)")
    assert heights and max(heights) > 0
    shoot(agent, "console-dashboard")


def test_the_other_console_pages_render(agent, demo):
    base = demo.url
    agent.goto(f"{base}/console/tickets")
    shoot(agent, "console-queue")
    agent.goto(f"{base}/console/tickets/new?customer_q=example")
    agent.click("ul.results li:first-child a")
    agent.wait_for_selector("fieldset.orders")
    agent.check("fieldset.orders input[type=radio] >> nth=1")
    agent.fill("#f-subject", "Order question from the phone")
    agent.fill("#f-description", "Called about the delivery date.")
    shoot(agent, "console-new-ticket")
    agent.click("form.stack button.primary")
    agent.wait_for_selector("p.notice:has-text('The ticket was opened')")

    for path, name in (("/console/admin/categories", "admin-categories"),
                       ("/console/admin/agents", "admin-agents"),
                       ("/console/admin/sla-policies", "admin-sla-policies"),
                       ("/console/admin/templates", "admin-templates")):
        agent.goto(base + path)
        assert agent.locator("table tbody tr").count() > 0, path
        shoot(agent, name)
    agent.goto(f"{base}/console/admin/agents")
    agent.fill("#f-name", "Petra Probe")
    agent.fill("#f-email", f"petra.{uuid.uuid4().hex[:6]}@demo.helpdesk")
    agent.click("form.stack button.primary")
    agent.wait_for_selector("input#token")
    assert len(agent.input_value("input#token")) >= 40
    shoot(agent, "admin-agent-token")


def test_pages_fit_a_phone_screen_and_work_from_the_keyboard(browser, demo, agent):
    phone = watched(browser.new_context(
        viewport=NARROW, storage_state=agent.context.storage_state()).new_page())
    phone.goto(f"{demo.url}/console/tickets")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"] + 1, "the page scrolls sideways on a phone"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Skip to main content"
    shoot(phone, "console-queue-phone", full=False)
    phone.goto(f"{demo.url}/portal")
    shoot(phone, "portal-open-phone", full=False)
    phone.context.close()
