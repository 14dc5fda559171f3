"""Checking the event store's pooled PostgreSQL connections without a round trip per
checkout.

eventsourcing's ``POSTGRES_PRE_PING`` pings every connection the pool hands out: one more
round trip per statement. Instead, a connection is pinged only when it has not been handed
out for ``IDLE_PING_SECONDS``: a connection that sat idle across a database restart is
replaced before use. A connection that died while in steady use fails its statement with
an ``OperationalError``; the pool discards it and the recorder's retry (ten attempts, 0.2 s
apart, for every read and write of eventsourcing's PostgreSQL recorders and of
``application.event_reads``) takes another. Nothing is acknowledged before its commit
answered, so a failed attempt never counts as stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

IDLE_PING_SECONDS = 5.0
_LAST_OUT = "_helpdesk_last_checkout"


class PingWhenIdle:
    """A psycopg_pool ``check`` callback: ping only connections idle for a while."""

    def __init__(self, ping: Callable[[Any], None],
                 idle_seconds: float = IDLE_PING_SECONDS) -> None:
        self.ping = ping
        self.idle_seconds = idle_seconds

    def __call__(self, conn: Any) -> None:
        now = time.monotonic()
        last = getattr(conn, _LAST_OUT, None)
        if last is None or now - last > self.idle_seconds:
            self.ping(conn)
        setattr(conn, _LAST_OUT, now)


def ping_idle_connections(recorder: object, idle_seconds: float = IDLE_PING_SECONDS) -> bool:
    """Give the recorder's PostgreSQL pool a ``PingWhenIdle`` check, unless it pings every
    checkout already (``POSTGRES_PRE_PING=y``). Whether a check is now installed."""
    datastore = getattr(recorder, "datastore", None)
    pool = getattr(datastore, "pool", None)
    if pool is None or not hasattr(pool, "_check"):
        return False
    if getattr(pool, "_check", None) is None:
        # psycopg_pool takes the check only as a constructor argument, which
        # eventsourcing sets from POSTGRES_PRE_PING alone.
        pool._check = PingWhenIdle(pool.check_connection, idle_seconds)
    return True
