"""The Dramatiq actors. Each one is idempotent, keyed by the event that caused it, so a
redelivered message changes nothing and sends nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import uuid5

import dramatiq

from application.templating import TemplateRenderingFailed, ticket_context
from domain.errors import DomainError
from domain.ids import NAMESPACE
from domain.ticket_events import Opened
from domain.values import Actor, Visibility
from workers import reactions
from workers.broker import QUEUE
from workers.context import WorkerContext
from workers.monitor import auto_close, sla_monitor
from workers.notify import notify
from workers.routing import route_ticket, route_waiting

log = logging.getLogger(__name__)
AUTO_RESPONDER = Actor.system("auto-response")
MAX_RETRIES = 8


def auto_respond(ctx: WorkerContext, event: Opened, key: str) -> None:
    """Post the category's auto-response as a public system message (once)."""
    category = ctx.app.active_category(event.category) if event.category else None
    slug = category.auto_response_template if category else None
    if not slug:
        return
    ticket = ctx.app.get_ticket(event.number)
    try:
        _, body = ctx.app.render_template(slug, ticket_context(
            ticket, url=ctx.ticket_url(ticket.number)))
    except (TemplateRenderingFailed, DomainError) as failure:
        # Recorded where agents and auditors look: an internal note on the ticket.
        log.warning("auto-response %s for %s not sent: %s", slug, ticket.number, failure)
        ctx.app.add_message(ticket.number, f"The auto-response '{slug}' was not sent: "
                            f"{failure}", author=AUTO_RESPONDER, visibility=Visibility.INTERNAL,
                            message_id=str(uuid5(NAMESPACE, f"auto-response:{key}")))
        return
    ctx.app.add_message(ticket.number, body, author=AUTO_RESPONDER,
                        visibility=Visibility.PUBLIC, template=slug,
                        message_id=str(uuid5(NAMESPACE, f"auto-response:{key}")))


def _retry_when(retries: int, error: Exception) -> bool:
    # Refusals are final; infrastructure trouble and deferred deliveries are retried.
    return retries < MAX_RETRIES and not isinstance(error, DomainError | LookupError)


Actors = dict[str, "dramatiq.Actor[Any, Any]"]


def declare_actors(broker: dramatiq.Broker, ctx: WorkerContext) -> Actors:
    """The actors of this process, bound to ``broker`` and ``ctx`` (no global state)."""

    def on_event(handle: Callable[[Any, str], Any]) -> Callable[[str, int], None]:
        def run(originator_id: str, version: int) -> None:
            event = ctx.load_event(originator_id, version)
            handle(event, reactions.event_key(event))  # outcomes are recorded as events
        return run

    handlers: dict[str, Callable[..., Any]] = {
        reactions.ROUTE: on_event(lambda event, _: route_ticket(ctx, event.number)),
        reactions.AUTO_RESPOND: on_event(lambda event, key: auto_respond(ctx, event, key)),
        reactions.NOTIFY: on_event(lambda event, key: notify(ctx, event, key)),
        reactions.ROUTE_WAITING: lambda *_: route_waiting(ctx),
        reactions.SLA_MONITOR: lambda: log.info("SLA monitor: %s", sla_monitor(ctx)),
        reactions.AUTO_CLOSE: lambda: log.info("auto-closed %s tickets", auto_close(ctx)),
    }
    return {
        name: dramatiq.actor(handler, broker=broker, actor_name=name, queue_name=QUEUE,
                            max_retries=MAX_RETRIES, min_backoff=2_000, max_backoff=300_000,
                            retry_when=_retry_when)
        for name, handler in handlers.items()
    }
