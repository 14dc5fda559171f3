"""Group commit: concurrent commands that can share a transaction are saved together.

Callers queue their request; whoever finds no commit in progress becomes the leader, takes
everything queued and commits it in one transaction while the others wait for their own
result. One client pays one commit per command; eight concurrent clients share commits.
Nobody is told "done" before the transaction that holds their events has committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

R = TypeVar("R")


@dataclass(eq=False)
class Pending(Generic[R]):
    """One queued request and, once committed (or refused), its outcome."""

    request: Any
    result: R | None = None
    error: BaseException | None = None
    done: bool = field(default=False)

    def succeed(self, result: R) -> None:
        """Record the outcome (the leader marks it done after the batch)."""
        self.result = result

    def fail(self, error: BaseException) -> None:
        """Record a refusal or a failure for this request only."""
        self.error = error


class GroupCommit(Generic[R]):
    """Batches requests for ``commit``, which must give every Pending an outcome.

    When a whole batch fails with one of ``outage_errors`` (the database is unreachable,
    say), the requests that queued up behind it fail with the same error at once instead of
    each waiting for a leader of their own to find the database gone again."""

    def __init__(self, commit: Callable[[list[Pending[R]]], None], max_batch: int = 64,
                 outage_errors: tuple[type[BaseException], ...] = ()) -> None:
        self._commit = commit
        self._max_batch = max_batch
        self._outage_errors = outage_errors
        self._cond = threading.Condition()
        self._queue: list[Pending[R]] = []
        self._leading = False

    def submit(self, request: Any) -> R:
        """Queue ``request`` and return its result once committed (or raise its error)."""
        mine: Pending[R] = Pending(request)
        with self._cond:
            self._queue.append(mine)
        while True:
            with self._cond:
                while self._leading and not mine.done:
                    self._cond.wait()
                if mine.done:
                    break
                self._leading = True
                batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
            self._lead(batch)
        if mine.error is not None:
            raise mine.error
        assert mine.result is not None
        return mine.result

    def _lead(self, batch: list[Pending[R]]) -> None:
        try:
            self._commit(batch)
        except BaseException as error:  # the whole batch failed: everyone hears why
            for pending in batch:
                if pending.result is None and pending.error is None:
                    pending.fail(error)
            if isinstance(error, self._outage_errors):
                with self._cond:
                    waiting, self._queue = self._queue, []
                for pending in waiting:
                    pending.fail(error)
                batch = batch + waiting
        finally:
            with self._cond:
                for pending in batch:
                    if pending.result is None and pending.error is None:
                        pending.fail(RuntimeError("the batch ended without an outcome"))
                    pending.done = True
                self._leading = False
                self._cond.notify_all()
