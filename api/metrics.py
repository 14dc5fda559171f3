"""Prometheus metrics of the HTTP layer, and the middleware that records them."""

from __future__ import annotations

import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
REQUESTS = Counter("helpdesk_http_requests_total", "HTTP requests by route and status",
                   ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("helpdesk_http_request_seconds", "HTTP request latency by route",
                    ["method", "route"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
PROJECTION_LAG = Gauge("helpdesk_projection_lag_events", "Events not yet applied",
                       ["read_model"], registry=REGISTRY)


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Count requests and time them by route template (not by raw path)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def remember_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await app(scope, receive, remember_status)
        finally:
            route = scope.get("path_template") or "unmatched"
            method = scope.get("method", "GET")
            REQUESTS.labels(method, route, str(status["code"])).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)

    return middleware
