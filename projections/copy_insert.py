"""Many new rows at once on PostgreSQL: ``COPY … FROM STDIN`` in the connection's
transaction, instead of one ``INSERT`` per row.

A rebuild inserts most of its rows (a ticket's later events usually fall in the same unit
of work as its opening); ``COPY`` sends them in one stream and skips the per-row statement
work on both sides. Values go through each column type's bind processing first, exactly
as SQLAlchemy would send them, and errors come back as SQLAlchemy's ``DBAPIError``
subclasses (so an ``IntegrityError`` stops the runner as an ``INSERT``'s would).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Error as PsycopgError
from psycopg import sql
from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

COPY_FROM = 32
"""Fewer new rows than this are inserted with ``executemany``."""

_Processors = list[Callable[[Any], Any] | None]
_processors: dict[tuple[Table, str], _Processors] = {}


def can_copy(conn: Connection, rows: int) -> bool:
    """Whether ``rows`` new rows are better sent by ``COPY`` on ``conn``."""
    return rows >= COPY_FROM and conn.dialect.name == "postgresql"


def copy_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (each with every column of ``table``) by ``COPY``."""
    columns = [c.name for c in table.columns]
    processed = [(i, process) for i, process in enumerate(_processors_of(conn, table))
                 if process is not None]
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(
        table.schema, table.schema)
    name = sql.Identifier(schema, table.name) if schema else sql.Identifier(table.name)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        name, sql.SQL(", ").join(map(sql.Identifier, columns)))
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [row[c] for c in columns]
                for i, process in processed:
                    values[i] = process(values[i])
                copy.write_row(values)
    except PsycopgError as error:
        raise DBAPIError.instance(statement.as_string(driver), None, error,
                                  PsycopgError) from error


def _processors_of(conn: Connection, table: Table) -> _Processors:
    key = (table, conn.dialect.name)
    found = _processors.get(key)
    if found is None:
        found = _processors[key] = [c.type.bind_processor(conn.dialect)
                                    for c in table.columns]
    return found
