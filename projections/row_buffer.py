"""The rows one read model touches in a unit of work, kept in memory and written at its end.

A ``RowBuffer`` is an identity map of one table inside one unit of work: rows are read at
most once (a whole batch's keys in one ``SELECT … IN``, or one key when first asked for),
every event of the batch changes the plain dicts in memory, and ``flush`` writes what
changed with one ``executemany`` per table and kind (``DELETE`` by key, ``UPDATE`` of the
changed columns by key, ``INSERT``) — in the unit of work's transaction, so the rows and
the position still commit together.

The buffer answers as the table would: ``get`` finds what was inserted earlier in the
same unit of work and not what was deleted, ``update`` of a missing row changes nothing
(like an ``UPDATE`` matching no row), and inserting a key that exists raises the
database's ``IntegrityError`` (which stops the runner, as the ``INSERT`` itself would).
A key never read is taken to be absent when it is inserted; should the table hold it
after all, the ``INSERT`` at flush fails, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import ColumnElement

from projections.copy_insert import can_copy, copy_rows

Row = dict[str, Any]
Key = Any
"""A row's key: the value of its one key column, or a tuple of the values of several."""

CHUNK = 500
"""At most this many keys per ``SELECT … IN``."""

_ABSENT: dict[str, Any] = {}
"""Marks "no such row" where ``None`` would be ambiguous."""


class MissingRow(LookupError):
    """An event needs a row its table does not hold (an event the model cannot handle)."""


class _Statements:
    """The statements of one table, built once per process (SQLAlchemy's compiled cache
    then finds them by identity, without building a cache key from scratch each time)."""

    _made: dict[tuple[str, tuple[str, ...]], _Statements] = {}

    def __init__(self, table: Table, key: tuple[str, ...]) -> None:
        self.table, self.key = table, key
        self.defaults = {c.name: _default(c.default) for c in table.columns}
        where = [table.c[k] == bindparam(f"k_{k}") for k in key]
        self.select_one = select(table).where(*where)
        self.delete = delete(table).where(*where)
        self.insert = insert(table)
        self._where = where
        self._updates: dict[frozenset[str], Any] = {}
        self._selects_in: dict[str, Any] = {}

    @classmethod
    def of(cls, table: Table, key: tuple[str, ...]) -> _Statements:
        found = cls._made.get((table.fullname, key))
        if found is None or found.table is not table:
            found = cls._made[(table.fullname, key)] = cls(table, key)
        return found

    def update(self, columns: frozenset[str]) -> Any:
        """``UPDATE`` of ``columns`` (bound as ``v_<column>``) of the row with the key."""
        statement = self._updates.get(columns)
        if statement is None:
            statement = self._updates[columns] = update(self.table).where(
                *self._where).values({c: bindparam(f"v_{c}") for c in sorted(columns)})
        return statement

    def select_in(self, column: str) -> Any:
        """``SELECT *`` of the rows whose ``column`` is in the expanding ``values``."""
        statement = self._selects_in.get(column)
        if statement is None:
            condition: ColumnElement[bool] = self.table.c[column].in_(
                bindparam("values", expanding=True))
            statement = self._selects_in[column] = select(self.table).where(condition)
        return statement


def _default(default: Any) -> Any:
    """What an ``INSERT`` without the column writes (scalar defaults only)."""
    if default is None:
        return None
    if not default.is_scalar:
        raise TypeError(f"only scalar column defaults can be buffered: {default!r}")
    return default.arg


