"""``notifications``: every notification requested, with its delivery state."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from sqlalchemy import insert, update

from domain.notification import (
    DeliveryStarted,
    NotificationDelivered,
    NotificationFailed,
    NotificationRead,
    NotificationRequested,
)
from projections.read_model import ReadModel
from projections.tables import notifications

N = notifications.c


class NotificationsReadModel(ReadModel):
    """Who was told what, on which channel, whether it arrived and whether it was read."""

    name = "notifications"
    tables = (notifications,)

    def _update(self, event: Any, **values: Any) -> None:
        self.conn.execute(update(notifications)
                          .where(N.notification_id == str(event.originator_id))
                          .values(updated_at=event.timestamp, **values))

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events of other aggregates change nothing."""

    @apply.register
    def _requested(self, event: NotificationRequested, position: int) -> None:
        self.conn.execute(insert(notifications).values(
            notification_id=str(event.originator_id), cause_event_id=event.cause_event_id,
            recipient=event.recipient, recipient_kind=event.recipient_kind,
            channel=event.channel, kind=event.kind, ticket_number=event.ticket_number,
            subject=event.subject, body=event.body, status="pending", attempts=0, reason="",
            read=False, created_at=event.timestamp, updated_at=event.timestamp,
        ))

    @apply.register
    def _sending(self, event: DeliveryStarted, position: int) -> None:
        self._update(event, status="sending")

    @apply.register
    def _delivered(self, event: NotificationDelivered, position: int) -> None:
        self._update(event, status="delivered", attempts=N.attempts + 1)

    @apply.register
    def _failed(self, event: NotificationFailed, position: int) -> None:
        self._update(event, attempts=N.attempts + 1, reason=event.reason,
                     status="failed" if event.final else "pending")

    @apply.register
    def _read(self, event: NotificationRead, position: int) -> None:
        self._update(event, read=True)
