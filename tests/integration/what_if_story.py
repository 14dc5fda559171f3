"""A small, hand-computed SLA story for the what-if tests (unit and CLI).

Recorded terms are the built-in defaults, 24x7 (urgent 60/240, medium 480/2880, low
1440/5760 minutes). The period is [Mon 2026-03-02 09:00, Tue 2026-03-03 12:00) UTC.

    Sun 10:00  D opened (before the period: left out)
    Mon 10:00  F opened, deleted at 10:05 (left out)
    Mon 16:00  A opened, urgent
    Mon 16:30  B opened, medium
    Mon 16:45  agent replies on A
    Mon 16:50  A waits on the customer
    Tue 08:30  the customer replies on A (back to open)
    Tue 09:10  agent replies on B
    Tue 10:00  A resolved
    Tue 11:30  C opened, low   (with ``raise_c``: raised to urgent at 11:40)
    Tue 12:00  E opened (the end is exclusive: left out)
    Tue 12:30  agent replies on C (after the end: ignored)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from application.service import Helpdesk
from domain.values import Actor, Priority, Role, Status

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
TARGETS = [
    {"priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 120},
    {"priority": "high", "first_response_minutes": 60, "resolution_minutes": 240},
    {"priority": "medium", "first_response_minutes": 60, "resolution_minutes": 600},
    {"priority": "low", "first_response_minutes": 240, "resolution_minutes": 960},
]
OFFICE_HOURS = {"timezone": "UTC", "holidays": [],
                "hours": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]}


def policy_json(*, office_hours: bool) -> str:
    """The alternative policy: ``TARGETS`` on office hours (Mon-Fri 09-17 UTC) or 24x7."""
    document: dict[str, Any] = {"name": "Office hours" if office_hours else "Round the clock",
                                "targets": TARGETS}
    if office_hours:
        document["calendar"] = OFFICE_HOURS
    return json.dumps(document)


@dataclass
class Story:
    """The numbers of the story's tickets."""

    a: str
    b: str
    c: str


def play_story(app: Helpdesk, clock: Any, *, raise_c: bool = False) -> Story:
    """Record the story on ``app`` (whose clock is ``clock``, at Sun 2026-03-01 10:00)."""
    setup = Actor.system("setup")
    agent = Actor.agent(app.create_agent(email="kim@desk.example", name="Kim", role=Role.AGENT,
                                         actor=setup).agent.agent_id)

    def at(day: int, hour: int, minute: int = 0) -> None:
        clock.now = datetime(2026, 3, day, hour, minute, tzinfo=UTC)

    def open_ticket(priority: Priority, email: str) -> str:
        return app.open_ticket(subject="Help", description="Please", customer_name="Cy",
                               customer_email=email, priority=priority).ticket.number

    open_ticket(Priority.LOW, "d@example.com")
    at(2, 10)
    f = open_ticket(Priority.HIGH, "f@example.com")
    at(2, 10, 5)
    app.delete(f, actor=agent, reason="spam")
    at(2, 16)
    a = open_ticket(Priority.URGENT, "a@example.com")
    at(2, 16, 30)
    b = open_ticket(Priority.MEDIUM, "b@example.com")
    at(2, 16, 45)
    app.add_message(a, "Looking into it", author=agent)
    at(2, 16, 50)
    app.change_status(a, Status.WAITING_CUSTOMER, actor=agent, reason="need the order")
    at(3, 8, 30)
    app.add_message(a, "It is A-1", author=Actor.customer(app.get_ticket(a).customer.id))
    at(3, 9, 10)
    app.add_message(b, "Hello", author=agent)
    at(3, 10)
    app.change_status(a, Status.RESOLVED, actor=agent)
    at(3, 11, 30)
    c = open_ticket(Priority.LOW, "c@example.com")
    if raise_c:
        at(3, 11, 40)
        app.change_priority(c, Priority.URGENT, actor=agent)
    at(3, 12)
    open_ticket(Priority.LOW, "e@example.com")
    at(3, 12, 30)
    app.add_message(c, "Hello", author=agent)
    return Story(a, b, c)
