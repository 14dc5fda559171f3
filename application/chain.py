"""Tamper evidence: each stored ticket event commits to the digest of its predecessor.

A stored event's JSON ends with ``,"_chain":{"prev":"<hex>","digest":"<hex>"}}``. The digest
is SHA-256 over the ticket id, the version, the topic, the predecessor's digest and the
event's own JSON before the chain was appended. Recomputing the chain finds the first event
that was altered, inserted, removed or moved. It proves the history is the one written,
unless somebody recomputed every digest after the change: anchor the latest digests
elsewhere (see docs/audit.md) to rule that out.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

GENESIS = "0" * 64
CHAINED_TOPIC_PREFIX = "domain.ticket_events:"
_SUFFIX = re.compile(rb',"_chain":\{"prev":"([0-9a-f]{64})","digest":"([0-9a-f]{64})"\}\}$')
_REMEMBERED = 20_000


def digest(originator_id: UUID, version: int, topic: str, body: bytes, prev: str) -> str:
    """The digest of one stored event."""
    h = hashlib.sha256()
    for part in (str(originator_id).encode(), str(version).encode(), topic.encode(),
                 prev.encode()):
        h.update(part)
        h.update(b"\x00")
    h.update(body)
    return h.hexdigest()


def seal(body: bytes, prev: str, own: str) -> bytes:
    """Append the chain to an event's JSON object."""
    return body[:-1] + b',"_chain":{"prev":"' + prev.encode() + b'","digest":"' + \
        own.encode() + b'"}}'


def unseal(state: bytes) -> tuple[bytes, str, str] | None:
    """The event's JSON without the chain, its predecessor's digest and its own; None when
    the event carries no chain."""
    found = _SUFFIX.search(state)
    if found is None:
        return None
    return state[: found.start()] + b"}", found.group(1).decode(), found.group(2).decode()


class ChainMemory:
    """The digests of recently read or written ticket events, so that the next event of a
    ticket just loaded can be chained without reading its predecessor again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._digests: OrderedDict[tuple[UUID, int], str] = OrderedDict()
        self.fallback: Callable[[UUID, int], str] | None = None

    def remember(self, originator_id: UUID, version: int, value: str) -> None:
        """Keep the digest of (ticket, version)."""
        with self._lock:
            self._digests[(originator_id, version)] = value
            self._digests.move_to_end((originator_id, version))
            while len(self._digests) > _REMEMBERED:
                self._digests.popitem(last=False)

    def forget(self, keys: Iterable[tuple[UUID, int]]) -> None:
        """Drop digests of events that were encoded but not stored (a lost save race)."""
        with self._lock:
            for key in keys:
                self._digests.pop(key, None)

    def previous(self, originator_id: UUID, version: int) -> str:
        """The digest the event at ``version`` must commit to."""
        if version == 1:
            return GENESIS
        with self._lock:
            known = self._digests.get((originator_id, version - 1))
        if known is not None:
            return known
        if self.fallback is None:
            raise LookupError(f"no digest known for {originator_id} v{version - 1}")
        return self.fallback(originator_id, version - 1)


@dataclass(frozen=True)
class Verification:
    """The result of recomputing one ticket's chain."""

    ok: bool
    checked: int
    first_bad_version: int | None = None
    problem: str = ""
    head: str = GENESIS


def verify_chain(originator_id: UUID, stored: Iterable[tuple[int, str, bytes]]) -> Verification:
    """Recompute the chain over (version, topic, state) rows in stored order."""
    prev, expected, checked = GENESIS, 1, 0
    for version, topic, state in stored:
        checked += 1
        if version != expected:
            what = "missing" if version > expected else "out of order or duplicated"
            return Verification(False, checked, expected,
                                f"version {expected} is {what} (found {version} next)", prev)
        parts = unseal(state)
        if parts is None:
            return Verification(False, checked, version, "the event carries no chain", prev)
        body, stored_prev, stored_digest = parts
        if stored_prev != prev:
            return Verification(False, checked, version,
                                "it does not follow the event before it (removed, inserted "
                                "or moved events)", prev)
        if digest(originator_id, version, topic, body, prev) != stored_digest:
            return Verification(False, checked, version,
                                "its content was altered after it was written", prev)
        prev, expected = stored_digest, expected + 1
    return Verification(True, checked, head=prev)
