"""Private links e-mailed to customers. Each is an aggregate of its own (found by the hash
of its token, like an agent credential), so sending an e-mail never changes the ticket's
version — agents' forms and If-Match headers are not disturbed by notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.ids import natural_id


class AccessLinkIssued(Aggregate.Created):
    """A link that opens ticket ``number`` for its customer was e-mailed."""

    number: str

    def apply(self, aggregate: Any) -> None:
        aggregate.number = self.number


class AccessLinkState:
    """Attributes of an access link."""

    number: str


class AccessLink(AccessLinkState, Aggregate):
    """Lets the token whose hash names it open one ticket."""

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        """A link's id derives from the hash of its token."""
        return natural_id("access-link", token_hash)

    @classmethod
    def issue(cls, token_hash: str, number: str, at: datetime | None = None) -> AccessLink:
        """A new link to ``number``."""
        return cls._create(AccessLinkIssued, id=cls.create_id(token_hash), number=number,
                           timestamp=at)
