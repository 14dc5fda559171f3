"""The text a ticket-list search (``q``) looks in: one lowered expression over the searched
columns, so that PostgreSQL can index it with ``pg_trgm`` (``ix_ticket_queue_search``).

The columns are joined with the ASCII unit separator (``chr(31)``). A search text without
that character can only match inside one column, so ``search_text(...) LIKE '%q%'`` finds
exactly the rows ``lower(column) LIKE '%q%'`` finds for one of the columns; a search text
containing it is matched column by column instead (``projections.queries.tickets``).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BinaryExpression, Grouping
from sqlalchemy.sql.functions import FunctionElement

log = logging.getLogger(__name__)

SEPARATOR = "\x1f"
"""What joins the searched columns (``chr(31)`` on PostgreSQL, ``char(31)`` on SQLite)."""

TRIGRAM_OPCLASS = "gin_trgm_ops"

_TRIGRAM_VISIBLE = ("SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops' "
                    "AND pg_opclass_is_visible(oid)")


class _Separator(FunctionElement[str]):
    """The separator as a constant SQL expression (never a bound parameter, so that the
    query's expression is the index's)."""

    type = String()
    inherit_cache = True


@compiles(_Separator)
def _separator(element: _Separator, compiler: SQLCompiler, **kw: Any) -> str:
    return "char(31)"


@compiles(_Separator, "postgresql")
def _separator_pg(element: _Separator, compiler: SQLCompiler, **kw: Any) -> str:
    return "chr(31)"


def _concat(left: ColumnElement[str], right: ColumnElement[str]) -> ColumnElement[str]:
    """``(left || right)``, parenthesised whatever the operators' precedence."""
    return Grouping(BinaryExpression(left, right, operators.concat_op, type_=String()))


def search_text(*columns: ColumnElement[str]) -> ColumnElement[str]:
    """``lower((c1 || chr(31)) || c2 …)`` (the columns must be NOT NULL)."""
    joined: ColumnElement[str] = columns[0]
    for column in columns[1:]:
        # Grouped as PostgreSQL prints the index's expression, so Alembic finds them equal.
        joined = _concat(_concat(joined, _Separator()), column)
    return func.lower(joined.element if isinstance(joined, Grouping) else joined)


def trigram_ready(ddl: Any, target: Any, bind: Any, tables: Any = None, state: Any = None,
                  *, dialect: Any, **kw: Any) -> bool:
    """Whether to create a ``pg_trgm`` index: on PostgreSQL when ``gin_trgm_ops`` is
    visible (the extension is installed in a schema on the search path)."""
    if dialect.name != "postgresql" or bind is None:
        return False
    if trigram_visible(bind):
        return True
    log.warning("pg_trgm is not installed: index %s not created (text searches of the "
                "ticket list scan the table)", getattr(target, "name", target))
    return False


def trigram_visible(conn: Any) -> bool:
    """Whether ``gin_trgm_ops`` can be named unqualified on this PostgreSQL connection."""
    return conn.exec_driver_sql(_TRIGRAM_VISIBLE).first() is not None
