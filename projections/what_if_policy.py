"""An SLA policy to try out on past tickets: targets per priority on a calendar, read from
a JSON file and validated by the same rules as real policies.

    {"name": "Stricter urgent",
     "targets": [{"priority": "urgent", "first_response_minutes": 30,
                  "resolution_minutes": 120}, ...one per priority...],
     "calendar": {"timezone": "Europe/Berlin",
                  "hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}, ...],
                  "holidays": ["2026-12-25"]}}

Without ``calendar`` the policy counts every minute (24x7).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from domain.calendar import ALWAYS_OPEN, BusinessCalendar, CalendarError, OpeningHours
from domain.errors import InvalidInput
from domain.rules import NAME_MAX, check_text
from domain.sla import SlaTarget, SlaTerms, check_targets
from domain.values import Priority


class _TargetIn(msgspec.Struct, forbid_unknown_fields=True):
    priority: Priority
    first_response_minutes: int
    resolution_minutes: int


class _HoursIn(msgspec.Struct, forbid_unknown_fields=True):
    weekday: int
    start: str
    end: str


class _CalendarIn(msgspec.Struct, forbid_unknown_fields=True):
    timezone: str = "UTC"
    hours: list[_HoursIn] = []
    holidays: list[str] = []


class _PolicyIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    targets: list[_TargetIn]
    calendar: _CalendarIn | None = None


@dataclass(frozen=True)
class SlaWhatIfPolicy:
    """Alternative SLA terms: one target per priority, on ``calendar``. Validated when
    built (``InvalidInput`` naming ``name``, ``targets`` or ``calendar``)."""

    name: str
    targets: tuple[SlaTarget, ...]
    calendar: BusinessCalendar = ALWAYS_OPEN

    def __post_init__(self) -> None:
        object.__setattr__(self, "name",
                           check_text("name", self.name, NAME_MAX, single_line=True))
        object.__setattr__(self, "targets", check_targets(self.targets))
        try:
            self.calendar.check()
        except CalendarError as error:
            raise InvalidInput.field("calendar", str(error)) from None

    def terms(self, priority: Priority) -> SlaTerms:
        """The terms this policy would set for tickets of ``priority``."""
        target = next(t for t in self.targets if t.priority is priority)
        return SlaTerms(self.name, target.first_response_minutes, target.resolution_minutes,
                        self.calendar)

    @classmethod
    def from_json(cls, data: bytes | str) -> SlaWhatIfPolicy:
        """The policy described by a JSON document (see the module's docstring)."""
        try:
            raw = msgspec.json.decode(data, type=_PolicyIn)
        except msgspec.ValidationError as error:
            raise InvalidInput.field("policy", f"not a valid policy: {error}") from None
        except msgspec.DecodeError as error:
            raise InvalidInput.field("policy", f"not valid JSON: {error}") from None
        calendar = ALWAYS_OPEN
        if raw.calendar is not None:
            calendar = BusinessCalendar(
                timezone=raw.calendar.timezone,
                hours=tuple(OpeningHours(h.weekday, h.start, h.end) for h in raw.calendar.hours),
                holidays=tuple(raw.calendar.holidays))
        targets = tuple(SlaTarget(t.priority, t.first_response_minutes, t.resolution_minutes)
                        for t in raw.targets)
        return cls(raw.name, targets, calendar)
