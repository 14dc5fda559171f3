"""``notifications``: every notification requested, with its delivery state."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from domain.notification import (
    DeliveryStarted,
    NotificationDelivered,
    NotificationFailed,
    NotificationRead,
    NotificationRequested,
)
from projections.read_model import BufferedReadModel, ids_of
from projections.row_buffer import RowBuffer
from projections.tables import notifications

_LATER = (DeliveryStarted, NotificationDelivered, NotificationFailed, NotificationRead)


class NotificationsReadModel(BufferedReadModel):
    """Who was told what, on which channel, whether it arrived and whether it was read."""

    name = "notifications"
    tables = (notifications,)

    @property
    def _rows(self) -> RowBuffer:
        return self.rows(notifications)

    def prefetch(self, events: Sequence[Any]) -> None:
        self._rows.prefetch(ids_of(events, _LATER, created=NotificationRequested))

    def _update(self, event: Any, **values: Any) -> None:
        self._rows.update(str(event.originator_id), {"updated_at": event.timestamp, **values})

    def _attempted(self, event: Any, **values: Any) -> None:
        """``_update`` with one more attempt (nothing when there is no row)."""
        row = self._rows.get(str(event.originator_id))
        if row is not None:
            self._update(event, attempts=row["attempts"] + 1, **values)

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events of other aggregates change nothing."""

    @apply.register
    def _requested(self, event: NotificationRequested, position: int) -> None:
        self._rows.insert({
            "notification_id": str(event.originator_id),
            "cause_event_id": event.cause_event_id, "recipient": event.recipient,
            "recipient_kind": event.recipient_kind, "channel": event.channel,
            "kind": event.kind, "ticket_number": event.ticket_number,
            "subject": event.subject, "body": event.body, "status": "pending",
            "attempts": 0, "reason": "", "read": False, "created_at": event.timestamp,
            "updated_at": event.timestamp,
        })

    @apply.register
    def _sending(self, event: DeliveryStarted, position: int) -> None:
        self._update(event, status="sending")

    @apply.register
    def _delivered(self, event: NotificationDelivered, position: int) -> None:
        self._attempted(event, status="delivered")

    @apply.register
    def _failed(self, event: NotificationFailed, position: int) -> None:
        self._attempted(event, reason=event.reason,
                        status="failed" if event.final else "pending")

    @apply.register
    def _read(self, event: NotificationRead, position: int) -> None:
        self._update(event, read=True)