class RowBuffer:
    """The rows of ``table`` one unit of work reads and changes, by key (the primary key
    unless ``key`` names other columns)."""

    def __init__(self, conn: Connection, table: Table, key: Iterable[str] | None = None) -> None:
        names = tuple(key) if key is not None else tuple(c.name for c in table.primary_key)
        self.conn = conn
        self.table = table
        self.statements = _Statements.of(table, names)
        self._key_names = names
        self._single = len(names) == 1
        self._rows: dict[Key, Row | None] = {}
        """Every key seen in this unit of work: its row now (None: no row)."""
        self._start: dict[Key, Row | None] = {}
        """The same keys: the row as the unit of work found it (None: no row)."""
        self._written: dict[Key, Row | None] = {}
        """Keys flushed before the end of the unit of work: the row as written then."""
        self._dirty: dict[Key, None] = {}
        self._complete: dict[int, set[Any]] = {}
        """Key part → values for which every row is loaded (others are known absent)."""

    # -- reading ----------------------------------------------------------------------

    def key_of(self, row: Mapping[str, Any]) -> Key:
        """The key of ``row``."""
        if self._single:
            return row[self._key_names[0]]
        return tuple(row[k] for k in self._key_names)

    def prefetch(self, keys: Iterable[Key]) -> None:
        """Read the rows of ``keys`` not seen yet (one ``SELECT`` per ``CHUNK`` keys);
        keys without a row are remembered as absent. Single-column keys only."""
        if not self._single:
            raise TypeError("prefetch by a whole key needs a single-column key")
        wanted = list(dict.fromkeys(k for k in keys if k not in self._rows))
        found = self._select_in(self._key_names[0], wanted)
        for key in wanted:
            self._seen(key, found.get(key))

    def prefetch_by(self, column: str, values: Iterable[Any]) -> None:
        """Read every row whose key part ``column`` is one of ``values``: any other key
        with such a part is then known to be absent without asking the database."""
        part = self._key_names.index(column)
        complete = self._complete.setdefault(part, set())
        wanted = list(dict.fromkeys(v for v in values if v not in complete))
        for key, row in self._select_in(column, wanted).items():
            if key not in self._rows:
                self._seen(key, row)
        complete.update(wanted)

    def _select_in(self, column: str, values: list[Any]) -> dict[Key, Row]:
        found: dict[Key, Row] = {}
        statement = self.statements.select_in(column)
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            for found_row in self.conn.execute(statement, {"values": chunk}).mappings():
                row = dict(found_row)
                found[self.key_of(row)] = row
        return found

    def _seen(self, key: Key, row: Row | None) -> None:
        self._rows[key] = row
        self._start[key] = None if row is None else dict(row)

    def get(self, key: Key) -> Row | None:
        """The row of ``key`` as it stands in this unit of work (None when there is none).
        Change it only through ``update`` (or ``changed``)."""
        try:
            return self._rows[key]
        except KeyError:
            pass
        if self._known_absent(key):
            self._seen(key, None)
            return None
        params = dict(zip((f"k_{k}" for k in self._key_names),
                          (key,) if self._single else key, strict=True))
        found = self.conn.execute(self.statements.select_one, params).mappings().first()
        self._seen(key, None if found is None else dict(found))
        return self._rows[key]

    def _known_absent(self, key: Key) -> bool:
        if not self._complete:
            return False
        parts = (key,) if self._single else key
        return any(parts[part] in values for part, values in self._complete.items())

    def one(self, key: Key) -> Row:
        """The row of ``key``; ``MissingRow`` when there is none."""
        row = self.get(key)
        if row is None:
            raise MissingRow(f"{self.table.name}: no row {key!r}")
        return row

    def rows(self) -> Iterator[Row]:
        """Every row present in the buffer (loaded or inserted, and not deleted)."""
        return (row for row in self._rows.values() if row is not None)

    # -- changing ---------------------------------------------------------------------

    def insert(self, values: Mapping[str, Any]) -> Row:
        """Add a row; columns left out take their defaults, as in an ``INSERT``."""
        row = {**self.statements.defaults, **values}
        key = self.key_of(row)
        if self._rows.get(key) is not None:
            raise IntegrityError(f"INSERT INTO {self.table.name}", {"key": key},
                                 Exception(f"duplicate key {key!r}"))
        if key not in self._rows:
            self._seen(key, None)
        self._rows[key] = row
        self._dirty[key] = None
        return row

    def update(self, key: Key, values: Mapping[str, Any]) -> Row | None:
        """Change the row of ``key``; nothing (None) when there is none."""
        row = self.get(key)
        if row is not None:
            row.update(values)
            self._dirty[key] = None
        return row

    def changed(self, key: Key) -> None:
        """The row of ``key`` (from ``get``) was changed in place."""
        self._dirty[key] = None

    def delete(self, key: Key) -> None:
        """Remove the row of ``key`` (nothing when there is none)."""
        if self.get(key) is not None:
            self._rows[key] = None
            self._dirty[key] = None

    # -- writing ----------------------------------------------------------------------

    def changes(self) -> Iterator[tuple[Row | None, Row | None]]:
        """Each row this unit of work changed: (as it found it or None when new, as it
        leaves it or None when deleted); rows that end as they began are left out."""
        for key, now in self._rows.items():
            before = self._start[key]
            if before != now:
                yield before, now

    def flush(self) -> None:
        """Write what changed since the last flush: deletes, then updates, then inserts,
        one ``executemany`` per statement."""
        if not self._dirty:
            return
        deletes: list[dict[str, Any]] = []
        inserts: list[Row] = []
        updates: dict[frozenset[str], list[dict[str, Any]]] = {}
        for key in self._dirty:
            now = self._rows[key]
            was = self._written[key] if key in self._written else self._start[key]
            if now is None:
                if was is not None:
                    deletes.append(self._key_params(key))
            elif was is None:
                inserts.append(now)
            else:
                columns = frozenset(c for c, v in now.items() if was.get(c, _ABSENT) != v)
                if columns:
                    params = self._key_params(key)
                    params.update((f"v_{c}", now[c]) for c in columns)
                    updates.setdefault(columns, []).append(params)
            self._written[key] = None if now is None else dict(now)
        self._dirty.clear()
        if deletes:
            self.conn.execute(self.statements.delete, deletes)
        for columns, rows in updates.items():
            self.conn.execute(self.statements.update(columns), rows)
        if inserts and can_copy(self.conn, len(inserts)):
            copy_rows(self.conn, self.table, inserts)
        elif inserts:
            self.conn.execute(self.statements.insert, inserts)

    def _key_params(self, key: Key) -> dict[str, Any]:
        parts = (key,) if self._single else key
        return dict(zip((f"k_{k}" for k in self._key_names), parts, strict=True))
