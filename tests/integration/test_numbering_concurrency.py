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


def count_reads(app, watched) -> list[int]:
    """From now on, how many events each read of ``watched``'s stored events got."""
    read: list[int] = []
    original = app.recorder.select_events

    def counting(originator_id, *args, **kwargs):
        events = original(originator_id, *args, **kwargs)
        if originator_id == watched:
            read.append(len(events))
        return events

    app.recorder.select_events = counting
    return read


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
    read = count_reads(late, TicketNumberSequence.create_id(2026))
    opened = late.open_ticket(subject="late", description="d", customer_name="Ann",
                              customer_email="ann@example.com").ticket
    assert opened.number == f"TKT-2026-{SEQUENCE_SNAPSHOT_INTERVAL + 21:06d}"
    assert read and sum(read) <= 21  # the events after the snapshot, not all 121


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_save_snapshots_the_sequence_as_saved_without_reading_it_back(backend, request,
                                                                       make_app):
    from eventsourcing.domain import Snapshot

    from application.base import SEQUENCE_SNAPSHOT_INTERVAL
    from application.event_reads import replay
    from domain.ticket_number import TicketNumberSequence

    app = make_app(request.getfixturevalue(f"{backend}_url"))
    sequence_id = TicketNumberSequence.create_id(2026)
    app.open_ticket(subject="first", description="d", customer_name="Ann",
                    customer_email="ann@example.com")  # reads the (new) sequence once
    read = count_reads(app, sequence_id)
    for n in range(SEQUENCE_SNAPSHOT_INTERVAL):
        app.open_ticket(subject=f"ticket {n}", description="d", customer_name="Ann",
                        customer_email="ann@example.com")
    assert read == []  # the snapshot at version 100 came from memory
    (snapshot,) = app.snapshots.get(sequence_id, desc=True, limit=1)
    assert snapshot.originator_version == SEQUENCE_SNAPSHOT_INTERVAL
    replayed = replay(app.events.get(sequence_id, lte=SEQUENCE_SNAPSHOT_INTERVAL))
    assert snapshot.state == Snapshot.take(replayed).state


def test_a_process_that_lost_a_number_race_holds_the_lock_for_its_retry(make_app, postgres_url):
    """The retry after a lost race reads and saves under the event store's lock: another
    process opening a ticket meanwhile waits for it instead of taking the numbers again."""
    import threading
    import time

    from eventsourcing.persistence import IntegrityError

    first, second = make_app(postgres_url), make_app(postgres_url)

    def open_one(app, n):
        return app.open_ticket(subject=f"ticket {n}", description="d", customer_name="Ann",
                               customer_email="ann@example.com").ticket.number

    assert open_one(first, 0) == "TKT-2026-000001"
    assert open_one(second, 1) == "TKT-2026-000002"  # the first process is now behind
    lost: list[str] = []
    original_save = first.save

    def save(*objs, **kwargs):
        try:
            return original_save(*objs, **kwargs)
        except IntegrityError as error:
            lost.append(str(error))
            raise

    racer: list = []
    original_sequence = first._sequence

    def sequence_then_race(year, now):
        sequence = original_sequence(year, now)
        if lost and not racer:  # the retry, after the lost race
            thread = threading.Thread(target=lambda: racer.append(open_one(second, 2)))
            racer.append(thread)
            thread.start()
            time.sleep(0.3)  # the other process tries to save now: it has to wait
            assert len(racer) == 1
        return sequence

    first.save = save
    first._sequence = sequence_then_race
    assert open_one(first, 3) == "TKT-2026-000003"
    racer[0].join(10)
    assert len(lost) == 1  # lost once, then won under the lock
    assert racer[1:] == ["TKT-2026-000004"]


def test_saves_inside_the_held_lock_are_committed_when_the_block_ends(make_app,
                                                                      postgres_url):
    from domain.customer import Customer

    app, other = make_app(postgres_url), make_app(postgres_url)
    eve = Customer.register("eve@example.com", "Eve", at=app.clock())
    with app.recorder.holding_the_lock():
        assert app.recorder.is_holding_the_lock()
        app.save_all(eve)
        assert other.find(Customer, eve.id) is None  # not committed yet
    assert not app.recorder.is_holding_the_lock()
    assert other.find(Customer, eve.id).name == "Eve"

    bob = Customer.register("bob@example.com", "Bob", at=app.clock())
    with pytest.raises(RuntimeError), app.recorder.holding_the_lock():
        app.save_all(bob)
        raise RuntimeError("the command failed after its save")
    assert other.find(Customer, bob.id) is None  # rolled back with the block
