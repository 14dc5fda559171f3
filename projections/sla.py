"""``ticket_sla``: one row per ticket under SLA terms, with both clocks' due times and
whether each was met or breached.

The terms are kept in their parts (policy, minutes, calendar JSON) and rebuilt into
``SlaTerms`` whenever a due time is recomputed. Tickets opened without terms have no row;
their later events change nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache, singledispatchmethod
from typing import Any

import msgspec

from domain import ticket_events as ev
from domain.calendar import BusinessCalendar
from domain.sla import SlaTerms
from domain.sla_clock import ResolutionPause
from domain.transitions import resolved_at_after
from domain.values import ActorKind, SlaMetric, Status, Visibility
from projections.read_model import BufferedReadModel, ids_of
from projections.row_buffer import Row, RowBuffer
from projections.sla_columns import cached_due_times, pause_of
from projections.tables import ticket_sla

_LATER = (ev.Assigned, ev.Unassigned, ev.StatusChanged, ev.PriorityChanged, ev.Escalated,
          ev.CategoryChanged, ev.MessageAdded, ev.SlaBreached, ev.Deleted)


def _terms_columns(terms: SlaTerms) -> dict[str, Any]:
    """The row's columns that hold ``terms``."""
    return {"policy": terms.policy, "first_response_minutes": terms.first_response_minutes,
            "resolution_minutes": terms.resolution_minutes,
            "calendar": _calendar_json(terms.calendar)}


@lru_cache(maxsize=256)
def _calendar_json(calendar: BusinessCalendar) -> str:
    return msgspec.json.encode(calendar).decode()


def _terms(row: Row) -> SlaTerms:
    """The terms a row is under, rebuilt from its columns."""
    return SlaTerms(row["policy"], row["first_response_minutes"], row["resolution_minutes"],
                    _calendar(row["calendar"]))


@lru_cache(maxsize=256)
def _calendar(text: str) -> BusinessCalendar:
    """A calendar column decoded (once per distinct text: calendars are immutable)."""
    return msgspec.json.decode(text, type=BusinessCalendar)


def _due_columns(terms: SlaTerms, opened_at: datetime,
                 pause: ResolutionPause) -> dict[str, datetime | None]:
    """Due and at-risk instants of both clocks (resolution ones None while paused)."""
    due = cached_due_times(terms, opened_at, pause)
    return {"first_response_due": due.first_response_due,
            "first_response_at_risk": due.first_response_at_risk,
            "resolution_due": due.resolution_due,
            "resolution_at_risk": due.resolution_at_risk}


def _resolution_met(terms: SlaTerms, opened_at: datetime, pause: ResolutionPause,
                    at: datetime) -> bool:
    """Whether resolving at ``at`` met the resolution clock, with the pause as it stood
    just before. A ticket resolved while paused (waiting on the customer) stopped its clock
    when the pause began: it met the target if time was left then."""
    due = cached_due_times(terms, opened_at, pause)
    if due.resolution_due is None:
        return (due.paused_remaining_minutes or 0.0) >= 0.0
    return at <= due.resolution_due


class SlaReadModel(BufferedReadModel):
    """Every ticket's SLA clocks: due and at-risk times, pauses, met and breached flags."""

    name = "ticket_sla"
    tables = (ticket_sla,)

    @property
    def _rows(self) -> RowBuffer:
        return self.rows(ticket_sla)

    def prefetch(self, events: Sequence[Any]) -> None:
        self._rows.prefetch(ids_of(events, _LATER, created=ev.Opened))

    def _row(self, event: Any) -> Row | None:
        return self._rows.get(str(event.originator_id))

    def _update(self, event: Any, **values: Any) -> None:
        self._rows.update(str(event.originator_id), values)

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that touch no SLA clock change nothing."""

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        terms = event.sla
        if terms is None:
            return
        self._rows.insert(dict(
            ticket_id=str(event.originator_id), number=event.number,
            priority=event.priority.value, category=event.category, assignee_id=None,
            status=Status.OPEN.value, opened_at=event.timestamp, first_responded_at=None,
            first_response_met=None, first_response_breached=False, resolved_at=None,
            resolution_met=None, resolution_breached=False, paused_minutes=0.0,
            paused_since=None, deleted=False, **_terms_columns(terms),
            **_due_columns(terms, event.timestamp, ResolutionPause()),
        ))

    @apply.register
    def _assigned(self, event: ev.Assigned, position: int) -> None:
        self._update(event, assignee_id=event.agent_id)

    @apply.register
    def _unassigned(self, event: ev.Unassigned, position: int) -> None:
        self._update(event, assignee_id=None)

    @apply.register
    def _status_changed(self, event: ev.StatusChanged, position: int) -> None:
        row = self._row(event)
        if row is None:
            return
        terms, at, to = _terms(row), event.timestamp, event.to_status
        before = pause_of(row, prefix="")
        after = before.moved(terms, to, at)
        changes: dict[str, Any] = {"status": to.value, "paused_minutes": after.paused_minutes,
                                   "paused_since": after.paused_since,
                                   **_due_columns(terms, row["opened_at"], after)}
        resolved_at = resolved_at_after(event.from_status, to, at, row["resolved_at"])
        if resolved_at is None and row["resolved_at"] is not None:  # reopened
            changes.update(resolved_at=None, resolution_met=None)
        if resolved_at == at and resolved_at != row["resolved_at"]:  # resolved just now
            met = _resolution_met(terms, row["opened_at"], before, at)
            changes.update(resolved_at=at, resolution_met=met,
                           resolution_breached=row["resolution_breached"] or not met)
        self._update(event, **changes)

    def _new_terms(self, event: Any, **changes: Any) -> None:
        """Apply ``changes`` and, when the event brings new terms, recompute the due times
        from the same opening and pause."""
        row = self._row(event)
        if row is None:
            return
        terms: SlaTerms | None = event.sla
        if terms is not None:
            changes.update(_terms_columns(terms),
                           **_due_columns(terms, row["opened_at"], pause_of(row, prefix="")))
        self._update(event, **changes)

    @apply.register
    def _priority_changed(self, event: ev.PriorityChanged, position: int) -> None:
        self._new_terms(event, priority=event.to_priority.value)

    @apply.register
    def _escalated(self, event: ev.Escalated, position: int) -> None:
        self._new_terms(event, priority=event.to_priority.value)

    @apply.register
    def _category_changed(self, event: ev.CategoryChanged, position: int) -> None:
        self._new_terms(event, category=event.to_category)

    @apply.register
    def _message_added(self, event: ev.MessageAdded, position: int) -> None:
        if event.actor.kind is not ActorKind.AGENT or event.visibility is not Visibility.PUBLIC:
            return
        row = self._row(event)
        if row is None or row["first_responded_at"] is not None:
            return
        met = event.timestamp <= row["first_response_due"]
        self._update(event, first_responded_at=event.timestamp, first_response_met=met,
                     first_response_breached=row["first_response_breached"] or not met)

    @apply.register
    def _sla_breached(self, event: ev.SlaBreached, position: int) -> None:
        if event.metric is SlaMetric.FIRST_RESPONSE:
            self._update(event, first_response_breached=True)
        else:
            self._update(event, resolution_breached=True)

    @apply.register
    def _deleted(self, event: ev.Deleted, position: int) -> None:
        self._update(event, deleted=True)
