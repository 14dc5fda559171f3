"""The Dramatiq broker: Redis when ``HELPDESK_REDIS_URL`` is set, else an in-process stub
broker whose messages worker threads inside ``helpdesk serve`` consume."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

NAMESPACE = "helpdesk"
QUEUE = "helpdesk"


def build_broker(redis_url: str | None, *, heartbeat_ms: int = 60_000) -> dramatiq.Broker:
    """A broker for this process. ``heartbeat_ms``: after how long without a heartbeat a
    dead worker's unacknowledged messages are given to another worker."""
    if redis_url:
        return RedisBroker(url=redis_url, namespace=NAMESPACE, heartbeat_timeout=heartbeat_ms)
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker


def ping(broker: dramatiq.Broker) -> None:
    """Raise when the broker cannot be reached (used by /readyz)."""
    if isinstance(broker, RedisBroker):
        broker.client.ping()
