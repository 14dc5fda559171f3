"""Auditing: recompute tickets' hash chains to show their histories were not altered, and
check that the snapshots (caches) agree with a replay of the events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from uuid import UUID

from application.base import HelpdeskBase
from application.chain import Verification, verify_chain
from domain.errors import NotFound
from domain.ticket import Ticket
from domain.ticket_number import check_number

OPENED_TOPIC = "domain.ticket_events:Opened"
_PAGE = 1_000


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


class AuditCommands(HelpdeskBase):
    """Read-only checks over the stored events themselves (never the read models)."""

    def verify_ticket(self, number: str) -> Verification:
        """Recompute one ticket's chain from the rows as stored."""
        ticket_id = Ticket.create_id(check_number(number))
        rows = self._stored_rows(ticket_id)
        if not rows:
            raise NotFound("ticket", number)
        return self._verify(ticket_id, rows)

    def verify_id(self, ticket_id: UUID) -> Verification:
        """Recompute the chain of the ticket with this id (no rows: not ok)."""
        rows = self._stored_rows(ticket_id)
        if not rows:
            return Verification(False, 0, 1, "none of its events are stored any more")
        return self._verify(ticket_id, rows)

    def _stored_rows(self, ticket_id: UUID) -> list[tuple[int, str, bytes]]:
        rows = []
        for stored in self.recorder.select_events(ticket_id):
            data = stored.state
            if self.mapper.cipher:  # the chain covers the event as encoded, before these
                data = self.mapper.cipher.decrypt(data)
            if self.mapper.compressor:
                data = self.mapper.compressor.decompress(data)
            rows.append((stored.originator_version, stored.topic, data))
        return rows

    def _verify(self, ticket_id: UUID, rows: list[tuple[int, str, bytes]]) -> Verification:
        result = verify_chain(ticket_id, rows)
        if not result.ok or self.snapshots is None:
            return result
        return self._check_snapshots(ticket_id, result)

    def _check_snapshots(self, ticket_id: UUID, result: Verification) -> Verification:
        """A snapshot is a cache: it must equal the replay of the events up to it."""
        assert self.snapshots is not None
        replayed: Any = None
        snapshots: dict[int, Any] = {
            s.originator_version: s for s in self.snapshots.get(ticket_id)}
        if not snapshots:
            return result
        for stored_event in self.events.get(ticket_id):
            event: Any = stored_event
            replayed = event.mutate(replayed)
            snapshot = snapshots.get(event.originator_version)
            if snapshot is not None and _state(snapshot.mutate(None)) != _state(replayed):
                return replace(result, ok=False, first_bad_version=event.originator_version,
                               problem="the snapshot at this version disagrees with the "
                                       "events (altered cache)")
        return result

    def ticket_ids(self) -> Iterator[UUID]:
        """Every ticket whose opening is in the log, in the order they were opened."""
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=_PAGE,
                                                      topics=[OPENED_TOPIC])
            for notification in page:
                oid = notification.originator_id
                yield oid if isinstance(oid, UUID) else UUID(str(oid))
            if len(page) < _PAGE:
                return
            start = page[-1].id + 1

    def verify_all(self) -> Iterator[tuple[UUID, Verification]]:
        """Recompute every ticket's chain."""
        for ticket_id in self.ticket_ids():
            yield ticket_id, self.verify_id(ticket_id)
