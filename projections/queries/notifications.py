"""An agent's in-app inbox: the notifications addressed to them, newest first."""

from __future__ import annotations

from sqlalchemy import false, select, true
from sqlalchemy.engine import Connection

from projections.queries.keyset import Page, keyset_page
from projections.tables import notifications

N = notifications.c

IN_APP = "in_app"
ORDER = ((N.created_at, True), (N.notification_id, True))


def inbox(conn: Connection, recipient: str, *, read: bool | None = None, limit: int = 50,
          cursor: str | None = None) -> Page:
    """In-app notifications for ``recipient`` (only read or unread ones when ``read`` is
    given), newest first."""
    query = select(notifications).where(N.recipient == recipient, N.channel == IN_APP)
    if read is not None:
        query = query.where(N.read == (true() if read else false()))
    return keyset_page(conn, query, "notifications", ORDER, limit=limit, cursor=cursor)
