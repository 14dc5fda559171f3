"""Prometheus metrics of the HTTP layer, and the middleware that records them."""

from __future__ import annotations

import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func, select

from projections.tables import notifications, projection_positions, ticket_queue

REGISTRY = CollectorRegistry()
REQUESTS = Counter("helpdesk_http_requests_total", "HTTP requests by route and status",
                   ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("helpdesk_http_request_seconds", "HTTP request latency by route",
                    ["method", "route"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
PROJECTION_LAG = Gauge("helpdesk_projection_lag_events", "Events not yet applied",
                       ["read_model"], registry=REGISTRY)
PROJECTION_POSITION = Gauge("helpdesk_projection_position", "Last event applied",
                            ["read_model"], registry=REGISTRY)
EVENTS = Gauge("helpdesk_events_recorded", "Position of the last recorded event",
               registry=REGISTRY)
DISPATCHER_POSITION = Gauge("helpdesk_dispatcher_position",
                            "Last event whose reactions were enqueued", registry=REGISTRY)
NOTIFICATIONS = Gauge("helpdesk_notifications", "Notifications by channel and status",
                      ["channel", "status"], registry=REGISTRY)
TICKETS = Gauge("helpdesk_tickets", "Tickets (not deleted) by status", ["status"],
                registry=REGISTRY)


def refresh_store_metrics(services: Any) -> None:
    """Set the gauges that are read from the database at scrape time."""
    head = services.helpdesk.recorder.max_notification_id() or 0
    EVENTS.set(head)
    for status in services.read.status():
        PROJECTION_POSITION.labels(status.name).set(status.position)
        PROJECTION_LAG.labels(status.name).set(status.lag)
    n, q, p = notifications.c, ticket_queue.c, projection_positions.c
    with services.read.store.reader.connect() as conn:
        dispatched = conn.execute(select(p.position).where(p.name == "dispatcher")).scalar()
        DISPATCHER_POSITION.set(dispatched or 0)
        for channel, status, count in conn.execute(
                select(n.channel, n.status, func.count()).group_by(n.channel, n.status)):
            NOTIFICATIONS.labels(channel, status).set(count)
        for status, count in conn.execute(select(q.status, func.count()).where(
                q.deleted.is_(False)).group_by(q.status)):
            TICKETS.labels(status).set(count)


_Observed = tuple[Any, Any]
_children: dict[tuple[str, str, int], _Observed] = {}


def _observers(method: str, route: str, status: int) -> _Observed:
    """The request counter and latency histogram of one label set, looked up once (the
    client's ``labels()`` builds and locks on every call)."""
    key = (method, route, status)
    found = _children.get(key)
    if found is None:
        found = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
        _children[key] = found
    return found


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Count requests and time them by route template (not by raw path).

    Litestar runs this inside a matched route, so the labels take only the values the
    routes define: unknown paths (404) and methods (405) are refused before it and are
    not counted."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, remember_status)
        finally:
            counter, latency = _observers(scope.get("method", "GET"),
                                          scope.get("path_template") or "unmatched", status)
            counter.inc()
            latency.observe(time.perf_counter() - started)

    return middleware
