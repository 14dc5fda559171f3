"""Hot read statements compiled once per shape and run on the driver's cursor.

SQLAlchemy builds, caches and executes a statement in about 0.3 ms of Python on top of
what psycopg itself takes (the statement's cache key, the schema names, the execution
context, a ``Row`` per row and a result processor per value), which is most of the
ticket list's cost in the API. A statement whose values are all named parameters
(``Binds.value``) has the same SQL for every request of the same *shape*: which
conditions it has and how many values each. ``fetch`` compiles it the first time a shape
is seen and afterwards sends that SQL with the request's values straight to psycopg.

The shape is what the builder says it is (every value it binds and every condition
without a value it notes), so a builder that forgot to note a condition would reuse
another shape's SQL: ``tests/unit/test_statement_shapes.py`` compiles random filters and
checks that filters of one shape always have one SQL.

On SQLite (and any database not reached through psycopg) ``fetch`` executes through
SQLAlchemy as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import psycopg
from sqlalchemy import BindParameter, bindparam
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine

__all__ = ["Binds", "fetch"]

CACHED_SHAPES = 1_000
"""Compiled statements kept per process; the ticket list has a few dozen shapes in use."""

_compiled: dict[Hashable, str] = {}
_lock = threading.Lock()


class Binds:
    """The named values of a statement being built, and its shape."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._shape: list[str] = []

    @property
    def shape(self) -> tuple[str, ...]:
        """The conditions and parameter names so far, in the order they were added."""
        return tuple(self._shape)

    def value(self, name: str, value: Any,
              type_: TypeEngine[Any] | None = None) -> BindParameter[Any]:
        """A parameter named ``name`` holding ``value`` (each name once per statement)."""
        if name in self.values:
            raise ValueError(f"parameter {name!r} is bound twice")
        self.values[name] = value
        self._shape.append(name)
        return bindparam(name, value, type_=type_)

    def note(self, condition: str) -> None:
        """Record a part of the statement that holds no value (``deleted = false``)."""
        self._shape.append(f"[{condition}]")


def fetch(conn: Connection, key: Hashable, build: Callable[[], Executable],
          binds: Binds) -> tuple[list[str], Sequence[Sequence[Any]]]:
    """The column names and rows of the statement ``build`` makes, whose values are all in
    ``binds``; ``key`` names the statement apart from ``binds.shape`` (which list, which
    order)."""
    if (conn.dialect.name, conn.dialect.driver) != ("postgresql", "psycopg"):
        result = conn.execute(build())
        return list(result.keys()), result.all()
    translate = conn.get_execution_options().get("schema_translate_map") or {}
    full_key = (key, binds.shape, tuple(sorted(translate.items(), key=repr)))
    sql = _compiled.get(full_key)
    if sql is None:
        sql = _compile(conn, build(), binds, translate)
        with _lock:
            if len(_compiled) >= CACHED_SHAPES:
                _compiled.clear()
            _compiled[full_key] = sql
    try:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, binds.values)
            return [column.name for column in cursor.description or ()], cursor.fetchall()
        finally:
            cursor.close()
    except psycopg.Error:
        # Run it again through SQLAlchemy, whose error handling then applies as to every
        # other statement: a lost connection invalidates the pool (one failure after a
        # restart, not one per pooled connection) and the error becomes a DBAPIError (a
        # 503 in the API). Whatever works the second time (a cancelled statement) answers.
        result = conn.exec_driver_sql(sql, binds.values)
        return list(result.keys()), result.all()


def _compile(conn: Connection, statement: Executable, binds: Binds,
             translate: dict[Any, Any]) -> str:
    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(dialect=conn.dialect, schema_translate_map=translate or None,
                                 render_schema_translate=bool(translate))
    unnamed = set(compiled.binds) - set(binds.values)
    if unnamed:
        raise ValueError(f"every value of a cached statement is a named parameter "
                         f"(Binds.value); these are not: {sorted(unnamed)}")
    return compiled.string
