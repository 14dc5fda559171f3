"""E-mail delivery against a real SMTP server on loopback, and into the outbox folder."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.smtp_server import SmtpSink, free_port
from workers.mail import (
    DeliveryFailed,
    Email,
    OutboxMailer,
    RecordingMailer,
    SmtpMailer,
    mailer_from_settings,
    parse_smtp_url,
)

SENDER = "Help Desk <help@helpdesk.example>"
GHOST = "ghost@example.com"
BUSY = "busy@example.com"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A loopback SMTP server that refuses GHOST for good and BUSY for now."""
    with SmtpSink(refuse={GHOST: "550 5.1.1 no such user",
                          BUSY: "451 4.3.0 try later"}) as sink:
        yield sink


def an_email(to: str = "zoe@example.com", **changes: str) -> Email:
    fields = dict(to=to, subject="Re: [#42] Drucker druckt nicht — Grüße",
                  body="Grüße, Zoë\n\nYour ticket #42 was answered.\n",
                  message_id=str(uuid.uuid4()), reply_to="ticket-42@helpdesk.example")
    fields.update(changes)
    return Email(**fields)


def assert_headers(message: EmailMessage, email: Email, clock: FakeClock) -> None:
    assert message["From"] == SENDER
    assert message["To"] == email.to
    assert message["Subject"] == email.subject
    assert message["Message-ID"] == f"<{email.message_id}@helpdesk>"
    assert message["Reply-To"] == email.reply_to
    assert parsedate_to_datetime(message["Date"]) == clock.now
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == email.body


# --- SMTP ------------------------------------------------------------------------------------


def test_smtp_delivers_headers_and_utf8_body(smtp_sink: SmtpSink, clock: FakeClock) -> None:
    mailer = SmtpMailer(smtp_sink.url, SENDER, clock=clock)
    email = an_email()

    mailer.send(email)

    [message] = smtp_sink.wait_for(1)
    assert_headers(message, email, clock)
    assert smtp_sink.envelopes[0].mail_from == "help@helpdesk.example"
    assert smtp_sink.envelopes[0].rcpt_tos == ("zoe@example.com",)
    assert b"Gr\xc3\xbc\xc3\x9fe" not in smtp_sink.raw[0]  # 7-bit safe on the wire


def test_smtp_sends_each_message_on_its_own(smtp_sink: SmtpSink, clock: FakeClock) -> None:
    mailer = SmtpMailer(smtp_sink.url, SENDER, clock=clock)
    emails = [an_email(to=f"user{n}@example.com", reply_to=None) for n in range(3)]

    for email in emails:
        mailer.send(email)

    messages = smtp_sink.wait_for(3)
    assert [m["To"] for m in messages] == [e.to for e in emails]
    assert all(m["Reply-To"] is None for m in messages)


def test_smtp_550_is_permanent(smtp_sink: SmtpSink) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        SmtpMailer(smtp_sink.url, SENDER).send(an_email(to=GHOST))

    assert failure.value.permanent is True
    assert failure.value.reason == "550 5.1.1 no such user"
    assert smtp_sink.messages == []


def test_smtp_451_is_transient(smtp_sink: SmtpSink) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        SmtpMailer(smtp_sink.url, SENDER).send(an_email(to=BUSY))

    assert failure.value.permanent is False
    assert failure.value.reason == "451 4.3.0 try later"


def test_closed_port_is_transient() -> None:
    with pytest.raises(DeliveryFailed) as failure:
        SmtpMailer(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout=2).send(an_email())

    assert failure.value.permanent is False
    assert failure.value.reason == "connection refused"


def test_silent_server_times_out_transiently() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"smtp://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(DeliveryFailed) as failure:
            SmtpMailer(url, SENDER, timeout=0.3).send(an_email())

    assert failure.value.permanent is False
    assert failure.value.reason == "timed out"


