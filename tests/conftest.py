"""Shared fixtures: a fake clock, and the event-store backends every contract test runs on.

PostgreSQL and Redis tests skip with one loud line when the servers are not reachable, and
fail instead when ``HELPDESK_REQUIRE_SERVICES=1`` (as in CI).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql

from application.service import Helpdesk
from helpdesk.settings import parse_postgres_url, persistence_env

POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HELPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """Undo what a test's CLI run did to the root logger: its handler writes to the
    test's captured standard error, which is closed once the test ends, while threads of
    later tests (an SMTP server, a pool) still log."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)
        return self.now


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (loudly) or fail when a service is not reachable."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} and HELPDESK_REQUIRE_SERVICES=1", pytrace=False)
    print(f"\n*** SKIPPING: {message} ***")
    pytest.skip(message)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose schema is fresh for this test and dropped after it."""
    target = parse_postgres_url(POSTGRES_URL)
    require_service("PostgreSQL", target.host, target.port)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connect = dict(dbname=target.dbname, host=target.host, port=target.port, user=target.user,
                   password=target.password, autocommit=True)
    with psycopg.connect(**connect) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield f"{POSTGRES_URL}?schema={schema}"
    with psycopg.connect(**connect) as conn:
        for name in (schema, f"{schema}_read"):
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(name)))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/events.sqlite3"


@pytest.fixture(params=["popo", "sqlite", "postgres"])
def database_url(request) -> str:
    """Each contract test runs once per event-store backend."""
    if request.param == "popo":
        return "memory://"
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_app(clock):
    """Build applications on one database (several may share it, like processes)."""
    apps: list[Helpdesk] = []

    def make(database_url: str, snapshot_interval: int = 5) -> Helpdesk:
        app = Helpdesk(persistence_env(database_url), clock=clock,
                       snapshot_interval=snapshot_interval)
        app.ensure_defaults()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app, database_url) -> Helpdesk:
    return make_app(database_url)
