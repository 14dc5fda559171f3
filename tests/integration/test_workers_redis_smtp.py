"""The reacting side on the real Redis broker and a real SMTP server (on loopback).

Same wiring as ``test_workers.py`` (real application, read models, actors and Dramatiq
worker threads), but messages go through Redis (database 14, namespace ``helpdesk``, emptied
before and after each test) and e-mail through ``SmtpMailer`` to an aiosmtpd server.

``Desk.settle()`` cannot be used here: it calls ``broker.join(QUEUE, fail_fast=True)``,
which only the stub broker accepts (``RedisBroker.join`` has no ``fail_fast``). ``settle``
below does the same rounds with ``RedisBroker.join(QUEUE, timeout=...)``, which counts the
queue, its delay queue (retries waiting for their backoff) and the messages this broker's
worker holds unacknowledged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from aiosmtpd.controller import Controller
from dramatiq.brokers.redis import RedisBroker

from domain.notification import Notification
from domain.values import Role, Status
from tests.conftest import REDIS_URL, require_service
from tests.integration.workers_harness import SETUP, Desk, add_agent, make_desk
from tests.smtp_server import SmtpSink, _Handler, free_port
from workers import reactions
from workers.broker import NAMESPACE, QUEUE
from workers.mail import SmtpMailer

pytestmark = pytest.mark.redis

SENDER = "Help Desk <help@desk.test>"
REDIS_DB = 14  # a database of its own: nothing else on the shared server is touched
CUSTOMER = "bob@example.com"


def _clear_namespace(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{NAMESPACE}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The shared Redis server, but database 14 and only the ``helpdesk:*`` keys in it."""
    parts = urlsplit(REDIS_URL)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    require_service("Redis", host, port)
    url = f"redis://{host}:{port}/{REDIS_DB}"
    _clear_namespace(url)  # make_desk's flush_all() runs before any queue is declared
    yield url
    _clear_namespace(url)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def _desk(clock: Any, redis_url: str, sink: SmtpSink) -> Desk:
    desk = make_desk(clock, "memory://", redis_url=redis_url,
                     mailer=SmtpMailer(sink.url, SENDER))
    assert isinstance(desk.broker, RedisBroker)
    desk.app.create_category("billing", name="Billing", actor=SETUP)
    return desk


@pytest.fixture
def desk(clock, redis_url, sink) -> Iterator[Desk]:
    desk = _desk(clock, redis_url, sink)
    yield desk
    desk.close()


def settle(desk: Desk, timeout: float = 30.0, rounds: int = 8) -> None:
    """``Desk.settle`` for the Redis broker: dispatch, then wait (with a deadline) until
    Redis holds no message for this queue and the worker has nothing in hand."""
    deadline = time.monotonic() + timeout
    for _ in range(rounds):
        head = desk.app.recorder.max_notification_id()
        desk.wait_for_projections()
        desk.dispatcher.catch_up()
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        desk.broker.join(QUEUE, interval=20, timeout=left_ms)
        desk.worker.join()
        if desk.app.recorder.max_notification_id() == head:
            desk.wait_for_projections()
            return
    raise AssertionError(f"still busy after {rounds} rounds")


def open_ticket(desk: Desk, **fields: Any) -> str:
    values = dict(subject="Charged twice", description="Card charged twice for A-1",
                  customer_name="Bob Buyer", customer_email=CUSTOMER)
    return desk.app.open_ticket(**(values | fields)).ticket.number


def received(sink: SmtpSink) -> list[tuple[tuple[str, ...], str, EmailMessage]]:
    """(envelope recipients, subject, message) of everything the server accepted."""
    return [(envelope.rcpt_tos, str(message["Subject"]), message)
            for envelope, message in zip(sink.envelopes, sink.messages, strict=True)]


def opened_event(desk: Desk, number: str) -> Any:
    return next(iter(desk.app.events.get(desk.app.get_ticket(number).id)))


def email_note(desk: Desk, cause: str, address: str) -> Notification:
    note = desk.app.find(Notification, Notification.create_id(cause, address, "email"))
    assert note is not None, f"no e-mail notification for {address} caused by {cause}"
    return note


# --- a ticket, end to end --------------------------------------------------------------------


def test_a_new_ticket_is_routed_and_both_mails_reach_the_smtp_server(desk, sink):
    add_agent(desk, "generalist")
    biller = add_agent(desk, "biller", skills=["billing"])
    number = open_ticket(desk, category="billing")

    settle(desk)

    ticket = desk.app.get_ticket(number)
    assert ticket.assignee == biller and ticket.status is Status.IN_PROGRESS
    sink.wait_for(2, timeout=10)
    mails = received(sink)
    assert sorted((rcpt, subject) for rcpt, subject, _ in mails) == [
        (("biller@desk.example",), f"[{number}] Assigned to you: Charged twice"),
        ((CUSTOMER,), f"[{number}] We received your request"),
    ]
    assert {e.mail_from for e in sink.envelopes} == {"help@desk.test"}

    customer = next(m for rcpt, _, m in mails if rcpt == (CUSTOMER,))
    assert customer["From"] == SENDER and customer["To"] == CUSTOMER
    body = customer.get_content()
    assert body.startswith("Hello Bob Buyer,\n\nwe received your request \"Charged twice\" "
                           f"as ticket {number}.")
    link = f"http://desk.test/portal/tickets/{number}#token="
    assert link in body and "{private_link}" not in body
    token = body.split("#token=")[1].split()[0]
    assert desk.app.authenticate_customer(number, token) is not None
    assert desk.app.authenticate_customer(number, token[:-1] + "x") is None

    agent = next(m for rcpt, _, m in mails if rcpt == ("biller@desk.example",))
    assert agent["To"] == "biller@desk.example"
    agent_body = agent.get_content()
    assert f"{number} (medium) was assigned to you." in agent_body
    assert f"http://desk.test/console/tickets/{number}" in agent_body
    assert "#token=" not in agent_body  # agents get the console link, never a customer token

    cause = f"{ticket.id}:1"
    note = email_note(desk, cause, CUSTOMER)
    assert (note.status, note.attempts, note.kind) == ("delivered", 1, "ticket_created")
    assert customer["Message-ID"] == f"<{note.id}@helpdesk>"
    assert "{private_link}" in note.body and token not in note.body  # no live token stored


