"""Keyset pagination over any ordered SELECT, and case-insensitive ``contains`` patterns.

A list names its order as ``(column, descending)`` pairs, all in one direction, whose last
column makes the order total; the cursor carries the last row's values of those columns
(see ``cursor.py``). The next page is the rows after the cursor as one row comparison,
``(a, b, c) > (x, y, z)`` (``<`` when descending), which PostgreSQL and SQLite use as the
bound of an index scan on ``(a, b, c)``: a page reads about as many index entries deep in
the list as on its first page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Integer, String, func, literal, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from domain.errors import InvalidInput
from projections.queries.cursor import decode_cursor, encode_cursor
from projections.queries.statements import Binds, fetch

Order = Sequence[tuple[ColumnElement[Any], bool]]
"""``(column, descending)`` pairs, all in one direction; the last makes the order total."""

_INT64 = 2**63


@dataclass(frozen=True)
class Page:
    """One page of rows, and the cursor of the next page (None on the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def contains(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case; ``%``, ``_`` and ``\\`` match literally."""
    return func.lower(column).like(like_pattern(text), escape="\\")


def like_pattern(text: str) -> str:
    """``%text%`` lowered, for ``LIKE … ESCAPE '\\'`` (``%``, ``_``, ``\\`` literal)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _stale() -> InvalidInput:
    return InvalidInput.field("cursor", "not a cursor this list returned (use next_cursor)")


def _kind(column: ColumnElement[Any]) -> Any:
    kind = column.type
    return getattr(kind, "impl", None) or kind


def _typed(column: ColumnElement[Any], value: Any) -> Any:
    """A cursor value as the column's Python type (a 422 for anything else, so that a
    forged or stale cursor never reaches the database as a value it rejects)."""
    kind = _kind(column)
    if isinstance(kind, DateTime):
        if not isinstance(value, str):
            raise _stale()
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise _stale()
            return moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise _stale() from None
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= _INT64:
            raise _stale()
        return value
    if isinstance(kind, String) and not isinstance(value, str):
        raise _stale()
    if isinstance(value, str):
        if "\x00" in value:
            raise _stale()
        return value
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= _INT64:
        raise _stale()
    return value


def direction(order: Order) -> bool:
    """Whether ``order`` is descending (``ValueError`` when its columns disagree)."""
    directions = {descending for _, descending in order}
    if len(directions) != 1:
        raise ValueError("a keyset order goes one way: all ascending or all descending")
    return directions.pop()


def after(order: Order, values: list[Any], binds: Binds | None = None) -> ColumnElement[bool]:
    """Rows strictly after the row with ``values`` in ``order``, as one row comparison
    (its values bound in ``binds`` as ``after_0``, ``after_1``, … when given)."""
    if len(values) != len(order):
        raise _stale()
    descending = direction(order)
    columns = [column for column, _ in order]
    typed = [_typed(column, value) for column, value in zip(columns, values, strict=True)]
    bounds = [literal(value, type_=column.type) if binds is None
              else binds.value(f"after_{i}", value, column.type)
              for i, (column, value) in enumerate(zip(columns, typed, strict=True))]
    if len(columns) == 1:
        left, right = columns[0], bounds[0]
    else:
        left, right = tuple_(*columns), tuple_(*bounds)
    return left < right if descending else left > right


def sort_by(order: Order) -> list[ColumnElement[Any]]:
    """``ORDER BY`` of ``order``."""
    return [column.desc() if descending else column.asc() for column, descending in order]


def keyset_page(conn: Connection, query: Select[Any], name: str, order: Order, *,
                limit: int, cursor: str | None = None, binds: Binds | None = None) -> Page:
    """One page of ``query`` in ``order``, after ``cursor`` (a cursor of list ``name``).
    ``query`` must select the columns of ``order``.

    With ``binds``, which holds every value of ``query``, the statement is compiled once
    per shape (``projections.queries.statements``): ``name`` and the shape must then tell
    the SQL apart (the same name always selects the same columns in the same order)."""
    if cursor:
        query = query.where(after(order, decode_cursor(cursor, name), binds))
    if binds is None:
        result = conn.execute(query.order_by(*sort_by(order)).limit(limit + 1))
        keys, rows = list(result.keys()), result.all()
    else:
        limited = binds.value("limit", limit + 1)
        keys, rows = fetch(conn, name, lambda: query.order_by(*sort_by(order)).limit(limited),
                           binds)
    items = [dict(zip(keys, row, strict=True)) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(name, [_key(last[column.key]) for column, _ in order])
    return Page(items, next_cursor)


def _key(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
