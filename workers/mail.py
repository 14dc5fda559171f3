"""Sending e-mail: one small interface, an SMTP transport, a folder outbox and a test fake.

Every mailer takes an :class:`Email` and either delivers it or raises :class:`DeliveryFailed`,
whose ``permanent`` flag tells the caller whether trying again later can help (a full mailbox
on a busy server: yes; a mailbox that does not exist: no).
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

Clock = Callable[[], datetime]

MESSAGE_ID_DOMAIN = "helpdesk"
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]{0,199}")
_ATOMS = r"[^\s@<>()\[\],;:\"\\.]+"
_ADDR_SPEC = re.compile(rf"[^\s@<>()\[\],;:\"\\]+@{_ATOMS}(\.{_ATOMS})*")
_MAX_REASON = 200


@dataclass(frozen=True)
class Email:
    """One plain-text message to one recipient."""

    to: str
    subject: str
    body: str
    message_id: str
    reply_to: str | None = None


class DeliveryFailed(Exception):
    """The message was not delivered; ``permanent`` says whether retrying is pointless."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent

    def __str__(self) -> str:
        kind = "permanent" if self.permanent else "transient"
        return f"{self.reason} ({kind})"


class Mailer(Protocol):
    """Anything that can send an :class:`Email`."""

    def send(self, email: Email) -> None:
        """Deliver ``email`` or raise :class:`DeliveryFailed`."""
        ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _one_address(value: str, field: str) -> str:
    """The bare address in ``value`` ("Name <a@b>" or "a@b"); DeliveryFailed when malformed."""
    pairs = getaddresses([value]) if "\r" not in value and "\n" not in value else []
    if len(pairs) != 1 or not _ADDR_SPEC.fullmatch(pairs[0][1]):
        raise DeliveryFailed(f"malformed {field} address {value!r}", permanent=True)
    return pairs[0][1]


def build_message(email: Email, sender: str, now: datetime,
                  *, transfer_encoding: str = "quoted-printable") -> EmailMessage:
    """The RFC 5322 message for ``email`` (malformed addresses raise permanent DeliveryFailed).

    ``transfer_encoding`` is how the UTF-8 body is encoded: quoted-printable is safe for any
    SMTP server, "8bit" keeps the file readable in a text editor.
    """
    _one_address(sender, "sender")
    _one_address(email.to, "recipient")
    if email.reply_to is not None:
        _one_address(email.reply_to, "reply-to")
    if not _MESSAGE_ID.fullmatch(email.message_id):
        raise DeliveryFailed(f"malformed message id {email.message_id!r}", permanent=True)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = " ".join(email.subject.split())
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = f"<{email.message_id}@{MESSAGE_ID_DOMAIN}>"
    if email.reply_to is not None:
        message["Reply-To"] = email.reply_to
    message.set_content(email.body, charset="utf-8", cte=transfer_encoding)
    return message


# --- SMTP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to connect, parsed from an ``smtp://``, ``smtp+starttls://`` or
    ``smtps://`` URL."""

    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """Parse ``scheme://[user:pass@]host[:port]``; ValueError when it is not one."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"unsupported SMTP URL scheme {parts.scheme!r} "
                         f"(use {', '.join(DEFAULT_PORTS)})")
    if not parts.hostname:
        raise ValueError(f"SMTP URL without a host: {url!r}")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise ValueError(f"bad port in SMTP URL: {error}") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpTarget(scheme, parts.hostname, port, user, password)


def _reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    reason = " ".join(f"{code} {text}".split())
    return reason[:_MAX_REASON]


def _by_code(code: int, text: bytes | str) -> DeliveryFailed:
    """5xx replies are permanent, everything else (4xx, no reply) transient."""
    return DeliveryFailed(_reply_text(code, text), permanent=500 <= code < 600)


def classify(error: BaseException) -> DeliveryFailed:
    """Turn an smtplib / socket error into a DeliveryFailed with a short reason.

    Replies about this message (recipient, sender, data) are judged by their code. Trouble
    with the server or our configuration (greeting, HELO, login, TLS, the network) is
    transient: fixing it makes the message deliverable again.
    """
    match error:
        case smtplib.SMTPRecipientsRefused():
            code, text = next(iter(error.recipients.values()))
            return _by_code(code, text)
        case smtplib.SMTPAuthenticationError():
            return DeliveryFailed(f"login failed: {_reply_text(error.smtp_code, error.smtp_error)}",
                                  permanent=False)
        case smtplib.SMTPConnectError() | smtplib.SMTPHeloError():
            return DeliveryFailed(f"server refused us: "
                                  f"{_reply_text(error.smtp_code, error.smtp_error)}",
                                  permanent=False)
        case smtplib.SMTPResponseException():  # sender refused, data refused, others
            return _by_code(error.smtp_code, error.smtp_error)
        case smtplib.SMTPServerDisconnected():
            # smtplib turns a read timeout into "unexpectedly closed"; say what happened.
            timed_out = isinstance(error.__context__, TimeoutError)
            return DeliveryFailed("timed out" if timed_out else "connection closed by server",
                                  permanent=False)
        case smtplib.SMTPNotSupportedError():
            # SMTPUTF8 missing for an international address will never change for this message.
            permanent = "SMTPUTF8" in str(error)
            return DeliveryFailed(f"not supported by server: {error}", permanent=permanent)
        case smtplib.SMTPException():
            return DeliveryFailed(f"SMTP error: {error}", permanent=False)
        case ConnectionRefusedError():
            return DeliveryFailed("connection refused", permanent=False)
        case TimeoutError():
            return DeliveryFailed("timed out", permanent=False)
        case socket.gaierror():
            return DeliveryFailed(f"cannot resolve host: {error.strerror}", permanent=False)
        case ssl.SSLError():
            return DeliveryFailed(f"TLS error: {error.reason or error}", permanent=False)
        case OSError():
            return DeliveryFailed(f"network error: {error.strerror or error}", permanent=False)
    return DeliveryFailed(f"{type(error).__name__}: {error}", permanent=False)


class SmtpMailer:
    """Sends each message over a fresh SMTP connection (plain, STARTTLS or implicit TLS)."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0, *,
                 ssl_context: ssl.SSLContext | None = None, clock: Clock = _utc_now) -> None:
        self.target = parse_smtp_url(url)
        try:
            self.envelope_from = _one_address(sender, "sender")
        except DeliveryFailed as error:
            raise ValueError(error.reason) from None
        self.sender = sender
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.clock = clock

    def __repr__(self) -> str:
        t = self.target
        return f"SmtpMailer({t.scheme}://{t.host}:{t.port}, sender={self.sender!r})"

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        if t.scheme == "smtps":
            return smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout,
                                    context=self._context())
        smtp = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
        if t.scheme == "smtp+starttls":
            try:
                smtp.starttls(context=self._context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, email: Email) -> None:
        """Deliver ``email``; DeliveryFailed (permanent or not) when the server does not take it."""
        message = build_message(email, self.sender, self.clock())
        recipient = _one_address(email.to, "recipient")
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as error:
            raise classify(error) from error
        try:
            if self.target.user is not None:
                smtp.login(self.target.user, self.target.password or "")
            smtp.send_message(message, from_addr=self.envelope_from, to_addrs=[recipient])
        except (smtplib.SMTPException, OSError) as error:
            raise classify(error) from error
        finally:
            _quit_quietly(smtp)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye; once the message is accepted, a failing QUIT must not undo that."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# --- Outbox folder ---------------------------------------------------------------------------


