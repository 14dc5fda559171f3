"""What if another SLA policy had applied? Past tickets measured against alternative
terms, next to their compliance under the terms actually recorded on them.

Every ticket opened in ``[start, end)`` is replayed from its own events up to ``end`` (the
ticket's state by the aggregate's code, plus a resolution pause kept on the alternative
calendar). Both clocks are then judged as of ``end`` with the terms for the ticket's
priority by then, by one rule for both sides:

* first response: met when the first public agent reply (or, without one, the
  resolution, which fulfils every clock) came by its due time; missed when it came later
  or has not come although the due time passed by ``end``; pending otherwise;
* resolution (to resolved, or to closed when not resolved before; a reopen clears it):
  met when the clock had time left at that moment; missed when it had none, or when the
  ticket is still unresolved and overdue at ``end``; pending otherwise.

Pending clocks are not counted in the rates. Tickets deleted by ``end`` are left out.
Nothing is written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from eventsourcing.utils import get_topic

from domain import ticket_events as ev
from domain.sla import SlaTerms
from domain.sla_clock import ResolutionPause, due_times
from domain.values import Priority, Status
from projections.what_if_policy import SlaWhatIfPolicy

__all__ = ["ALL", "Compliance", "SlaWhatIfPolicy", "TicketOutcome", "WhatIfReport",
           "sla_what_if"]

log = logging.getLogger(__name__)

Outcome = Literal["met", "missed", "pending"]
ALL = "all"
"""The key of the totals in ``WhatIfReport.what_if`` and ``.actual``."""
_BATCH = 500


@dataclass(frozen=True)
class Clocks:
    """What became of a ticket's two clocks under one set of terms."""

    first_response: Outcome
    resolution: Outcome


@dataclass(frozen=True)
class TicketOutcome:
    """One ticket: its priority by ``end``, and both clocks under the alternative terms
    and under its recorded terms (None when it was opened under none)."""

    number: str
    priority: Priority
    opened_at: datetime
    what_if: Clocks
    actual: Clocks | None


@dataclass(frozen=True)
class Compliance:
    """Counts of met, missed and pending clocks; rates over the counted (not pending)."""

    first_response_met: int = 0
    first_response_missed: int = 0
    first_response_pending: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0
    resolution_pending: int = 0

    @property
    def first_response_rate(self) -> float | None:
        """Share of first responses met, or None when none was due yet."""
        return _rate(self.first_response_met, self.first_response_missed)

    @property
    def resolution_rate(self) -> float | None:
        """Share of resolutions met, or None when none was due yet."""
        return _rate(self.resolution_met, self.resolution_missed)


@dataclass(frozen=True)
class WhatIfReport:
    """The alternative policy against the actual terms, keyed by priority (urgent first)
    and ``ALL``; ``without_terms`` tickets count in ``what_if`` only; ``deleted`` ones in
    neither."""

    policy: str
    start: datetime
    end: datetime
    tickets: list[TicketOutcome]
    what_if: dict[str, Compliance]
    actual: dict[str, Compliance]
    without_terms: int = 0
    deleted: int = 0


def _rate(met: int, missed: int) -> float | None:
    return met / (met + missed) if met + missed else None


def sla_what_if(app: Any, policy: SlaWhatIfPolicy, start: datetime,
                end: datetime) -> WhatIfReport:
    """Judge the tickets opened in ``[start, end)`` by ``policy`` and by their own terms,
    as of ``end`` (see the module's docstring). Reads the event store only."""
    if end <= start:
        raise ValueError("the period is empty: 'to' must be after 'from'")
    outcomes: list[TicketOutcome] = []
    deleted = 0
    for opened in _opened_between(app, start, end):
        replay = _Replay(policy, opened.timestamp)
        for event in app.events.get(opened.originator_id):
            if event.timestamp >= end:
                break
            replay.apply(event)
        if replay.ticket.deleted:
            deleted += 1
            continue
        outcomes.append(replay.outcome(policy, end))
    outcomes.sort(key=lambda o: (o.opened_at, o.number))
    return WhatIfReport(
        policy=policy.name, start=start, end=end, tickets=outcomes,
        what_if=_tally(outcomes, lambda o: o.what_if),
        actual=_tally(outcomes, lambda o: o.actual),
        without_terms=sum(1 for o in outcomes if o.actual is None), deleted=deleted)


