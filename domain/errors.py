"""The small hierarchy of errors the domain raises.

Every refusal is a ``DomainError``; the API maps each subclass to one HTTP status.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""


class InvalidInput(DomainError):
    """One or more fields of a command are not acceptable.

    ``errors`` maps each bad field to a human-readable reason.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        details = "; ".join(f"{field}: {reason}" for field, reason in self.errors.items())
        super().__init__(details)

    @classmethod
    def field(cls, name: str, reason: str) -> InvalidInput:
        """An error about a single field."""
        return cls({name: reason})


class NotFound(DomainError):
    """A referenced thing (ticket, category, agent, ...) does not exist."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} does not exist")


class UnknownCategory(InvalidInput):
    """A command names a category that does not exist or is inactive."""

    def __init__(self, key: str, field: str = "category") -> None:
        self.key = key
        super().__init__({field: f"unknown or inactive category {key!r}"})


class UnknownAgent(InvalidInput):
    """A command names an agent that does not exist or is inactive."""

    def __init__(self, key: str, field: str = "assignee") -> None:
        self.key = key
        super().__init__({field: f"unknown or inactive agent {key!r}"})


class Conflict(DomainError):
    """The command cannot be applied to the current state."""


class TransitionRefused(Conflict):
    """The status transition is not in the table of allowed transitions."""

    def __init__(self, current: str, requested: str, detail: str = "") -> None:
        self.current = current
        self.requested = requested
        message = f"cannot move a ticket from '{current}' to '{requested}'"
        super().__init__(f"{message}: {detail}" if detail else message)


class TicketClosed(Conflict):
    """A customer wrote on a closed ticket; a follow-up ticket is offered instead."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(
            f"ticket {number} is closed and takes no more replies; "
            f"open a follow-up ticket linked to {number} instead"
        )


class TicketDeleted(Conflict):
    """The ticket was deleted; it keeps its history but takes no more commands."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"ticket {number} was deleted")


class StaleVersion(Conflict):
    """The caller's expected version is not the aggregate's current version."""

    def __init__(self, expected: int, current: int) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            f"expected version {expected} but the current version is {current}; "
            "reload and try again"
        )


class NotAllowed(DomainError):
    """The actor may not issue this command."""
