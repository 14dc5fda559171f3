"""What the HTTP layer needs from the rest of the system, handed over by the composition
root (so the API never builds infrastructure itself)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from litestar.di import NamedDependency
from sqlalchemy import Connection

from application.service import Helpdesk
from projections.read_side import ReadSide


@dataclass(frozen=True)
class ApiSettings:
    """Limits and links of the HTTP API."""

    public_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 64 * 1024
    portal_rate_limit_per_minute: int = 20
    min_position_timeout: float = 2.0
    max_projection_lag: int = 1_000


@dataclass
class Services:
    """The write side, the read side, and health probes of optional parts (the broker)."""

    helpdesk: Helpdesk
    read: ReadSide
    settings: ApiSettings = field(default_factory=ApiSettings)
    probes: dict[str, Callable[[], None]] = field(default_factory=dict)


ServicesDep = NamedDependency[Services]
"""A handler parameter that receives the services."""


def read_connection(services: Services) -> Connection:
    """A connection to the read tables whose statements each commit on their own.

    PostgreSQL runs every statement in its own snapshot under the default READ COMMITTED
    anyway, so a read-only request loses nothing, and saves the ``BEGIN`` and the
    ``ROLLBACK`` (two round trips) the default transaction costs per checkout."""
    return services.read.store.reader.connect().execution_options(isolation_level="AUTOCOMMIT")
