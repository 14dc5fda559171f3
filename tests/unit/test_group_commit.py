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
