"""Settings read from the environment (``HELPDESK_*``), and the persistence set-up they
imply for the event store."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///var/helpdesk.sqlite3"


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the composition root needs to build the service."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    snapshot_interval: int = 50
    public_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 64 * 1024
    portal_rate_limit_per_minute: int = 20
    smtp_url: str | None = None
    mail_from: str = "Help Desk <helpdesk@localhost>"
    outbox: str = "var/outbox"
    monitor_interval: int = 60
    worker_threads: int = 4
    worker_heartbeat_ms: int = 60_000
    db_wait_seconds: float = 0.5
    db_pool_size: int = 5
    db_pool_overflow: int = 10
    log_format: str = "text"
    metrics_port: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the ``HELPDESK_*`` variables (see the README's table)."""
        return cls(
            database_url=environ.get("HELPDESK_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=environ.get("HELPDESK_REDIS_URL") or None,
            snapshot_interval=_whole(environ, "HELPDESK_SNAPSHOT_INTERVAL", 50),
            public_url=(environ.get("HELPDESK_PUBLIC_URL") or cls.public_url).rstrip("/"),
            max_body_bytes=_whole(environ, "HELPDESK_MAX_BODY_BYTES", 64 * 1024),
            portal_rate_limit_per_minute=_whole(environ, "HELPDESK_PORTAL_RATE_LIMIT", 20),
            smtp_url=environ.get("HELPDESK_SMTP_URL") or None,
            mail_from=environ.get("HELPDESK_MAIL_FROM") or cls.mail_from,
            outbox=environ.get("HELPDESK_OUTBOX") or cls.outbox,
            monitor_interval=_whole(environ, "HELPDESK_MONITOR_INTERVAL", 60),
            worker_threads=_whole(environ, "HELPDESK_WORKER_THREADS", 4),
            worker_heartbeat_ms=_whole(environ, "HELPDESK_WORKER_HEARTBEAT_MS", 60_000),
            db_wait_seconds=_whole(environ, "HELPDESK_DB_WAIT_MS", 500) / 1000,
            db_pool_size=_whole(environ, "HELPDESK_DB_POOL_SIZE", 5),
            db_pool_overflow=_whole(environ, "HELPDESK_DB_POOL_OVERFLOW", 10),
            log_format=_choice(environ, "HELPDESK_LOG_FORMAT", ("text", "json")),
            metrics_port=_whole(environ, "HELPDESK_METRICS_PORT", 0),
        )

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL (else SQLite or in-memory)."""
        return self.database_url.startswith(("postgresql:", "postgres:"))


def _whole(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise SettingsError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = environ.get(name) or choices[0]
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


@dataclass(frozen=True)
class PostgresTarget:
    """Where a PostgreSQL database is, from a ``postgresql://`` URL."""

    dbname: str
    host: str
    port: int
    user: str
    password: str
    schema: str


def parse_postgres_url(url: str) -> PostgresTarget:
    """``postgresql://user:pass@host:5432/db?schema=name`` → its parts (schema ``public``
    unless given)."""
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise SettingsError(f"the PostgreSQL URL names no database: {url!r}")
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    return PostgresTarget(dbname=dbname, host=parts.hostname or "127.0.0.1",
                          port=parts.port or 5432, user=unquote(parts.username or "postgres"),
                          password=unquote(parts.password or ""), schema=schema)


def persistence_env(database_url: str) -> dict[str, str]:
    """The eventsourcing settings for an event store at ``database_url``.

    ``memory://`` keeps events in process memory (tests); ``sqlite:///relative/path`` or
    ``sqlite:////absolute/path`` a SQLite file; ``postgresql://...`` PostgreSQL.
    """
    if database_url == "memory://":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        if not path:
            raise SettingsError("the SQLite URL names no file: use sqlite:///var/helpdesk.db")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "10"}
    if database_url.startswith(("postgresql://", "postgres://")):
        target = parse_postgres_url(database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": target.dbname,
            "POSTGRES_HOST": target.host,
            "POSTGRES_PORT": str(target.port),
            "POSTGRES_USER": target.user,
            "POSTGRES_PASSWORD": target.password,
            "POSTGRES_SCHEMA": target.schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "5",
        }
    raise SettingsError(
        f"unsupported HELPDESK_DATABASE_URL {database_url!r}: "
        "use sqlite:///path, postgresql://user:pass@host:5432/db or memory://"
    )
