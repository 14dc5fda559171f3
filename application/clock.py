"""Where the application gets the time from: the system clock, or a fake one in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware, in UTC."""


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(tz=UTC)
