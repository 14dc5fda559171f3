"""Periodic reactions: the SLA monitor (breach, escalate, warn when at risk) and auto-close.

The read models only name candidates; each command re-checks the ticket itself, so a stale
read model can never cause a wrong breach or closure, and running twice changes nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import uuid5

from sqlalchemy import and_, or_, select

from domain.errors import DomainError
from domain.ids import NAMESPACE
from domain.sla_clock import due_times
from projections.tables import ticket_queue, ticket_sla
from workers.context import WorkerContext
from workers.notify import Notice, deliver

log = logging.getLogger(__name__)
SCAN_LIMIT = 500


def sla_monitor(ctx: WorkerContext) -> dict[str, int]:
    """Record breaches of overdue clocks (with escalation), and warn assignees of clocks at
    risk. Returns counts of what it did."""
    now = ctx.app.clock()
    s = ticket_sla.c
    pending_first = and_(s.first_responded_at.is_(None), s.first_response_breached.is_(False))
    pending_resolution = and_(s.resolved_at.is_(None), s.resolution_breached.is_(False),
                              s.resolution_due.is_not(None))
    with ctx.store.reader.connect() as conn:
        overdue = conn.execute(select(s.number).where(s.deleted.is_(False), or_(
            and_(pending_first, s.first_response_due <= now),
            and_(pending_resolution, s.resolution_due <= now))).limit(SCAN_LIMIT)).scalars().all()
        at_risk = conn.execute(select(s.number).where(s.deleted.is_(False), or_(
            and_(pending_first, s.first_response_at_risk <= now, s.first_response_due > now),
            and_(pending_resolution, s.resolution_at_risk <= now, s.resolution_due > now),
        )).limit(SCAN_LIMIT)).scalars().all()
    breached = 0
    for number in overdue:
        try:
            saved = ctx.app.breach_overdue(number)
        except DomainError as refused:
            log.info("SLA monitor skipped %s: %s", number, refused)
            continue
        breached += 1 if saved.position else 0
    warned = sum(_warn_at_risk(ctx, number) for number in at_risk)
    return {"breached": breached, "warned": warned}


def _warn_at_risk(ctx: WorkerContext, number: str) -> int:
    ticket = ctx.app.get_ticket(number)
    if ticket.sla is None or ticket.assignee is None or ticket.deleted:
        return 0
    due = due_times(ticket.sla, ticket.created_on, ticket.sla_pause)
    now = ctx.app.clock()
    clocks = []
    if ticket.first_response_at is None:
        clocks.append(("first_response", due.first_response_at_risk, due.first_response_due))
    if due.resolution_due is not None and due.resolution_at_risk is not None:
        clocks.append(("resolution", due.resolution_at_risk, due.resolution_due))
    sent = 0
    for metric, risk, deadline in clocks:
        if not risk <= now < deadline:
            continue
        agent = ctx.app.get_agent(ticket.assignee)
        what = metric.replace("_", " ")
        body = (f"The {what} of {ticket.number} is due {deadline:%Y-%m-%d %H:%M} UTC.\n"
                f"{ctx.console_url(ticket.number)}")
        # Short and stable: one warning per ticket, clock and deadline.
        key = f"{ticket.id}:{metric}:{deadline.isoformat()}"
        cause = "sla-at-risk:" + uuid5(NAMESPACE, key).hex
        for channel, recipient in (("in_app", agent.agent_id), ("email", agent.email)):
            notice = Notice(recipient, "agent", channel, "sla_at_risk",
                            f"[{ticket.number}] SLA at risk: {ticket.subject}", body,
                            agent.email if channel == "email" else None)
            deliver(ctx, notice, cause, ticket)
        sent += 1
    return sent


def auto_close(ctx: WorkerContext) -> int:
    """Close resolved tickets whose customer did not answer within the policy's delay."""
    q = ticket_queue.c
    now = ctx.app.clock()
    with ctx.store.reader.connect() as conn:
        candidates = conn.execute(select(q.number).where(
            q.status == "resolved", q.deleted.is_(False),
            q.resolved_at <= now - timedelta(days=1)).limit(SCAN_LIMIT)).scalars().all()
    closed = 0
    for number in candidates:
        try:
            saved = ctx.app.auto_close_if_due(number)
        except DomainError as refused:
            log.info("auto-close skipped %s: %s", number, refused)
            continue
        closed += 1 if saved.position else 0
    return closed
