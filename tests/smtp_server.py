"""A real SMTP server on loopback for tests: collects what it receives, refuses on request.

Use it as a context manager or from a fixture::

    @pytest.fixture
    def smtp_sink() -> Iterator[SmtpSink]:
        with SmtpSink(refuse={"ghost@example.com": "550 5.1.1 no such user"}) as sink:
            yield sink
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Self

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Envelope:
    """The SMTP envelope of one received message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _Handler:
    """aiosmtpd hooks: refuse the configured recipients, keep every accepted message."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.sink.refuse.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.sink._received(Envelope(envelope.mail_from, tuple(envelope.rcpt_tos)), raw)
        return "250 Message accepted for delivery"


class SmtpSink:
    """An aiosmtpd server on a free loopback port.

    ``refuse`` maps recipient addresses to the reply their RCPT TO gets (for example
    ``"451 4.3.0 try later"``). Received messages are parsed into ``messages``
    (``email.message.EmailMessage``, modern policy) with their ``envelopes`` and ``raw`` bytes.
    """

    def __init__(self, refuse: Mapping[str, str] | None = None, host: str = HOST) -> None:
        self.host = host
        self.refuse = {address.lower(): reply for address, reply in (refuse or {}).items()}
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.raw: list[bytes] = []
        self._port: int | None = None
        self._controller: Controller | None = None
        self._changed = threading.Condition()

    @property
    def port(self) -> int:
        """The port the server listens on (after ``start``)."""
        if self._port is None:
            raise RuntimeError("SmtpSink is not started")
        return self._port

    @property
    def url(self) -> str:
        """An ``smtp://`` URL for the server."""
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> Self:
        """Listen on a free port (retrying if another process grabs it first)."""
        last_error: Exception | None = None
        for _ in range(5):
            port = free_port(self.host)
            controller = Controller(_Handler(self), hostname=self.host, port=port)
            try:
                controller.start()
            except (OSError, RuntimeError) as error:
                last_error = error
                with contextlib.suppress(Exception):
                    controller.stop(no_assert=True)
                continue
            self._controller, self._port = controller, port
            return self
        raise RuntimeError(f"could not start the SMTP sink: {last_error}")

    def stop(self) -> None:
        """Stop listening (idempotent)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _received(self, envelope: Envelope, raw: bytes) -> None:
        # Store with local line endings, as a mail delivery agent would.
        message = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
        assert isinstance(message, EmailMessage)
        with self._changed:
            self.envelopes.append(envelope)
            self.raw.append(raw)
            self.messages.append(message)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} message(s) within {timeout}s, "
                                         f"got {len(self.messages)}")
                self._changed.wait(left)
            return list(self.messages)

    def clear(self) -> None:
        """Forget what was received so far."""
        with self._changed:
            self.messages.clear()
            self.envelopes.clear()
            self.raw.clear()