@pytest.mark.parametrize(("scheme", "reason"), [
    ("smtp+starttls://", "STARTTLS extension not supported"),
    ("smtps://", "TLS error"),
    ("smtp://user:secret@", "AUTH extension not supported"),
])
def test_configuration_trouble_is_transient(smtp_sink: SmtpSink, scheme: str,
                                            reason: str) -> None:
    url = f"{scheme}{smtp_sink.host}:{smtp_sink.port}"
    with pytest.raises(DeliveryFailed) as failure:
        SmtpMailer(url, SENDER, timeout=2).send(an_email())

    assert failure.value.permanent is False
    assert reason in failure.value.reason
    assert smtp_sink.messages == []


@pytest.mark.parametrize("to", ["no-at-sign", "a@b@c", "two@example.com, more@example.com",
                                "evil@example.com\r\nBcc: x@example.com", ""])
def test_malformed_recipient_is_permanent(smtp_sink: SmtpSink, to: str) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        SmtpMailer(smtp_sink.url, SENDER).send(an_email(to=to))

    assert failure.value.permanent is True
    assert "malformed recipient address" in failure.value.reason
    assert smtp_sink.messages == []


def test_smtp_url_parsing() -> None:
    target = parse_smtp_url("smtp+starttls://bot%40corp:p%3Ass@mail.example:2525")
    assert (target.scheme, target.host, target.port) == ("smtp+starttls", "mail.example", 2525)
    assert (target.user, target.password) == ("bot@corp", "p:ss")
    assert parse_smtp_url("smtps://mail.example").port == 465
    assert parse_smtp_url("smtp://mail.example").user is None
    with pytest.raises(ValueError, match="scheme"):
        parse_smtp_url("http://mail.example")


# --- Outbox folder ---------------------------------------------------------------------------


def read_eml(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def test_outbox_writes_a_readable_eml(tmp_path: Path, clock: FakeClock) -> None:
    outbox = tmp_path / "var" / "outbox"
    email = an_email()

    OutboxMailer(outbox, SENDER, clock=clock).send(email)

    [path] = outbox.iterdir()
    assert path.name == f"20260302T090000.000000Z-{email.message_id}.eml"
    assert "Grüße, Zoë" in path.read_text(encoding="utf-8")  # readable in an editor
    assert_headers(read_eml(path), email, clock)


def test_outbox_overwrites_the_same_message_id(tmp_path: Path, clock: FakeClock) -> None:
    mailer = OutboxMailer(tmp_path, SENDER, clock=clock)
    first = an_email()
    other = an_email()
    mailer.send(first)
    mailer.send(other)

    clock.advance(minutes=5)
    again = an_email(message_id=first.message_id, body="Second attempt\n")
    mailer.send(again)

    [path] = mailer.files_for(first.message_id)
    assert path.name.startswith("20260302T090500")
    assert read_eml(path).get_content() == "Second attempt\n"
    assert len(list(tmp_path.iterdir())) == 2  # no temporary files left behind
    assert len(mailer.files_for(other.message_id)) == 1


def test_outbox_refuses_a_message_id_that_is_not_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        OutboxMailer(tmp_path, SENDER).send(an_email(message_id="../escape"))

    assert failure.value.permanent is True
    assert list(tmp_path.iterdir()) == []


# --- Choosing, and the fake -------------------------------------------------------------------


def test_mailer_from_settings(tmp_path: Path) -> None:
    smtp = mailer_from_settings("smtp://127.0.0.1:2525", SENDER, tmp_path)
    assert isinstance(smtp, SmtpMailer)
    assert smtp.target.port == 2525
    for missing in (None, "", "  "):
        outbox = mailer_from_settings(missing, SENDER, tmp_path)
        assert isinstance(outbox, OutboxMailer)
        assert outbox.folder == tmp_path


def test_recording_mailer_fails_on_request() -> None:
    mailer = RecordingMailer()
    mailer.fail_next(1)
    mailer.fail_next(1, permanent=True, reason="550 gone")

    with pytest.raises(DeliveryFailed) as transient:
        mailer.send(an_email())
    with pytest.raises(DeliveryFailed) as permanent:
        mailer.send(an_email())
    email = an_email()
    mailer.send(email)

    assert (transient.value.permanent, permanent.value.permanent) == (False, True)
    assert permanent.value.reason == "550 gone"
    assert mailer.sent == [email]
    assert len(mailer.attempts) == 3
