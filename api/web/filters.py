"""Jinja filters of the pages: times, durations, SLA clocks, labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

STATUS_LABELS = {"open": "Open", "in_progress": "In progress",
                 "waiting_customer": "Waiting on customer", "resolved": "Resolved",
                 "closed": "Closed"}
SLA_LABELS = {"ok": "On track", "at_risk": "At risk", "breached": "Breached",
              "none": "No clock", "met": "Met", "paused": "Paused"}


def when(value: datetime | date | None) -> str:
    """``2026-03-02 09:00 UTC`` (or a date)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def iso(value: datetime | None) -> str:
    """The machine-readable form for ``<time datetime=...>``."""
    return value.isoformat() if value is not None else ""


def duration(seconds: float | None) -> str:
    """``45 s``, ``12 min``, ``3 h 5 min``, ``2 d 4 h``; ``—`` for none."""
    if seconds is None:
        return "—"
    total = int(abs(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{total} s"


def sla_clock(due: datetime | None, now: datetime) -> str:
    """Time left before ``due``, or how long it is overdue."""
    if due is None:
        return "—"
    left = (due - now).total_seconds()
    if left >= 0:
        return f"{duration(left)} left"
    return f"overdue by {duration(-left)}"


def percent(share: float | None) -> str:
    """``87 %``; ``—`` without data."""
    return "—" if share is None else f"{round(share * 100)} %"


def label(value: Any) -> str:
    """A status (or other code) in words."""
    text = str(value)
    return STATUS_LABELS.get(text) or text.replace("_", " ").capitalize()


def sla_label(state: str | None) -> str:
    """An SLA state in words."""
    return SLA_LABELS.get(state or "none", str(state))


FILTERS = {"when": when, "iso": iso, "duration": duration, "sla_clock": sla_clock,
           "percent": percent, "label": label, "sla_label": sla_label}
