"""SLA clocks: when a ticket's first response and resolution are due.

The first-response clock runs from opening until the first public agent reply. The
resolution clock runs from opening until resolution but is paused while the ticket waits
on the customer (and while it is resolved or closed; a reopen resumes it). Both count
business minutes of the terms' calendar. A clock is at risk once 80 % of its target has
elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.sla import AT_RISK_FRACTION, SlaTerms
from domain.values import Status

PAUSING = frozenset({Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED})
"""Statuses in which the resolution clock stands still."""


@dataclass(frozen=True)
class ResolutionPause:
    """How long the resolution clock has stood still: finished pauses in business minutes,
    and the start of the current pause, if any."""

    paused_minutes: float = 0.0
    paused_since: datetime | None = None

    def moved(self, terms: SlaTerms | None, to: Status, at: datetime) -> ResolutionPause:
        """The pause after the ticket moves to status ``to`` at ``at``."""
        if to in PAUSING:
            return self if self.paused_since is not None else ResolutionPause(
                self.paused_minutes, at)
        if self.paused_since is None:
            return self
        finished = 0.0 if terms is None else terms.calendar.business_minutes_between(
            self.paused_since, at)
        return ResolutionPause(self.paused_minutes + finished, None)


@dataclass(frozen=True)
class SlaDue:
    """Due and at-risk instants of both clocks; resolution ones are None while paused."""

    first_response_due: datetime
    first_response_at_risk: datetime
    resolution_due: datetime | None
    resolution_at_risk: datetime | None
    paused_remaining_minutes: float | None


def due_times(terms: SlaTerms, opened_at: datetime, pause: ResolutionPause) -> SlaDue:
    """When each clock runs out (and turns at risk) under ``terms``."""
    calendar = terms.calendar
    first_due = calendar.add_business_minutes(opened_at, terms.first_response_minutes)
    first_risk = calendar.add_business_minutes(
        opened_at, terms.first_response_minutes * AT_RISK_FRACTION)
    target = terms.resolution_minutes
    if pause.paused_since is not None:
        used = calendar.business_minutes_between(opened_at, pause.paused_since)
        remaining = target - (used - pause.paused_minutes)
        return SlaDue(first_due, first_risk, None, None, remaining)
    paused = pause.paused_minutes
    return SlaDue(
        first_due,
        first_risk,
        calendar.add_business_minutes(opened_at, target + paused),
        calendar.add_business_minutes(opened_at, target * AT_RISK_FRACTION + paused),
        None,
    )
