"""Aggregates a process remembers between commands, so that a command can decide on them
without reading them again.

Only safe together with a save that checks what was read (``application.recorder``,
``read_set``): every remembered aggregate carries its version, the save names the versions
the command decided on, and the event store refuses the save if any has changed since. A
refused command forgets what it read and reads it again. Entries are never trusted, only
used to guess; the cache is bounded and forgets the least recently used first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from uuid import UUID

DEFAULT_ENTRIES = 10_000


class ReadCache:
    """Aggregates (or ``None``: known not to exist) by id, least recently used forgotten
    first. Remembered aggregates are shared between threads: callers only read them."""

    def __init__(self, entries: int = DEFAULT_ENTRIES) -> None:
        if entries < 1:
            msg = "a read cache needs room for at least one aggregate"
            raise ValueError(msg)
        self._entries = entries
        self._lock = threading.Lock()
        self._remembered: OrderedDict[UUID, object | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._remembered)

    def recall(self, ids: Iterable[UUID]) -> dict[UUID, object | None]:
        """The remembered entries among ``ids`` (absent ids are left out)."""
        found: dict[UUID, object | None] = {}
        with self._lock:
            for oid in ids:
                if oid in self._remembered:
                    self._remembered.move_to_end(oid)
                    found[oid] = self._remembered[oid]
        return found

    def remember(self, entries: dict[UUID, object | None]) -> None:
        """Remember these aggregates as just read (``None``: it does not exist)."""
        with self._lock:
            for oid, aggregate in entries.items():
                self._remembered[oid] = aggregate
                self._remembered.move_to_end(oid)
            while len(self._remembered) > self._entries:
                self._remembered.popitem(last=False)

    def forget(self, ids: Iterable[UUID]) -> None:
        """Forget these aggregates (changed here, or found changed elsewhere)."""
        with self._lock:
            for oid in ids:
                self._remembered.pop(oid, None)
