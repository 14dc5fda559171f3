"""Which reactions each event calls for. The dispatcher sends one message per (event,
reaction); every reaction is idempotent, keyed by the event."""

from __future__ import annotations

from typing import Any

from domain import ticket_events as ev
from domain.agent import AgentProfileSet
from domain.values import Priority, Status

ROUTE = "route_ticket"
ROUTE_WAITING = "route_waiting"
AUTO_RESPOND = "auto_respond"
NOTIFY = "notify"
SLA_MONITOR = "sla_monitor"
AUTO_CLOSE = "auto_close"

_FREES_CAPACITY = (Status.RESOLVED, Status.CLOSED)


def reactions_for(event: Any) -> tuple[str, ...]:
    """The reactions ``event`` calls for, in the order they should run."""
    if isinstance(event, ev.Opened):
        return (ROUTE, AUTO_RESPOND, NOTIFY)
    if isinstance(event, ev.StatusChanged):
        frees = event.to_status in _FREES_CAPACITY
        return (NOTIFY, ROUTE_WAITING) if frees else (NOTIFY,)
    if isinstance(event, ev.Unassigned | ev.Deleted | AgentProfileSet):
        return (ROUTE_WAITING,)
    if isinstance(event, ev.Assigned | ev.MessageAdded | ev.SlaBreached):
        return (NOTIFY,)
    if isinstance(event, ev.PriorityChanged | ev.Escalated) and (
            event.to_priority is Priority.URGENT and event.from_priority is not Priority.URGENT):
        return (NOTIFY,)
    return ()


def event_key(event: Any) -> str:
    """The stable id of an event: its aggregate and version."""
    return f"{event.originator_id}:{event.originator_version}"
