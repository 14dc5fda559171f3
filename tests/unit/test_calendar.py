"""Tests for the business-hours calendar (domain.calendar)."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    CalendarError,
    OpeningHours,
    standard_week,
)

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
WEEKDAYS = standard_week()
MICRO = timedelta(microseconds=1)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)


def berlin(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=BERLIN)


# --- concrete examples -------------------------------------------------------------------------


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    assert WEEKDAYS.add_business_minutes(utc(2024, 6, 7, 16, 30), 60) == utc(2024, 6, 10, 9, 30)


def test_holiday_monday_pushes_to_tuesday() -> None:
    cal = standard_week(holidays=["2024-06-10"])
    assert cal.add_business_minutes(utc(2024, 6, 7, 16, 30), 60) == utc(2024, 6, 11, 9, 30)
    assert not cal.is_open(utc(2024, 6, 10, 12))


def test_start_on_saturday_begins_monday_morning() -> None:
    saturday = utc(2024, 6, 8, 11, 15)
    assert WEEKDAYS.add_business_minutes(saturday, 1) == utc(2024, 6, 10, 9, 1)
    assert WEEKDAYS.add_business_minutes(saturday, 480) == utc(2024, 6, 10, 17)
    assert WEEKDAYS.add_business_minutes(saturday, 481) == utc(2024, 6, 11, 9, 1)
    assert WEEKDAYS.business_minutes_between(saturday, utc(2024, 6, 10, 9)) == 0


def test_zero_minutes_returns_start_unchanged_as_utc() -> None:
    saturday = berlin(2024, 6, 8, 11, 15, 7, 123456)
    result = WEEKDAYS.add_business_minutes(saturday, 0)
    assert result == saturday
    assert result.tzinfo is UTC


def test_always_open_is_plain_addition() -> None:
    start = berlin(2024, 3, 30, 23, 59, 59, 999)
    assert ALWAYS_OPEN.is_24x7
    assert not WEEKDAYS.is_24x7
    assert ALWAYS_OPEN.add_business_minutes(start, 90) == start + timedelta(minutes=90)
    assert ALWAYS_OPEN.business_minutes_between(start, start + timedelta(seconds=90)) == 1.5
    assert ALWAYS_OPEN.is_open(start)


def test_is_open_is_half_open_and_keeps_microseconds() -> None:
    assert WEEKDAYS.is_open(utc(2024, 6, 10, 9))
    assert WEEKDAYS.is_open(utc(2024, 6, 10, 17) - MICRO)
    assert not WEEKDAYS.is_open(utc(2024, 6, 10, 17))
    assert not WEEKDAYS.is_open(utc(2024, 6, 10, 9) - MICRO)
    start = utc(2024, 6, 10, 10, 0, 0, 250)
    assert WEEKDAYS.add_business_minutes(start, 5) == utc(2024, 6, 10, 10, 5, 0, 250)
    assert WEEKDAYS.business_minutes_between(start, utc(2024, 6, 10, 10, 0, 30, 250)) == 0.5


def test_between_is_zero_for_empty_or_reversed_ranges() -> None:
    a = utc(2024, 6, 10, 10)
    assert WEEKDAYS.business_minutes_between(a, a) == 0
    assert WEEKDAYS.business_minutes_between(a, a - timedelta(hours=1)) == 0
    assert WEEKDAYS.business_minutes_between(utc(2024, 6, 3), utc(2024, 6, 10)) == 5 * 480


def test_berlin_march_dst_switch() -> None:
    cal = standard_week(timezone="Europe/Berlin")
    # Friday 16:00 CET (UTC+1) plus two hours lands on Monday 10:00 CEST (UTC+2).
    assert cal.add_business_minutes(utc(2024, 3, 29, 15), 120) == utc(2024, 4, 1, 8)
    assert cal.is_open(utc(2024, 3, 29, 8)) and not cal.is_open(utc(2024, 4, 1, 6, 59))


def test_berlin_october_dst_switch() -> None:
    cal = standard_week(timezone="Europe/Berlin")
    # Friday 16:00 CEST (UTC+2) plus two hours lands on Monday 10:00 CET (UTC+1).
    assert cal.add_business_minutes(utc(2024, 10, 25, 14), 120) == utc(2024, 10, 28, 9)


def test_dst_days_are_shorter_and_longer() -> None:
    sundays = BusinessCalendar("Europe/Berlin", (OpeningHours(6, "00:00", "24:00"),))
    march, october = berlin(2024, 3, 31), berlin(2024, 10, 27)
    assert sundays.business_minutes_between(march, march + timedelta(days=2)) == 23 * 60
    assert sundays.business_minutes_between(october, october + timedelta(days=2)) == 25 * 60
    assert sundays.add_business_minutes(march, 23 * 60) == utc(2024, 3, 31, 22)


def test_non_existent_opening_time_maps_forward() -> None:
    # 02:30 does not exist on 2024-03-31 in Berlin; opening starts at 03:00 CEST = 01:00 UTC.
    cal = BusinessCalendar("Europe/Berlin", (OpeningHours(6, "02:30", "04:00"),))
    assert not cal.is_open(utc(2024, 3, 31, 0, 59))
    assert cal.is_open(utc(2024, 3, 31, 1))
    assert cal.add_business_minutes(utc(2024, 3, 30), 60) == utc(2024, 3, 31, 2)
    assert cal.add_business_minutes(utc(2024, 3, 30), 61) == utc(2024, 4, 7, 0, 31)


def test_naive_datetimes_and_negative_minutes_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        WEEKDAYS.is_open(datetime(2024, 6, 10, 10))
    with pytest.raises(ValueError, match="naive"):
        WEEKDAYS.business_minutes_between(utc(2024, 6, 10), datetime(2024, 6, 11))
    with pytest.raises(ValueError, match="naive"):
        ALWAYS_OPEN.add_business_minutes(datetime(2024, 6, 10), 5)
    with pytest.raises(ValueError, match=">= 0"):
        WEEKDAYS.add_business_minutes(utc(2024, 6, 10), -1)


def test_a_year_of_minutes_is_fast() -> None:
    began = clock.perf_counter()
    sparse = BusinessCalendar("Australia/Sydney", (OpeningHours(2, "10:00", "11:00"),))
    start = utc(2024, 1, 1)
    for cal in (standard_week(timezone="America/New_York"), sparse):
        due = cal.add_business_minutes(start, 366 * 24 * 60)
        assert cal.business_minutes_between(start, due) == 366 * 24 * 60
    assert clock.perf_counter() - began < 2  # interval-by-interval, not minute-by-minute


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        (BusinessCalendar(timezone="Mars/Olympus"), "time zone"),
        (BusinessCalendar(timezone=""), "time zone"),
        (BusinessCalendar(hours=(OpeningHours(7, "09:00", "17:00"),)), "weekday"),
        (BusinessCalendar(hours=(OpeningHours(-1, "09:00", "17:00"),)), "weekday"),
        (BusinessCalendar(hours=(OpeningHours(0, "9:00", "17:00"),)), "malformed time"),
        (BusinessCalendar(hours=(OpeningHours(0, "09:00", "17:60"),)), "malformed time"),
        (BusinessCalendar(hours=(OpeningHours(0, "24:00", "24:00"),)), "malformed time"),
        (BusinessCalendar(hours=(OpeningHours(0, "09:00", "24:01"),)), "malformed time"),
        (BusinessCalendar(hours=(OpeningHours(0, "17:00", "09:00"),)), "must be after start"),
        (BusinessCalendar(hours=(OpeningHours(0, "09:00", "09:00"),)), "must be after start"),
        (
            BusinessCalendar(
                hours=(OpeningHours(2, "09:00", "12:00"), OpeningHours(2, "11:59", "13:00"))
            ),
            "overlapping opening hours on weekday 2",
        ),
        (BusinessCalendar(holidays=("2024-02-30",)), "malformed holiday"),
        (BusinessCalendar(holidays=("24-01-01",)), "malformed holiday"),
        (BusinessCalendar(holidays=("20240101",)), "malformed holiday"),
    ],
)
def test_check_rejects_bad_calendars(calendar: BusinessCalendar, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        calendar.check()
    with pytest.raises(ValueError, match=message):  # CalendarError is a ValueError
        calendar.add_business_minutes(utc(2024, 6, 10), 1)


def test_check_accepts_valid_calendars() -> None:
    touching = BusinessCalendar(
        "Asia/Kolkata",
        (OpeningHours(0, "09:00", "12:00"), OpeningHours(0, "12:00", "24:00")),
        ("2024-12-25",),
    )
    touching.check()
    ALWAYS_OPEN.check()
    assert touching.business_minutes_between(utc(2024, 6, 3), utc(2024, 6, 10)) == 15 * 60


def test_standard_week_validates_its_arguments() -> None:
    with pytest.raises(CalendarError, match="time zone"):
        standard_week(timezone="Nowhere/Land")
    cal = standard_week("08:00", "12:00", weekdays=[5, 6], timezone="Asia/Kolkata")
    assert cal.add_business_minutes(utc(2024, 6, 10), 30) == utc(2024, 6, 15, 3)


# --- properties --------------------------------------------------------------------------------

# DST switches (UTC) of Europe/Berlin, America/New_York and Australia/Sydney in 2024.
DST_SWITCHES = [
    utc(2024, 3, 31, 1),
    utc(2024, 10, 27, 1),
    utc(2024, 3, 10, 7),
    utc(2024, 11, 3, 6),
    utc(2024, 4, 6, 16),
    utc(2024, 10, 5, 16),
]
uniform_starts = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
near_dst_starts = st.builds(
    lambda switch, seconds: switch + timedelta(seconds=seconds),
    st.sampled_from(DST_SWITCHES),
    st.integers(-3 * 86_400, 86_400),
)
starts = st.one_of(uniform_starts, near_dst_starts)
minute_counts = st.integers(min_value=0, max_value=60_000)


def _hhmm(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


@st.composite
def calendars(draw: st.DrawFn, zones: list[str] = ZONES) -> BusinessCalendar:
    hours: list[OpeningHours] = []
    for weekday in range(7):
        edges = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
        edges = edges[: len(edges) // 2 * 2]
        hours += [
            OpeningHours(weekday, _hhmm(a), _hhmm(b))
            for a, b in zip(edges[::2], edges[1::2], strict=True)
        ]
    assume(hours)
    holidays = draw(
        st.lists(st.dates(date(2023, 1, 1), date(2027, 12, 31)), max_size=5).map(
            lambda days: tuple(day.isoformat() for day in days)
        )
    )
    cal = BusinessCalendar(draw(st.sampled_from(zones)), tuple(hours), holidays)
    cal.check()
    return cal


fixed_calendars = st.sampled_from(
    [
        WEEKDAYS,
        ALWAYS_OPEN,
        standard_week(timezone="Europe/Berlin", holidays=["2024-03-29", "2024-04-01"]),
        standard_week("22:00", "24:00", weekdays=range(7), timezone="America/New_York"),
        BusinessCalendar("Europe/Berlin", (OpeningHours(6, "01:30", "03:30"),)),
    ]
)
any_calendar = st.one_of(fixed_calendars, calendars())


@settings(max_examples=200, deadline=None)
@given(any_calendar, starts, minute_counts, minute_counts)
def test_due_times_are_monotone(cal: BusinessCalendar, s: datetime, m1: int, m2: int) -> None:
    m1, m2 = sorted((m1, m2))
    assert cal.add_business_minutes(s, m1) <= cal.add_business_minutes(s, m2)


@settings(max_examples=200, deadline=None)
@given(any_calendar, starts, st.integers(min_value=1, max_value=60_000))
def test_due_time_is_never_inside_closed_time(cal: BusinessCalendar, s: datetime, m: int) -> None:
    due = cal.add_business_minutes(s, m)
    assert due.tzinfo is UTC
    assert due > s
    assert cal.is_open(due - MICRO)  # the last counted moment was open


@settings(max_examples=200, deadline=None)
@given(any_calendar, starts, minute_counts)
def test_round_trip(cal: BusinessCalendar, s: datetime, m: int) -> None:
    assert cal.business_minutes_between(s, cal.add_business_minutes(s, m)) == pytest.approx(
        m, abs=1e-6
    )


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _wall_clock_open(cal: BusinessCalendar, at: datetime) -> bool:
    """Independent oracle: look the local wall-clock time up in the opening hours."""
    local = at.astimezone(ZoneInfo(cal.timezone))
    minute = local.hour * 60 + local.minute
    return local.date().isoformat() not in cal.holidays and any(
        h.weekday == local.weekday() and _minutes(h.start) <= minute < _minutes(h.end)
        for h in cal.hours
    )


@settings(max_examples=200, deadline=None)
@given(calendars(), starts)
def test_is_open_matches_wall_clock(cal: BusinessCalendar, at: datetime) -> None:
    local = at.astimezone(ZoneInfo(cal.timezone))
    # Skip ambiguous (fall-back) wall-clock times, where fold=0 intervals legitimately differ.
    assume(local.replace(fold=0).utcoffset() == local.replace(fold=1).utcoffset())
    assert cal.is_open(at) == _wall_clock_open(cal, at)


@settings(max_examples=200, deadline=None)
@given(
    calendars(zones=["UTC", "Asia/Kolkata"]),  # no DST, offsets are whole quarter hours
    uniform_starts.map(lambda d: d.replace(minute=d.minute // 15 * 15, second=0, microsecond=0)),
    st.integers(min_value=0, max_value=3 * 24 * 4),
)
def test_between_matches_quarter_hour_count(
    cal: BusinessCalendar, s: datetime, quarters: int
) -> None:
    # Opening boundaries sit on local quarter hours, so each quarter is wholly open or closed.
    step = timedelta(minutes=15)
    expected = sum(_wall_clock_open(cal, s + i * step) for i in range(quarters)) * 15
    assert cal.business_minutes_between(s, s + quarters * step) == expected
    assert cal.add_business_minutes(s, expected) <= s + quarters * step
