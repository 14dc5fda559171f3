"""Auditing: recompute tickets' hash chains to show their histories were not altered."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from application.base import HelpdeskBase
from application.chain import Verification, verify_chain
from domain.errors import NotFound
from domain.ticket import Ticket
from domain.ticket_number import check_number

OPENED_TOPIC = "domain.ticket_events:Opened"
_PAGE = 1_000


class AuditCommands(HelpdeskBase):
    """Read-only checks over the stored events themselves (never the read models)."""

    def verify_ticket(self, number: str) -> Verification:
        """Recompute one ticket's chain from the rows as stored."""
        ticket_id = Ticket.create_id(check_number(number))
        rows = [(s.originator_version, s.topic, s.state)
                for s in self.recorder.select_events(ticket_id)]
        if not rows:
            raise NotFound("ticket", number)
        return verify_chain(ticket_id, rows)

    def ticket_ids(self) -> Iterator[UUID]:
        """Every ticket ever opened, in the order they were opened."""
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
            rows = [(s.originator_version, s.topic, s.state)
                    for s in self.recorder.select_events(ticket_id)]
            yield ticket_id, verify_chain(ticket_id, rows)
