"""Several changes to one ticket applied together and saved in one transaction (the
agent console's PATCH)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.values import Priority, Status

KEEP = "__keep__"
"""The assignee is not to change (``None`` means: unassign)."""


@dataclass(frozen=True)
class TicketChanges:
    """What to change; ``None`` leaves a field as it is (except ``assignee``: see KEEP)."""

    status: Status | None = None
    priority: Priority | None = None
    category: str | None = None
    assignee: str | None = KEEP
    tags: Iterable[str] | None = None
    reason: str = ""

    @property
    def is_empty(self) -> bool:
        """Nothing asked for."""
        return (self.status is None and self.priority is None and self.category is None
                and self.assignee == KEEP and self.tags is None)
