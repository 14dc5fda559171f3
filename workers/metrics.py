"""Prometheus metrics of the reacting side: actor outcomes, served by ``helpdesk worker``
and ``helpdesk dispatch`` on ``HELPDESK_METRICS_PORT`` when it is set."""

from __future__ import annotations

from typing import Any

import dramatiq
from prometheus_client import Counter

ACTOR_MESSAGES = Counter("helpdesk_actor_messages_total",
                         "Message deliveries by actor and outcome (succeeded, failed: a failed "
                         "delivery is retried with back-off unless the refusal is final)",
                         ["actor", "outcome"])


class ActorOutcomes(dramatiq.Middleware):
    """Counts each message's outcome per actor."""

    def after_process_message(self, broker: Any, message: Any, *, result: Any = None,
                              exception: BaseException | None = None) -> None:
        """A delivery finished."""
        outcome = "succeeded" if exception is None else "failed"
        ACTOR_MESSAGES.labels(message.actor_name, outcome).inc()

    def after_skip_message(self, broker: Any, message: Any) -> None:
        """A message was skipped (e.g. too old)."""
        ACTOR_MESSAGES.labels(message.actor_name, "skipped").inc()
