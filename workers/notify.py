"""Notifications: who is told what about each event, and delivery that records every
outcome and sends at most once per (event, recipient, channel)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError
from sqlalchemy import select

from domain import ticket_events as ev
from domain.notification import Notification
from domain.ticket import Ticket
from domain.values import ActorKind, Priority, Role, Status, Visibility
from projections.tables import agent_workload
from workers.context import WorkerContext
from workers.mail import DeliveryFailed, Email

log = logging.getLogger(__name__)
PRIVATE_LINK = "{private_link}"
"""Stands in the stored text for the customer's link; a fresh token is issued per send, so
no stored notification ever holds a working token."""


class RetryLater(Exception):
    """A delivery failed for now; the message is to be retried."""


@dataclass(frozen=True)
class Notice:
    """One notification to make: to whom, on which channel, saying what."""

    recipient: str
    recipient_kind: str
    channel: str
    kind: str
    subject: str
    body: str
    email_to: str | None = None


def _admins(ctx: WorkerContext) -> list[tuple[str, str]]:
    w = agent_workload.c
    with ctx.store.reader.connect() as conn:
        rows = conn.execute(select(w.agent_id, w.email).where(
            w.role == Role.ADMIN.value, w.active.is_(True))).all()
    return [(r.agent_id, r.email) for r in rows]


def _to_agent(ctx: WorkerContext, agent_id: str, kind: str, subject: str, body: str,
              email: bool = True) -> list[Notice]:
    try:
        agent = ctx.app.get_agent(agent_id)
    except Exception:
        return []
    if not agent.active:
        return []
    notices = [Notice(agent.agent_id, "agent", "in_app", kind, subject, body)]
    if email:
        notices.append(Notice(agent.email, "agent", "email", kind, subject, body, agent.email))
    return notices


def _to_admins(ctx: WorkerContext, kind: str, subject: str, body: str,
               email: bool) -> list[Notice]:
    notices: list[Notice] = []
    for agent_id, address in _admins(ctx):
        notices.append(Notice(agent_id, "admin", "in_app", kind, subject, body))
        if email:
            notices.append(Notice(address, "admin", "email", kind, subject, body, address))
    return notices


def _to_customer(ticket: Ticket, kind: str, subject: str, body: str) -> list[Notice]:
    text = f"Hello {ticket.customer.name},\n\n{body}\n\nYour ticket: {PRIVATE_LINK}\n"
    return [Notice(ticket.customer.email, "customer", "email", kind, subject, text,
                   ticket.customer.email)]


def notices_for(ctx: WorkerContext, event: Any, ticket: Ticket) -> list[Notice]:
    """Everyone to tell about ``event`` (``ticket`` is the ticket as it is now)."""
    n, s = ticket.number, ticket.subject
    link = ctx.console_url(n)
    if isinstance(event, ev.Opened):
        notices = _to_customer(ticket, "ticket_created", f"[{n}] We received your request",
                               f"we received your request \"{s}\" as ticket {n}. We will get "
                               "back to you soon; reply through the link below.")
        urgent = event.priority is Priority.URGENT
        notices += _to_admins(ctx, "urgent_ticket" if urgent else "new_ticket",
                              f"[{n}] {'URGENT: ' if urgent else 'New ticket: '}{s}",
                              f"{event.customer.name} opened {n}: {s}\n{link}", email=urgent)
        return notices
    if isinstance(event, ev.Assigned):
        if event.actor.kind is ActorKind.AGENT and event.actor.id == event.agent_id:
            return []
        return _to_agent(ctx, event.agent_id, "assigned", f"[{n}] Assigned to you: {s}",
                         f"{n} ({ticket.priority}) was assigned to you. {event.reason}\n{link}")
    if isinstance(event, ev.MessageAdded):
        if event.actor.kind is ActorKind.CUSTOMER:
            if ticket.assignee is None:
                return []
            return _to_agent(ctx, ticket.assignee, "customer_replied",
                             f"[{n}] The customer replied: {s}", f"{event.body}\n\n{link}")
        if event.visibility is Visibility.PUBLIC:
            return _to_customer(ticket, "reply", f"[{n}] Re: {s}", event.body)
        return []
    if isinstance(event, ev.StatusChanged):
        if event.to_status is Status.RESOLVED:
            days = ctx.app.auto_close_days(ticket)
            return _to_customer(ticket, "resolved", f"[{n}] Resolved: {s}",
                                f"we consider ticket {n} resolved. If it is not, just reply; "
                                f"otherwise it closes by itself in {days} days.")
        if event.to_status is Status.CLOSED:
            return _to_customer(ticket, "closed", f"[{n}] Closed: {s}",
                                f"ticket {n} is closed. If you need more help with it, open a "
                                "follow-up ticket from the link below.")
        return []
    if isinstance(event, ev.SlaBreached):
        what = event.metric.value.replace("_", " ")
        body = f"The {what} of {n} was due {event.due_at:%Y-%m-%d %H:%M} UTC.\n{link}"
        notices = _to_agent(ctx, ticket.assignee, "sla_breached", f"[{n}] SLA breached: {s}",
                            body) if ticket.assignee else []
        return notices + _to_admins(ctx, "sla_breached", f"[{n}] SLA breached: {s}", body,
                                    email=True)
    if isinstance(event, ev.PriorityChanged | ev.Escalated) and (
            event.to_priority is Priority.URGENT):
        return _to_admins(ctx, "urgent_ticket", f"[{n}] URGENT: {s}",
                          f"{n} was raised to urgent.\n{link}", email=True)
    return []


def deliver(ctx: WorkerContext, notice: Notice, cause: str, ticket: Ticket | None) -> str:
    """Record and send one notification (once); its status afterwards. A transient failure
    raises ``RetryLater`` until the attempts run out."""
    app = ctx.app
    key = Notification.create_id(cause, notice.recipient, notice.channel)
    note = app.find(Notification, key)
    if note is None:
        note = Notification.request(
            cause_event_id=cause, recipient=notice.recipient,
            recipient_kind=notice.recipient_kind, channel=notice.channel, kind=notice.kind,
            subject=notice.subject, body=notice.body,
            ticket_number=ticket.number if ticket else None, at=app.clock())
        try:
            app.save(note)
        except IntegrityError:  # a redelivered twin got here first
            note = app.find(Notification, key)
            assert note is not None
    if note.status in ("delivered", "failed"):
        return note.status
    if note.channel == "in_app":
        note.delivered(at=app.clock())
        app.save(note)
        return note.status
    if not note.claim(app.clock()):
        raise RetryLater(f"{note.recipient}: another worker is sending it right now")
    try:
        app.save(note)
    except IntegrityError:  # a concurrent copy claimed it first
        raise RetryLater(f"{note.recipient}: another worker claimed it first") from None
    body = note.body
    if PRIVATE_LINK in body and ticket is not None:
        token = app.issue_access_link(ticket.number)
        body = body.replace(PRIVATE_LINK, ctx.ticket_url(ticket.number, token))
    try:
        ctx.mailer.send(Email(to=notice.email_to or note.recipient, subject=note.subject,
                              body=body, message_id=str(note.id)))
    except DeliveryFailed as failure:
        final = failure.permanent or note.attempts + 1 >= ctx.max_attempts
        note.failed(failure.reason, final=final, at=app.clock())
        app.save(note)
        if not final:
            raise RetryLater(f"{note.recipient}: {failure.reason}") from failure
        log.warning("giving up on %s to %s: %s", note.kind, note.recipient, failure.reason)
        return note.status
    note.delivered(at=app.clock())
    app.save(note)
    return note.status


def notify(ctx: WorkerContext, event: Any, cause: str) -> dict[str, str]:
    """Tell everyone concerned about ``event``; the outcome per recipient and channel."""
    ticket = ctx.app.get_ticket(event.number) if isinstance(event, ev.Opened) else (
        ctx.app.find(Ticket, event.originator_id))
    if ticket is None:
        return {}
    outcomes: dict[str, str] = {}
    pending_retry: RetryLater | None = None
    for notice in notices_for(ctx, event, ticket):
        try:
            outcomes[f"{notice.channel}:{notice.recipient}"] = deliver(ctx, notice, cause,
                                                                      ticket)
        except RetryLater as retry:
            pending_retry = retry  # the others still go out now; this one is retried
    if pending_retry is not None:
        raise pending_retry
    return outcomes
