"""Engines for the read tables: in the event store's database, in their own schema on
PostgreSQL (``read`` unless the URL says ``read_schema=...``)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, create_engine, event

_POSTGRES_CONNECT = {"connect_timeout": 5, "options": "-c TimeZone=UTC"}
"""Sessions in UTC: timestamps come back already in UTC (nothing to convert per value)."""


@dataclass(frozen=True)
class ReadStore:
    """Where the read tables are: one engine for projection writers (SQLite transactions
    take the write lock at BEGIN), one for readers."""

    writer: Engine
    reader: Engine
    schema: str | None
    temporary_folder: str | None = None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.writer.dialect.name

    def dispose(self) -> None:
        """Close every pooled connection (and delete a throw-away store's folder)."""
        self.writer.dispose()
        self.reader.dispose()
        if self.temporary_folder:
            shutil.rmtree(self.temporary_folder, ignore_errors=True)


def read_schema_for(database_url: str) -> str:
    """The read schema a PostgreSQL URL implies: ``read_schema=`` if given, else
    ``<schema>_read`` when the event store has its own schema, else ``read``."""
    query = parse_qs(urlsplit(database_url).query)
    if "read_schema" in query:
        return query["read_schema"][0]
    schema = query.get("schema", ["public"])[0]
    return "read" if schema == "public" else f"{schema}_read"


def open_read_store(database_url: str, *, pool_size: int = 5) -> ReadStore:
    """Engines for the read tables of the help desk at ``database_url``."""
    if database_url == "memory://":
        # Events kept in memory still get real read tables: a throw-away SQLite file, so
        # readers and the runner use separate connections as they do in production.
        directory = tempfile.mkdtemp(prefix="helpdesk-read-")
        store = open_read_store(f"sqlite:///{directory}/read.sqlite3", pool_size=pool_size)
        return replace(store, temporary_folder=directory)
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        writer = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
        reader = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
        _use_immediate_transactions(writer)
        _use_wal(reader)
        return ReadStore(writer, reader, None)
    parts = urlsplit(database_url)
    schema = read_schema_for(database_url)
    url = f"postgresql+psycopg://{parts.netloc}{parts.path}"
    options: dict[str, Any] = {"schema_translate_map": {None: schema}}
    writer = create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True,
                           execution_options=options,
                           connect_args=_POSTGRES_CONNECT)
    reader = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                           pool_pre_ping=False, pool_timeout=5, execution_options=options,
                           connect_args=_POSTGRES_CONNECT)
    return ReadStore(writer, reader, schema)


def _use_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _use_immediate_transactions(engine: Engine) -> None:
    """SQLite: take the write lock when the transaction begins, so a projection never
    fails half-way upgrading a read lock while another writer holds the database."""
    _use_wal(engine)

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
