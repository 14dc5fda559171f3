"""Hints: what a process learnt about which aggregates a read will need next (the SLA
policy a category names, the agent a token belongs to), so that one statement can read them
all. A hint only chooses what to read; the aggregates read are always current, and a wrong
hint costs a second read, never a wrong answer."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

HINTS_KEPT = 10_000


class Hints(Generic[K, V]):
    """A bounded map of guesses; forgets everything when full (guesses are cheap)."""

    def __init__(self, kept: int = HINTS_KEPT) -> None:
        self._kept = kept
        self._hints: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        """The guess for ``key``, if any."""
        return self._hints.get(key)

    def learn(self, key: K, value: V) -> None:
        """Remember what a read showed."""
        if len(self._hints) >= self._kept and key not in self._hints:
            self._hints.clear()
        self._hints[key] = value

    def forget(self, key: K) -> None:
        """Drop the guess for ``key``."""
        self._hints.pop(key, None)
