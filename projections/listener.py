"""Wakes a runner when PostgreSQL announces new events (LISTEN on the event store's
channel, which every insert NOTIFYs); reconnects after the database restarts."""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql

from projections.runner import Wakeup

log = logging.getLogger(__name__)


class PostgresListener:
    """A thread that LISTENs on ``channel`` and calls ``wakeup.notify()`` per NOTIFY."""

    def __init__(self, conninfo: dict[str, object], channel: str, wakeup: Wakeup) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.wakeup = wakeup
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="pg-listen", daemon=True)

    def start(self) -> PostgresListener:
        """Begin listening in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (within about a second)."""
        self._stopping.set()
        self._thread.join(5)

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(autocommit=True, **self.conninfo) as conn:  # type: ignore[arg-type]
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.wakeup.notify()  # catch up on what was missed while disconnected
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self.wakeup.notify()
            except psycopg.Error as error:
                log.warning("LISTEN %s failed (%s); retrying", self.channel, error)
                self._stopping.wait(1.0)
