"""SLA columns shared by the read models that show due times (queue and SLA)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec

from domain.sla import SlaTerms
from domain.sla_clock import ResolutionPause, SlaDue, due_times
from domain.values import Status

_DONE = frozenset({Status.RESOLVED, Status.CLOSED})
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
"""Sorts after every real due time."""


def encode_terms(terms: SlaTerms | None) -> str | None:
    """Terms as compact JSON for a text column."""
    return None if terms is None else msgspec.json.encode(terms).decode()


def decode_terms(text: str | None) -> SlaTerms | None:
    """Terms back from their JSON column (decoded once per distinct text: terms are
    immutable and a desk has few)."""
    return None if text is None else _decoded_terms(text)


@lru_cache(maxsize=512)
def _decoded_terms(text: str) -> SlaTerms:
    return msgspec.json.decode(text, type=SlaTerms)


def pause_of(row: Any, prefix: str = "sla_") -> ResolutionPause:
    """The resolution pause stored in a row's ``<prefix>paused_*`` columns (a mapping or
    an object with attributes)."""
    if isinstance(row, Mapping):
        return ResolutionPause(row[f"{prefix}paused_minutes"] or 0.0,
                               row[f"{prefix}paused_since"])
    return ResolutionPause(getattr(row, f"{prefix}paused_minutes") or 0.0,
                           getattr(row, f"{prefix}paused_since"))


def due_of(terms: SlaTerms | None, opened_at: datetime, pause: ResolutionPause) -> SlaDue | None:
    """Due times, or None for a ticket under no terms."""
    return None if terms is None else cached_due_times(terms, opened_at, pause)


@lru_cache(maxsize=16_384)
def cached_due_times(terms: SlaTerms, opened_at: datetime, pause: ResolutionPause) -> SlaDue:
    """``due_times``, remembered: a pure function of immutable values, which the queue and
    the SLA read models compute with the same arguments for most events of a ticket
    (every message, for one, leaves terms, opening and pause as they were)."""
    return due_times(terms, opened_at, pause)


def next_deadline(due: SlaDue | None, status: Status,
                  first_response_at: datetime | None) -> dict[str, datetime | None]:
    """The queue's ``sla_next_due``, ``sla_next_at_risk`` and ``sla_order``: the earliest
    clock still running (none once the ticket is resolved or closed)."""
    none: dict[str, datetime | None] = {"sla_next_due": None, "sla_next_at_risk": None,
                                        "sla_order": NO_DEADLINE}
    if due is None or status in _DONE:
        return none
    dues: list[tuple[datetime, datetime]] = []
    if first_response_at is None:
        dues.append((due.first_response_due, due.first_response_at_risk))
    if due.resolution_due is not None and due.resolution_at_risk is not None:
        dues.append((due.resolution_due, due.resolution_at_risk))
    if not dues:
        return none
    first = min(dues)
    return {"sla_next_due": first[0], "sla_next_at_risk": first[1], "sla_order": first[0]}