def test_a_ticket_nobody_can_take_mails_only_the_customer(desk, sink):
    boss = add_agent(desk, "boss", role=Role.ADMIN, capacity=0)  # never routed to
    number = open_ticket(desk)

    settle(desk)

    ticket = desk.app.get_ticket(number)
    assert ticket.assignee is None
    assert [(rcpt, subject) for rcpt, subject, _ in received(sink)] == [
        ((CUSTOMER,), f"[{number}] We received your request")]
    # a new, non-urgent ticket reaches admins in the app only
    in_app = desk.app.find(Notification, Notification.create_id(f"{ticket.id}:1", boss,
                                                                  "in_app"))
    assert in_app is not None and (in_app.status, in_app.kind) == ("delivered", "new_ticket")
    assert desk.app.find(Notification, Notification.create_id(
        f"{ticket.id}:1", "boss@desk.example", "email")) is None


# --- refusals by the SMTP server ------------------------------------------------------------


def test_a_451_is_retried_through_the_redis_delay_queue(desk, sink):
    sink.refuse[CUSTOMER] = "451 4.3.0 mailbox busy, try later"
    number = open_ticket(desk)
    cause = f"{desk.app.get_ticket(number).id}:1"
    key = Notification.create_id(cause, CUSTOMER, "email")
    desk.dispatcher.catch_up()
    deadline = time.monotonic() + 10
    while (note := desk.app.find(Notification, key)) is None or note.attempts == 0:
        assert time.monotonic() < deadline, "the first attempt did not happen"
        time.sleep(0.02)
    assert note.status == "pending" and note.reason.startswith("451 4.3.0")
    del sink.refuse[CUSTOMER]  # the server takes mail again; the retry waits in Redis

    settle(desk)

    note = email_note(desk, cause, CUSTOMER)
    assert note.status == "delivered" and note.attempts >= 2
    assert [(rcpt, subject) for rcpt, subject, _ in received(sink)] == [
        ((CUSTOMER,), f"[{number}] We received your request")]


def test_a_550_is_recorded_as_failed_and_not_retried(desk, sink):
    sink.refuse[CUSTOMER] = "550 5.1.1 no such user"
    number = open_ticket(desk)

    settle(desk)

    note = email_note(desk, f"{desk.app.get_ticket(number).id}:1", CUSTOMER)
    assert (note.status, note.attempts, note.reason) == ("failed", 1, "550 5.1.1 no such user")
    assert sink.messages == []  # and settle() returned: no retry waits in the delay queue


# --- redelivery ------------------------------------------------------------------------------


def test_a_redelivered_notify_message_sends_no_second_mail(desk, sink):
    number = open_ticket(desk)
    settle(desk)
    assert len(sink.wait_for(1, timeout=10)) == 1
    opened = opened_event(desk, number)

    for _ in range(2):  # the same message twice more, through Redis
        desk.actors[reactions.NOTIFY].send(str(opened.originator_id), 1)
    settle(desk)

    assert [subject for _, subject, _ in received(sink)] == [
        f"[{number}] We received your request"]
    assert email_note(desk, f"{opened.originator_id}:1", CUSTOMER).attempts == 1


class _SlowDataHandler(_Handler):
    """Answers DATA only after ``delay`` seconds (a slow or busy mail server)."""

    delay = 0.5

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class SlowSink(SmtpSink):
    """An ``SmtpSink`` whose DATA replies are slow."""

    def start(self) -> SlowSink:
        port = free_port(self.host)
        controller = Controller(_SlowDataHandler(self), hostname=self.host, port=port)
        controller.start()
        self._controller, self._port = controller, port
        return self


def test_two_copies_handled_at_the_same_time_send_one_mail(clock, redis_url):
    """Two copies of one message in the queue at once is ordinary at-least-once traffic:
    the dispatcher re-sends a whole batch after a broker error in its middle, and Redis
    re-queues a worker's unacknowledged messages once its heartbeat is late. With two worker
    threads the copies run side by side; the slow DATA reply makes the overlap certain (with
    the plain ``SmtpSink`` it also sent two mails, 8 runs out of 8)."""
    with SlowSink() as slow:
        desk = _desk(clock, redis_url, slow)
        try:
            number = open_ticket(desk)
            opened = opened_event(desk, number)
            for _ in range(2):  # two worker threads take one copy each, side by side
                desk.actors[reactions.NOTIFY].send(str(opened.originator_id), 1)
            settle(desk)
            subjects = [subject for _, subject, _ in received(slow)]
            note = email_note(desk, f"{opened.originator_id}:1", CUSTOMER)
        finally:
            desk.close()
    assert note.status == "delivered"
    assert subjects == [f"[{number}] We received your request"]
