"""Notification commands: recording, delivering and reading notifications."""

from __future__ import annotations

from uuid import UUID

from application.base import HelpdeskBase, Saved
from domain.errors import NotFound
from domain.notification import Notification


class NotificationCommands(HelpdeskBase):
    """One method per notification command."""

    def get_notification(self, notification_id: str) -> Notification:
        """The notification with this id."""
        try:
            key = UUID(str(notification_id))
        except ValueError:
            raise NotFound("notification", str(notification_id)) from None
        found = self.find(Notification, key)
        if found is None:
            raise NotFound("notification", str(notification_id))
        return found

    def mark_notification_read(self, notification_id: str, recipient: str) -> Saved[Notification]:
        """Mark an in-app notification read; only its recipient may (others get 404)."""

        def load() -> Notification:
            found = self.get_notification(notification_id)
            if found.recipient != recipient:
                raise NotFound("notification", str(notification_id))
            return found

        return self.update(load, lambda n: n.mark_read(at=self.clock()))
