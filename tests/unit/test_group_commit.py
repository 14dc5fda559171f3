"""Group commit: concurrent requests share commits, each gets its own outcome."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from application.group_commit import GroupCommit, Pending


def test_concurrent_requests_are_committed_together_and_each_gets_its_result():
    batches: list[int] = []
    gate = threading.Event()

    def commit(batch: list[Pending[int]]) -> None:
        gate.wait(1)  # hold the first commit so that others queue up behind it
        batches.append(len(batch))
        for pending in batch:
            if pending.request < 0:
                pending.fail(ValueError(f"refused {pending.request}"))
            else:
                pending.succeed(pending.request * 10)

    group: GroupCommit[int] = GroupCommit(commit, max_batch=16)
    requests = [*range(1, 40), -5]
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(group.submit, r) for r in requests]
        gate.set()
        outcomes = []
        for request, future in zip(requests, futures, strict=True):
            if request < 0:
                with pytest.raises(ValueError, match="refused -5"):
                    future.result()
            else:
                outcomes.append(future.result())
    assert outcomes == [r * 10 for r in range(1, 40)]
    assert sum(batches) == len(requests) and max(batches) > 1 and max(batches) <= 16


def test_a_failing_commit_fails_its_whole_batch_only():
    calls = {"n": 0}

    def commit(batch: list[Pending[str]]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database went away")
        for pending in batch:
            pending.succeed("ok")

    group: GroupCommit[str] = GroupCommit(commit)
    with pytest.raises(ConnectionError):
        group.submit("first")
    assert group.submit("second") == "ok"


def first_batch_fails_with(error: BaseException, queued: int):
    """Submit "first", whose commit waits until ``queued`` more requests are queued behind
    it and then fails with ``error`` (later commits succeed); the futures of all of them and
    the batches committed."""
    started, release = threading.Event(), threading.Event()
    batches: list[list[str]] = []

    def commit(batch: list[Pending[str]]) -> None:
        batches.append([p.request for p in batch])
        if len(batches) == 1:
            started.set()
            release.wait(2)  # the others queue up meanwhile
            raise error
        for pending in batch:
            pending.succeed("ok")

    group: GroupCommit[str] = GroupCommit(commit, outage_errors=(ConnectionError,))
    pool = ThreadPoolExecutor(queued + 1)
    first = pool.submit(group.submit, "first")
    started.wait(2)
    waiting = [pool.submit(group.submit, f"queued {n}") for n in range(queued)]
    while len(group._queue) < queued:
        threading.Event().wait(0.001)
    release.set()
    pool.shutdown(wait=True)
    return group, first, waiting, batches


def test_an_outage_fails_the_requests_queued_behind_the_failed_batch_at_once():
    group, first, queued, batches = first_batch_fails_with(
        ConnectionError("database went away"), 3)
    for future in (first, *queued):
        with pytest.raises(ConnectionError):
            future.result(2)
    assert batches == [["first"]]  # nobody led another attempt against the outage
    assert group.submit("later") == "ok"


def test_other_errors_leave_the_queued_requests_to_their_own_commit():
    _, first, queued, batches = first_batch_fails_with(ValueError("this batch only"), 2)
    with pytest.raises(ValueError):
        first.result(2)
    assert [f.result(2) for f in queued] == ["ok", "ok"]
    assert batches[0] == ["first"] and sorted(batches[1]) == ["queued 0", "queued 1"]
