"""A ticket's history in plain words, from its stored events (for the agent console), and
the status changes a customer may see (for the portal)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.web.filters import label
from domain import ticket_events as ev
from domain.values import Actor, ActorKind, Visibility

SYSTEM_NAMES = {"router": "the router", "assignment": "the desk", "sla-monitor":
                "the SLA monitor", "auto-close": "auto-close", "auto-response":
                "the auto-responder"}


@dataclass(frozen=True)
class Entry:
    """One line of the history."""

    at: datetime
    who: str
    text: str
    reason: str = ""


def who(actor: Actor | None, names: Mapping[str, str], customer: str) -> str:
    """The actor in words."""
    if actor is None:
        return "someone"
    if actor.kind is ActorKind.CUSTOMER:
        return f"{customer} (customer)"
    if actor.kind is ActorKind.AGENT:
        return names.get(actor.id, "an agent")
    return SYSTEM_NAMES.get(actor.id, f"the system ({actor.id})")


def _tags(tags: Iterable[str]) -> str:
    return ", ".join(tags)


def _describers(names: Mapping[str, str], category: Callable[[str], str]
                ) -> dict[type[Any], Callable[[Any], str]]:
    def agent(agent_id: str) -> str:
        return names.get(agent_id, "an agent")

    return {
        ev.Opened: lambda e: (f"opened the ticket by {e.channel} in {category(e.category)} "
                              f"with {e.priority} priority"),
        ev.Assigned: lambda e: f"assigned it to {agent(e.agent_id)}",
        ev.Unassigned: lambda e: f"took it away from {agent(e.agent_id)} (unassigned)",
        ev.StatusChanged: lambda e: (f"changed the status from {label(e.from_status)} "
                                     f"to {label(e.to_status)}"),
        ev.PriorityChanged: lambda e: (f"changed the priority from {e.from_priority} "
                                       f"to {e.to_priority}"),
        ev.CategoryChanged: lambda e: (f"moved it from {category(e.from_category)} "
                                       f"to {category(e.to_category)}"),
        ev.MessageAdded: lambda e: (
            "added an internal note" if e.visibility is Visibility.INTERNAL else
            "wrote to the customer" if e.actor.kind is not ActorKind.CUSTOMER else "replied")
        + (f" (template {e.template})" if e.template else ""),
        ev.Tagged: lambda e: f"added the tags {_tags(e.tags)}",
        ev.Untagged: lambda e: f"removed the tags {_tags(e.tags)}",
        ev.SlaBreached: lambda e: (f"recorded that the {label(e.metric).lower()} target "
                                   f"was missed"),
        ev.Escalated: lambda e: (f"escalated it (priority {e.from_priority} "
                                 f"to {e.to_priority})"),
        ev.Deleted: lambda e: "deleted the ticket",
        ev.FollowUpOpened: lambda e: f"opened the follow-up ticket {e.follow_up_number}",
    }


def history(events: Iterable[Any], names: Mapping[str, str],
            category: Callable[[str], str]) -> list[Entry]:
    """Every event of the ticket in words, oldest first."""
    items = list(events)
    customer = next((e.customer.name for e in items if isinstance(e, ev.Opened)), "customer")
    describe = _describers(names, category)
    entries = []
    for event in items:
        text = describe.get(type(event))
        sentence = text(event) if text else f"recorded {type(event).__name__}"
        entries.append(Entry(event.timestamp, who(getattr(event, "actor", None), names,
                                                  customer),
                             sentence, getattr(event, "reason", "") or ""))
    return entries


def status_changes(events: Iterable[Any]) -> list[tuple[datetime, str]]:
    """When the ticket reached each status (what its customer may see: no names, no
    reasons)."""
    return [(e.timestamp, label(e.to_status)) for e in events
            if isinstance(e, ev.StatusChanged)]
