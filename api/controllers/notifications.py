"""``/api/v1/notifications``: the calling agent's in-app inbox."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import FromQuery, PathParameter, QueryParameter

from api.auth import AgentDep, current_agent
from api.params import wait_for_position
from api.schemas.notifications import NotificationList, NotificationOut
from api.services import ServicesDep
from domain.notification import Notification
from projections.queries.notifications import inbox

NotificationId = Annotated[str, PathParameter(max_length=64)]


def notification_row(row: dict[str, Any]) -> NotificationOut:
    """An inbox row."""
    return NotificationOut(id=row["notification_id"], kind=row["kind"], subject=row["subject"],
                           body=row["body"], ticket_number=row["ticket_number"],
                           read=row["read"], created_at=row["created_at"])


def notification_out(notification: Notification, position: int = 0) -> NotificationOut:
    """A notification as stored."""
    return NotificationOut(id=str(notification.id), kind=notification.kind,
                           subject=notification.subject, body=notification.body,
                           ticket_number=notification.ticket_number, read=notification.read,
                           created_at=notification.created_on, position=position)


class NotificationController(Controller):
    """What the desk told the calling agent in the app."""

    path = "/api/v1/notifications"
    tags = ["notifications"]
    dependencies = {"agent": Provide(current_agent, sync_to_thread=True)}
    security = [{"bearer": []}]

    @get("/", operation_id="listNotifications", sync_to_thread=True)
    def list_notifications(
        self,
        services: ServicesDep,
        agent: AgentDep,
        unread: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        min_position: Annotated[int | None, QueryParameter(ge=0)] = None,
    ) -> NotificationList:
        """The caller's in-app notifications, newest first (``unread=true``: unread only,
        ``unread=false``: read only)."""
        wait_for_position(services, min_position)
        read = None if unread is None else not unread
        with services.read.store.reader.connect() as conn:
            page = inbox(conn, agent.id, read=read, limit=limit, cursor=cursor)
        return NotificationList([notification_row(row) for row in page.items], page.next_cursor)

    @post("/{notification_id:str}/read", operation_id="markNotificationRead", status_code=200,
          sync_to_thread=True)
    def mark_read(self, services: ServicesDep, agent: AgentDep,
                  notification_id: NotificationId) -> NotificationOut:
        """Mark one of the caller's notifications read (404 for anybody else's)."""
        saved = services.helpdesk.mark_notification_read(notification_id, agent.id)
        return notification_out(saved.aggregate, saved.position)
