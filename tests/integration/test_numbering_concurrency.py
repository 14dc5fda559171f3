"""Ticket numbers stay sequential and unique with 32 threads opening tickets at once,
spread over several application instances as if they were separate processes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

THREADS = 32
INSTANCES = 4
TICKETS_PER_THREAD = 4


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_32_threads_never_share_or_skip_a_number(backend, request, make_app):
    url = request.getfixturevalue(f"{backend}_url")
    apps = [make_app(url) for _ in range(INSTANCES)]

    def open_some(worker: int) -> list[str]:
        app = apps[worker % INSTANCES]
        return [
            app.open_ticket(subject=f"ticket {worker}-{i}", description="concurrency",
                            customer_name="Load Test", customer_email=f"c{worker}@example.com"
                            ).ticket.number
            for i in range(TICKETS_PER_THREAD)
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        numbers = [n for batch in pool.map(open_some, range(THREADS)) for n in batch]

    total = THREADS * TICKETS_PER_THREAD
    assert len(set(numbers)) == total
    assert sorted(numbers) == [f"TKT-2026-{i:06d}" for i in range(1, total + 1)]
    for number in numbers[:: total // 8]:
        assert apps[0].get_ticket(number).number == number


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_process_that_lost_a_number_race_reads_only_the_numbers_taken_since(
        backend, request, make_app):
    """Every commit adds an event to the year's sequence; a process whose save conflicts
    with another's must not read the whole year again, or each conflict between two API
    processes would cost more than the one before."""
    url = request.getfixturevalue(f"{backend}_url")
    first, second = make_app(url), make_app(url)

    def open_one(app, n):
        return app.open_ticket(subject=f"ticket {n}", description="d",
                               customer_name="Ann", customer_email="ann@example.com"
                               ).ticket.number

    numbers = [open_one(first, n) for n in range(30)]  # 30 allocations in the sequence
    numbers += [open_one(second, 30), open_one(second, 31)]  # the second process reads it
    read: list[int] = []
    original = first.events.get

    def counting_get(originator_id, *args, **kwargs):
        events = list(original(originator_id, *args, **kwargs))
        read.append(len(events))
        return events

    first.events.get = counting_get
    numbers.append(open_one(first, 32))  # its sequence is two allocations behind: conflict
    assert read == [2]  # just the second process's two allocations
    numbers.append(open_one(first, 33))
    assert numbers == [f"TKT-2026-{i:06d}" for i in range(1, 35)]


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_process_starting_late_in_the_year_reads_the_sequence_from_a_snapshot(
        backend, request, make_app):
    from application.base import SEQUENCE_SNAPSHOT_INTERVAL
    from domain.ticket_number import TicketNumberSequence

    url = request.getfixturevalue(f"{backend}_url")
    writer = make_app(url)
    for n in range(SEQUENCE_SNAPSHOT_INTERVAL + 20):  # one allocation per opening
        writer.open_ticket(subject=f"ticket {n}", description="d", customer_name="Ann",
                           customer_email="ann@example.com")
    late = make_app(url)
    sequence_id = TicketNumberSequence.create_id(2026)
    read: list[int] = []
    original = late.recorder.select_events

    def counting(originator_id, *args, **kwargs):
        events = original(originator_id, *args, **kwargs)
        if originator_id == sequence_id:
            read.append(len(events))
        return events

    late.recorder.select_events = counting
    opened = late.open_ticket(subject="late", description="d", customer_name="Ann",
                              customer_email="ann@example.com").ticket
    assert opened.number == f"TKT-2026-{SEQUENCE_SNAPSHOT_INTERVAL + 21:06d}"
    assert read and sum(read) <= 21  # the events after the snapshot, not all 121
