"""Notifications: one per (causing event, recipient, channel), so a redelivered message can
never send twice — the id derives from exactly that."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput
from domain.ids import natural_id

CLAIM_TIMEOUT = timedelta(seconds=30)
"""Longer than an SMTP exchange takes (the mailer's timeout is 10 s per step); a claim
older than this belongs to a worker that died mid-send."""


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
        n.read, n.claimed_at = False, None


class DeliveryStarted(Aggregate.Event):
    """A worker claimed the notification and is sending it now."""

    def apply(self, aggregate: Any) -> None:
        aggregate.status = "sending"
        aggregate.claimed_at = self.timestamp


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
        aggregate.status = "failed" if self.final else "pending"


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
    claimed_at: datetime | None


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
        """Record that a notification is to be sent (fields within the read table's limits,
        so a notification can never stop the projections)."""
        limits = {"cause_event_id": (cause_event_id, 80), "recipient": (recipient, 254),
                  "recipient_kind": (recipient_kind, 20), "channel": (channel, 20),
                  "kind": (kind, 60), "subject": (subject, 300)}
        too_long = {name: f"at most {limit} characters" for name, (value, limit)
                    in limits.items() if len(value) > limit}
        if too_long:
            raise InvalidInput(too_long)
        return cls._create(
            NotificationRequested,
            id=cls.create_id(cause_event_id, recipient, channel),
            cause_event_id=cause_event_id, recipient=recipient, recipient_kind=recipient_kind,
            channel=channel, kind=kind, subject=subject, body=body, ticket_number=ticket_number,
            timestamp=at,
        )

    def claim(self, at: datetime, stale_after: timedelta = CLAIM_TIMEOUT) -> bool:
        """Take the notification for sending: True when it is pending, or when an earlier
        claim is older than ``stale_after`` (its worker died mid-send). Saved before the
        send, the claim makes concurrent copies of one message lose the race instead of
        sending twice."""
        stale = self.claimed_at is not None and at - self.claimed_at > stale_after
        if self.status == "pending" or (self.status == "sending" and stale):
            self.trigger_event(DeliveryStarted, timestamp=at)
            return True
        return False

    def delivered(self, at: datetime | None = None) -> None:
        """Record a successful delivery (once)."""
        if self.status != "delivered":
            self.trigger_event(NotificationDelivered, timestamp=at)

    def failed(self, reason: str, *, final: bool, at: datetime | None = None) -> None:
        """Record a failed attempt."""
        if self.status in ("pending", "sending"):
            self.trigger_event(NotificationFailed, reason=reason[:500], final=final,
                               timestamp=at)

    def mark_read(self, at: datetime | None = None) -> None:
        """Record that the recipient read it (once)."""
        if not self.read:
            self.trigger_event(NotificationRead, timestamp=at)
