"""Routing reactions: assign a new ticket, or route waiting tickets when capacity frees."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from sqlalchemy import select

from domain.errors import DomainError
from domain.routing import Candidate, TicketToRoute, choose_agent, waiting_order
from domain.ticket import Ticket
from domain.values import Actor, Priority, Role, Status
from projections.tables import agent_workload, ticket_queue
from workers.context import WorkerContext

log = logging.getLogger(__name__)
ROUTER = Actor.system("router")
ROUTING = threading.Lock()
"""One routing decision at a time per process, each on read models that include the
previous one (across processes, capacity is checked against what is committed)."""
SEEN_BY_ROUTER = ("agent_workload", "ticket_queue")
WAITING_BATCH = 50


def candidates(ctx: WorkerContext) -> list[Candidate]:
    """Every agent as the router sees them (the workload read model)."""
    with ctx.store.reader.connect() as conn:
        rows = conn.execute(select(agent_workload)).mappings().all()
    return [Candidate(agent_id=r["agent_id"], name=r["name"], role=Role(r["role"]),
                      active=r["active"], skills=tuple(r["skills"].split()),
                      branches=tuple(r["branches"].split()), capacity=r["capacity"],
                      open_assigned=r["open_assigned"], escalation=r["escalation"],
                      last_assigned_at=r["last_assigned_at"]) for r in rows]


def _to_route(ticket: Ticket) -> TicketToRoute:
    return TicketToRoute(number=ticket.number, category=ticket.category,
                         priority=ticket.priority, branch=ticket.branch)


def route_one(ctx: WorkerContext, number: str, pool: list[Candidate]) -> Candidate | None:
    """Assign ``number`` if it still waits for an agent; the chosen candidate, else None."""
    ticket = ctx.app.get_ticket(number)
    if ticket.assignee is not None or ticket.deleted or ticket.status is not Status.OPEN:
        return None
    decision = choose_agent(_to_route(ticket), pool)
    if decision is None:
        log.info("%s waits in the queue: no agent available", number)
        return None
    try:
        ctx.app.assign(number, decision.agent_id, actor=ROUTER, reason=decision.reason)
    except DomainError as refused:  # the agent left or lost the branch meanwhile
        log.warning("routing %s to %s refused: %s", number, decision.agent_id, refused)
        return None
    return next(c for c in pool if c.agent_id == decision.agent_id)


def route_ticket(ctx: WorkerContext, number: str) -> None:
    """Reaction to ``Opened``: find the ticket an agent."""
    with ROUTING:
        if not ctx.catch_up_read_models(SEEN_BY_ROUTER):
            log.warning("routing %s on read models that lag behind", number)
        route_one(ctx, number, candidates(ctx))


def route_waiting(ctx: WorkerContext) -> None:
    """Reaction to freed capacity: route unassigned open tickets, urgent and oldest first."""
    with ROUTING:
        if not ctx.catch_up_read_models(SEEN_BY_ROUTER):
            log.warning("routing waiting tickets on read models that lag behind")
        assigned = _route_waiting(ctx)
    if assigned:
        log.info("routed %s waiting tickets", assigned)


def _route_waiting(ctx: WorkerContext) -> int:
    q = ticket_queue.c
    with ctx.store.reader.connect() as conn:
        rows = conn.execute(
            select(q.number, q.priority, q.created_at)
            .where(q.assignee_id.is_(None), q.status == Status.OPEN.value,
                   q.deleted.is_(False))
            .order_by(q.priority_rank.desc(), q.created_at).limit(WAITING_BATCH)).all()
    waiting = sorted(rows, key=lambda r: waiting_order(Priority(r.priority), r.created_at))
    pool = candidates(ctx)
    assigned = 0
    for row in waiting:
        chosen = route_one(ctx, row.number, pool)
        if chosen is None:
            continue
        assigned += 1
        now = ctx.app.clock()
        pool = [replace(c, open_assigned=c.open_assigned + 1, last_assigned_at=now)
                if c.agent_id == chosen.agent_id else c for c in pool]
    return assigned
