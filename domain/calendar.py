"""Business-hours calendar used by SLA policies to compute due times.

Opening hours are local wall-clock intervals; they are converted to real UTC instants day by day
through ``zoneinfo``, so an interval may be shorter or longer on a DST switch day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ALWAYS_OPEN",
    "BusinessCalendar",
    "CalendarError",
    "OpeningHours",
    "standard_week",
]

_HHMM = re.compile(r"([0-9]{2}):([0-9]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAY_MINUTES = 24 * 60


class CalendarError(ValueError):
    """Raised when a business calendar is not well formed."""


@dataclass(frozen=True)
class OpeningHours:
    """One opening interval ``[start, end)`` on a weekday, in local wall-clock time."""

    weekday: int  # 0 = Monday ... 6 = Sunday
    start: str  # "HH:MM", 24h clock
    end: str  # "HH:MM", strictly after start; "24:00" means end of day


@dataclass(frozen=True)
class _Compiled:
    zone: ZoneInfo
    week: tuple[tuple[tuple[int, int], ...], ...]  # per weekday: merged (start, end) minutes
    holidays: frozenset[date]


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in an IANA time zone, minus fully closed holiday dates."""

    timezone: str = "UTC"
    hours: tuple[OpeningHours, ...] = ()  # empty = open 24x7
    holidays: tuple[str, ...] = ()  # local ISO dates "YYYY-MM-DD", closed all day

    @property
    def is_24x7(self) -> bool:
        """True when the calendar has no opening hours, i.e. is always open."""
        return not self.hours

    def check(self) -> None:
        """Validate the calendar, raising :class:`CalendarError` describing the first problem."""
        _compile(self)

    def is_open(self, at: datetime) -> bool:
        """Tell whether the aware instant ``at`` falls inside open time."""
        at = _as_utc(at)
        compiled = _compile(self)
        if self.is_24x7:
            return True
        start, _ = next(_intervals_after(compiled, at))
        return start <= at

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """Return the UTC instant at which ``minutes`` of open time have elapsed from ``start``.

        Counting begins at the next opening when ``start`` is closed. With ``minutes == 0`` the
        result is ``start`` itself (as UTC). A positive result is never inside closed time, though
        it may equal the (exclusive) end instant of an opening interval.
        """
        if minutes < 0:
            raise ValueError(f"minutes must be >= 0, got {minutes}")
        begin = _as_utc(start)
        remaining = timedelta(minutes=minutes)
        compiled = _compile(self)
        if self.is_24x7 or not remaining:
            return begin + remaining
        for lo, hi in _intervals_after(compiled, begin):
            lo = max(lo, begin)
            if remaining <= hi - lo:
                return lo + remaining
            remaining -= hi - lo
        raise AssertionError("unreachable: the interval generator is infinite")

    def business_minutes_between(self, start: datetime, end: datetime) -> float:
        """Return the open minutes in ``[start, end)``; 0 when ``end <= start``."""
        begin, finish = _as_utc(start), _as_utc(end)
        compiled = _compile(self)
        if finish <= begin:
            return 0.0
        if self.is_24x7:
            return (finish - begin) / timedelta(minutes=1)
        total = timedelta()
        for lo, hi in _intervals_after(compiled, begin):
            if lo >= finish:
                break
            total += min(hi, finish) - max(lo, begin)
        return total / timedelta(minutes=1)


ALWAYS_OPEN = BusinessCalendar()


def standard_week(
    start: str = "09:00",
    end: str = "17:00",
    weekdays: Iterable[int] = range(5),
    timezone: str = "UTC",
    holidays: Iterable[str] = (),
) -> BusinessCalendar:
    """Build (and validate) a calendar open ``start``-``end`` on each of ``weekdays``."""
    calendar = BusinessCalendar(
        timezone=timezone,
        hours=tuple(OpeningHours(day, start, end) for day in sorted(set(weekdays))),
        holidays=tuple(holidays),
    )
    calendar.check()
    return calendar


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime not allowed: {value!r}")
    return value.astimezone(UTC)


def _parse_hhmm(text: str, *, is_end: bool) -> int:
    match = _HHMM.fullmatch(text)
    if match is None:
        raise CalendarError(f"malformed time {text!r}: expected HH:MM")
    hour, minute = int(match[1]), int(match[2])
    if (hour, minute) == (24, 0) and is_end:
        return _DAY_MINUTES
    if hour > 23 or minute > 59:
        raise CalendarError(f"malformed time {text!r}: expected HH:MM between 00:00 and 23:59")
    return hour * 60 + minute


def _parse_date(text: str) -> date:
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CalendarError(f"malformed holiday date {text!r}: expected YYYY-MM-DD")


# Frozen calendars are hashable, so the parsed form is cached instead of re-validated per call.
@lru_cache(maxsize=256)
def _compile(calendar: BusinessCalendar) -> _Compiled:
    try:
        zone = ZoneInfo(calendar.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(f"unknown time zone {calendar.timezone!r}") from None
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for item in calendar.hours:
        if not 0 <= item.weekday <= 6:
            raise CalendarError(f"weekday must be in 0..6 (Monday..Sunday), got {item.weekday}")
        start = _parse_hhmm(item.start, is_end=False)
        end = _parse_hhmm(item.end, is_end=True)
        if end <= start:
            raise CalendarError(f"end {item.end} must be after start {item.start} in {item}")
        days[item.weekday].append((start, end))
    week: list[tuple[tuple[int, int], ...]] = []
    for weekday, intervals in enumerate(days):
        merged: list[tuple[int, int]] = []
        for start, end in sorted(intervals):
            if merged and start < merged[-1][1]:
                raise CalendarError(f"overlapping opening hours on weekday {weekday}")
            if merged and start == merged[-1][1]:
                merged[-1] = (merged[-1][0], end)  # touching intervals form one opening
            else:
                merged.append((start, end))
        week.append(tuple(merged))
    holidays = frozenset(_parse_date(text) for text in calendar.holidays)
    if calendar.hours and not any(week):
        # Defensive: unreachable while every entry must satisfy end > start, but an opening-free
        # calendar would make add_business_minutes loop forever, so keep the guard explicit.
        raise CalendarError("calendar has opening hours but no weekday is ever open")
    return _Compiled(zone=zone, week=tuple(week), holidays=holidays)


def _local_to_utc(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    """Map a local wall-clock time to UTC, sending non-existent times to the end of the gap.

    Ambiguous times (DST fall-back) take their first occurrence (fold=0). Both rules are
    monotone, so intervals stay ordered and adjacent intervals stay adjacent.
    """
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
    utc = naive.replace(tzinfo=zone).astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == naive:
        return utc
    # Inside a gap, fold=1 lands before the transition and fold=0 after it; bisect the seconds.
    lo = int(naive.replace(tzinfo=zone, fold=1).timestamp())
    hi = int(utc.timestamp())
    offset_after = utc.astimezone(zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == offset_after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _intervals_after(compiled: _Compiled, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Yield, in order and forever, the UTC opening intervals that end after ``after``."""
    # Intervals of local day D-2 end by local midnight of D-1, before ``after``; start at D-1.
    day = after.astimezone(compiled.zone).date() - timedelta(days=1)
    one_day = timedelta(days=1)
    while True:
        intervals = compiled.week[day.weekday()]
        if intervals and day not in compiled.holidays:
            for start, end in intervals:
                lo = _local_to_utc(compiled.zone, day, start)
                hi = _local_to_utc(compiled.zone, day, end)
                if hi > after and hi > lo:
                    yield lo, hi
        day += one_day