def _opened_between(app: Any, start: datetime, end: datetime) -> Iterator[Any]:
    """``Opened`` events stamped in ``[start, end)``, read from the notification log."""
    topics = [get_topic(ev.Opened)]
    after = 0
    while True:
        batch = app.recorder.select_notifications(start=after + 1, limit=_BATCH, topics=topics)
        if not batch:
            return
        for notification in batch:
            try:
                event = app.mapper.to_domain_event(notification)
            except Exception as error:
                log.warning("skipping notification %s: cannot decode: %s",
                            notification.id, error)
                continue
            if start <= event.timestamp < end:
                yield event
        after = batch[-1].id


class _Replay:
    """A ticket rebuilt event by event, with what the clocks need besides its state."""

    def __init__(self, policy: SlaWhatIfPolicy, opened_at: datetime) -> None:
        self.ticket: Any = None
        self.opened_at = opened_at
        self.calendar_terms = policy.terms(Priority.MEDIUM)  # only its calendar is used
        self.pause = ResolutionPause()  # on the alternative calendar
        self.pause_at_resolution = ResolutionPause()
        self.actual_pause_at_resolution = ResolutionPause()

    def apply(self, event: Any) -> None:
        """Evolve the ticket (by the event's own code) and the alternative pause."""
        if isinstance(event, ev.StatusChanged) and self.ticket is not None:
            to = event.to_status
            if to is Status.RESOLVED or (to is Status.CLOSED and self.ticket.resolved_at is None):
                self.pause_at_resolution = self.pause
                self.actual_pause_at_resolution = self.ticket.sla_pause
            self.pause = self.pause.moved(self.calendar_terms, to, event.timestamp)
        self.ticket = event.mutate(self.ticket)

    def outcome(self, policy: SlaWhatIfPolicy, end: datetime) -> TicketOutcome:
        """Both clocks as of ``end``, under ``policy`` and under the recorded terms."""
        t = self.ticket
        what_if = _judge(policy.terms(t.priority), self.opened_at, t.first_response_at,
                         t.resolved_at, self.pause, self.pause_at_resolution, end)
        actual = None if t.sla is None else _judge(
            t.sla, self.opened_at, t.first_response_at, t.resolved_at, t.sla_pause,
            self.actual_pause_at_resolution, end)
        return TicketOutcome(t.number, t.priority, self.opened_at, what_if, actual)


def _judge(terms: SlaTerms, opened_at: datetime, responded_at: datetime | None,
           resolved_at: datetime | None, pause: ResolutionPause,
           pause_at_resolution: ResolutionPause, end: datetime) -> Clocks:
    """Both clocks of one ticket under ``terms``, as of ``end``."""
    due = due_times(terms, opened_at, pause)
    answered = min((moment for moment in (responded_at, resolved_at) if moment is not None),
                   default=None)
    first: Outcome
    if answered is not None:
        first = "met" if answered <= due.first_response_due else "missed"
    else:
        first = "missed" if due.first_response_due <= end else "pending"
    resolution: Outcome
    if resolved_at is not None:
        resolution = "met" if _resolved_in_time(
            terms, opened_at, pause_at_resolution, resolved_at) else "missed"
    elif due.resolution_due is not None:
        resolution = "missed" if due.resolution_due <= end else "pending"
    else:  # waiting on the customer: overdue if the clock ran out before the wait began
        resolution = "missed" if (due.paused_remaining_minutes or 0.0) < 0.0 else "pending"
    return Clocks(first, resolution)


def _resolved_in_time(terms: SlaTerms, opened_at: datetime, pause: ResolutionPause,
                      at: datetime) -> bool:
    """Whether resolving at ``at`` met the resolution clock, with the pause as it stood
    just before (as ``projections.sla`` judges it): resolved while waiting on the
    customer, the clock stopped when the wait began."""
    due = due_times(terms, opened_at, pause)
    if due.resolution_due is None:
        return (due.paused_remaining_minutes or 0.0) >= 0.0
    return at <= due.resolution_due


def _tally(outcomes: list[TicketOutcome],
           pick: Callable[[TicketOutcome], Clocks | None]) -> dict[str, Compliance]:
    """Counts by priority (every priority present, even with no tickets) and in total."""
    counts: dict[str, dict[str, int]] = {
        key: {} for key in (*(p.value for p in reversed(Priority)), ALL)}
    for item in outcomes:
        clocks: Clocks | None = pick(item)
        if clocks is None:
            continue
        for key in (item.priority.value, ALL):
            for name, result in (("first_response", clocks.first_response),
                                 ("resolution", clocks.resolution)):
                slot = f"{name}_{result}"
                counts[key][slot] = counts[key].get(slot, 0) + 1
    return {key: Compliance(**values) for key, values in counts.items()}
