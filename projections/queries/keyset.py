"""Keyset pagination over any ordered SELECT, and case-insensitive ``contains`` patterns.

A list names its order as ``(column, descending)`` pairs whose last column makes the order
total; the cursor carries the last row's values of those columns (see ``cursor.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, func, or_
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from domain.errors import InvalidInput
from projections.queries.cursor import decode_cursor, encode_cursor

Order = Sequence[tuple[ColumnElement[Any], bool]]
"""``(column, descending)`` pairs; the last column must make the order total."""


@dataclass(frozen=True)
class Page:
    """One page of rows, and the cursor of the next page (None on the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def contains(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case; ``%``, ``_`` and ``\\`` match literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _is_timestamp(column: ColumnElement[Any]) -> bool:
    kind = column.type
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def _typed(column: ColumnElement[Any], value: Any) -> Any:
    """A cursor value as the column's Python type (a 422 for anything else)."""
    bad = InvalidInput.field("cursor", "not a cursor this list returned (use next_cursor)")
    if _is_timestamp(column):
        if not isinstance(value, str):
            raise bad
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise bad from None
        if moment.tzinfo is None:
            raise bad
        return moment
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad
    return value


def _after(order: Order, values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after the row with ``values`` in ``order``."""
    if len(values) != len(order):
        raise InvalidInput.field("cursor", "not a cursor this list returned (use next_cursor)")
    typed = [_typed(column, value) for (column, _), value in zip(order, values, strict=True)]
    alternatives = []
    for i, (column, descending) in enumerate(order):
        equal = [c == typed[j] for j, (c, _) in enumerate(order[:i])]
        beyond = column < typed[i] if descending else column > typed[i]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def _key(row: dict[str, Any], column: ColumnElement[Any]) -> Any:
    value = row[column.key]  # type: ignore[index]
    return value.isoformat() if isinstance(value, datetime) else value


def keyset_page(conn: Connection, query: Select[Any], name: str, order: Order, *,
                limit: int, cursor: str | None = None) -> Page:
    """One page of ``query`` in ``order``, after ``cursor`` (a cursor of list ``name``)."""
    if cursor:
        query = query.where(_after(order, decode_cursor(cursor, name)))
    sort = [column.desc() if descending else column.asc() for column, descending in order]
    rows = conn.execute(query.order_by(*sort).limit(limit + 1)).mappings().all()
    items = [dict(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(name, [_key(items[-1], column) for column, _ in order])
    return Page(items, next_cursor)
