"""Wiring of the HTTP layer: the Litestar app over the composed services, and the ASGI
factory ``helpdesk api`` (and any ASGI server) loads in each worker process."""

from __future__ import annotations

from collections.abc import Callable

import redis
from litestar import Litestar
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from api.app import create_app
from api.services import ApiSettings, Services
from application.service import Helpdesk
from helpdesk.bootstrap import build_application, build_read_side, open_store
from helpdesk.settings import Settings
from projections.read_side import ReadSide


def api_settings(settings: Settings) -> ApiSettings:
    """The HTTP limits from the environment's settings."""
    return ApiSettings(public_url=settings.public_url, max_body_bytes=settings.max_body_bytes,
                       portal_rate_limit_per_minute=settings.portal_rate_limit_per_minute)


def rate_limit_store(settings: Settings) -> Store:
    """Shared across API replicas through Redis when there is one, else per process."""
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="helpdesk-rate-limit")
    return MemoryStore()


def broker_probe(settings: Settings) -> dict[str, Callable[[], None]]:
    """A readiness probe of the Redis broker, when there is one."""
    if not settings.redis_url:
        return {}
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2,
                                  socket_timeout=2)
    def ping() -> None:
        client.ping()

    return {"broker": ping}


def build_http_app(settings: Settings, app: Helpdesk, read: ReadSide) -> Litestar:
    """The Litestar application over an already-built write and read side."""
    services = Services(app, read, api_settings(settings), probes=broker_probe(settings))
    return create_app(services, rate_limit_store=rate_limit_store(settings))


def create_app_from_env() -> Litestar:
    """ASGI factory: one API process (the projections run elsewhere)."""
    settings = Settings.from_env()
    app = build_application(settings)
    read = build_read_side(app, open_store(settings))
    return build_http_app(settings, app, read)
