"""The Dramatiq broker: Redis when ``HELPDESK_REDIS_URL`` is set, else an in-process stub
broker whose messages worker threads inside ``helpdesk serve`` consume."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

NAMESPACE = "helpdesk"
QUEUE = "helpdesk"
MAINTENANCE_CHANCE = 50_000
"""Out of 1,000,000 Redis calls."""


def build_broker(redis_url: str | None, *, heartbeat_ms: int = 60_000) -> dramatiq.Broker:
    """A broker for this process. ``heartbeat_ms``: how long without a heartbeat before a
    worker counts as dead; its unacknowledged messages go back to the queue at the next
    maintenance pass, which runs on about 5 % of Redis calls (Dramatiq's default, 0.1 %,
    can leave them waiting for many minutes on an idle system)."""
    if redis_url:
        return RedisBroker(url=redis_url, namespace=NAMESPACE, heartbeat_timeout=heartbeat_ms,
                           maintenance_chance=MAINTENANCE_CHANCE)
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker


def ping(broker: dramatiq.Broker) -> None:
    """Raise when the broker cannot be reached (used by /readyz)."""
    if isinstance(broker, RedisBroker):
        broker.client.ping()
