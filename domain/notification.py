"""Notifications: one per (causing event, recipient, channel), so a redelivered message can
never send twice — the id derives from exactly that."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.ids import natural_id


class NotificationRequested(Aggregate.Created):
    """Somebody is to be told something (by e-mail or in the app)."""

    cause_event_id: str
    recipient: str
    recipient_kind: str
    channel: str
    kind: str
    subject: str
    body: str
    ticket_number: str | None = None

    def apply(self, aggregate: Any) -> None:
        n = aggregate
        n.cause_event_id, n.recipient, n.recipient_kind = (
            self.cause_event_id, self.recipient, self.recipient_kind)
        n.channel, n.kind, n.subject, n.body = self.channel, self.kind, self.subject, self.body
        n.ticket_number, n.status, n.attempts, n.reason = self.ticket_number, "pending", 0, ""
        n.read = False


class NotificationDelivered(Aggregate.Event):
    """The notification reached its channel (SMTP accepted it, or it is in the inbox)."""

    def apply(self, aggregate: Any) -> None:
        aggregate.status = "delivered"
        aggregate.attempts += 1


class NotificationFailed(Aggregate.Event):
    """A delivery attempt failed; ``final`` when no retry will follow."""

    reason: str
    final: bool

    def apply(self, aggregate: Any) -> None:
        aggregate.attempts += 1
        aggregate.reason = self.reason
        if self.final:
            aggregate.status = "failed"


class NotificationRead(Aggregate.Event):
    """The agent marked the in-app notification as read."""

    def apply(self, aggregate: Any) -> None:
        aggregate.read = True


class NotificationState:
    """Attributes of a notification."""

    cause_event_id: str
    recipient: str
    recipient_kind: str
    channel: str
    kind: str
    subject: str
    body: str
    ticket_number: str | None
    status: str
    attempts: int
    reason: str
    read: bool


class Notification(NotificationState, Aggregate):
    """One message to one recipient on one channel, caused by one event."""

    @staticmethod
    def create_id(cause_event_id: str, recipient: str, channel: str) -> UUID:
        """At most one notification per (event, recipient, channel)."""
        return natural_id("notification", f"{cause_event_id}|{recipient}|{channel}")

    @classmethod
    def request(cls, *, cause_event_id: str, recipient: str, recipient_kind: str, channel: str,
                kind: str, subject: str, body: str,
                ticket_number: str | None = None, at: datetime | None = None) -> Notification:
        """Record that a notification is to be sent."""
        return cls._create(
            NotificationRequested,
            id=cls.create_id(cause_event_id, recipient, channel),
            cause_event_id=cause_event_id, recipient=recipient, recipient_kind=recipient_kind,
            channel=channel, kind=kind, subject=subject, body=body, ticket_number=ticket_number,
            timestamp=at,
        )

    def delivered(self, at: datetime | None = None) -> None:
        """Record a successful delivery (once)."""
        if self.status != "delivered":
            self.trigger_event(NotificationDelivered, timestamp=at)

    def failed(self, reason: str, *, final: bool, at: datetime | None = None) -> None:
        """Record a failed attempt."""
        if self.status == "pending":
            self.trigger_event(NotificationFailed, reason=reason[:500], final=final,
                               timestamp=at)

    def mark_read(self, at: datetime | None = None) -> None:
        """Record that the recipient read it (once)."""
        if not self.read:
            self.trigger_event(NotificationRead, timestamp=at)
