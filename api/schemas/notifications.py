"""Response bodies of the in-app inbox."""

from __future__ import annotations

from datetime import datetime

import msgspec


class NotificationOut(msgspec.Struct):
    """One in-app notification (``position`` is the log position of a write; 0 in lists)."""

    id: str
    kind: str
    subject: str
    body: str
    ticket_number: str | None
    read: bool
    created_at: datetime
    position: int = 0


class NotificationList(msgspec.Struct):
    """A page of the inbox, newest first."""

    items: list[NotificationOut]
    next_cursor: str | None
