"""Natural ids: aggregates whose key is known (a ticket number, a slug, an e-mail) get a
UUIDv5 of it, so they are fetched by key without an index and never duplicated."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("6f1f3b8e-5a47-4d51-9a43-2f1c0c8f4e10")


@lru_cache(maxsize=65_536)
def natural_id(kind: str, key: str) -> UUID:
    """The id of the ``kind`` aggregate known by ``key`` (the same every time, so the
    most recent are remembered rather than hashed again)."""
    return uuid5(NAMESPACE, f"{kind}:{key}")
