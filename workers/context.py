"""What the reactions need, handed over by the composition root."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.service import Helpdesk
from projections.read_side import projected_position
from projections.store import ReadStore
from workers.mail import Mailer

MAX_DELIVERY_ATTEMPTS = 8
"""With the actors' back-off (2 s doubling to 5 min) this rides out ~8 minutes of SMTP
outage before a notification is recorded as failed."""


@dataclass
class WorkerContext:
    """The application, the read tables, the mailer and the links to put in messages."""

    app: Helpdesk
    store: ReadStore
    mailer: Mailer
    public_url: str = "http://127.0.0.1:8000"
    max_attempts: int = MAX_DELIVERY_ATTEMPTS

    def load_event(self, originator_id: str, version: int) -> Any:
        """The stored event with this id and version (the message's cause)."""
        events = list(self.app.events.get(UUID(originator_id), gt=version - 1, lte=version))
        if not events:
            raise LookupError(f"no event {originator_id} v{version}")
        return events[0]

    def catch_up_read_models(self, names: tuple[str, ...], timeout: float = 5.0) -> bool:
        """Wait until the named read models include every event recorded so far (decisions
        such as routing must see the assignments made a moment ago). False on timeout."""
        head = self.app.recorder.max_notification_id() or 0
        deadline = time.monotonic() + timeout
        while projected_position(self.store, list(names)) < head:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def ticket_url(self, number: str, token: str | None = None) -> str:
        """The portal link of a ticket (with its private token when given)."""
        link = f"{self.public_url}/portal/tickets/{number}"
        return f"{link}#token={token}" if token else link

    def console_url(self, number: str) -> str:
        """The agent console's page of a ticket."""
        return f"{self.public_url}/console/tickets/{number}"