class OutboxMailer:
    """Writes each message as ``<UTC timestamp>-<message_id>.eml`` into a folder.

    The files are complete RFC 5322 messages with an 8bit UTF-8 body, so a person can read
    them in an editor or open them in a mail client. Writes are atomic, and a message id has
    at most one file: sending it again replaces the earlier file.
    """

    SUFFIX = ".eml"

    def __init__(self, folder: Path, sender: str, *, clock: Clock = _utc_now) -> None:
        try:
            _one_address(sender, "sender")
        except DeliveryFailed as error:
            raise ValueError(error.reason) from None
        self.folder = Path(folder)
        self.sender = sender
        self.clock = clock

    def __repr__(self) -> str:
        return f"OutboxMailer({str(self.folder)!r}, sender={self.sender!r})"

    def files_for(self, message_id: str) -> list[Path]:
        """The files already written for ``message_id`` (normally zero or one)."""
        if not self.folder.is_dir():
            return []
        wanted = f"{message_id}{self.SUFFIX}"
        return sorted(path for path in self.folder.iterdir()
                      if path.name.partition("-")[2] == wanted)

    def send(self, email: Email) -> None:
        """Write ``email`` to the folder; DeliveryFailed(permanent=False) when that fails."""
        now = self.clock().astimezone(UTC)
        message = build_message(email, self.sender, now, transfer_encoding="8bit")
        stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
        target = self.folder / f"{stamp}-{email.message_id}{self.SUFFIX}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._write_atomically(message.as_bytes(), target, self.files_for(email.message_id))
        except OSError as error:
            raise DeliveryFailed(f"cannot write outbox file: {error.strerror or error}",
                                 permanent=False) from error

    def _write_atomically(self, data: bytes, target: Path, earlier: list[Path]) -> None:
        """Write via a temporary file; an earlier file for the id is overwritten, then renamed,
        so there is never more than one file for it, and never a half-written one."""
        fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            if earlier:
                os.replace(temp, earlier[-1])
                os.replace(earlier[-1], target)
                for stale in earlier[:-1]:
                    stale.unlink(missing_ok=True)
            else:
                os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


# --- Test fake -------------------------------------------------------------------------------


class RecordingMailer:
    """A fake for unit tests: remembers what was sent and fails on request."""

    def __init__(self) -> None:
        self.sent: list[Email] = []
        self.attempts: list[Email] = []
        self._failures: list[DeliveryFailed] = []

    def fail_next(self, count: int = 1, *, permanent: bool = False,
                  reason: str | None = None) -> None:
        """Make the next ``count`` sends raise DeliveryFailed (after any already queued)."""
        reason = reason or ("550 5.1.1 mailbox unavailable" if permanent
                            else "451 4.3.0 try again later")
        self._failures.extend(DeliveryFailed(reason, permanent=permanent)
                              for _ in range(count))

    def send(self, email: Email) -> None:
        """Record ``email`` in ``sent``, or raise the next queued failure."""
        self.attempts.append(email)
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append(email)


def mailer_from_settings(smtp_url: str | None, sender: str, outbox: Path) -> Mailer:
    """SMTP when a URL is configured, otherwise the outbox folder."""
    if smtp_url and smtp_url.strip():
        return SmtpMailer(smtp_url.strip(), sender)
    return OutboxMailer(outbox, sender)
