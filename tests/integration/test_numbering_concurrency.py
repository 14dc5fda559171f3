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
