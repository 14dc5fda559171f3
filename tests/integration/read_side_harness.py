"""Helpers for read-side tests: fresh read stores, and table contents to compare."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from projections.read_model import ReadModel
from projections.store import ReadStore, open_read_store
from projections.tables import metadata, projection_positions


def fresh_store(backend: str, request: Any, tmp_path: Any) -> ReadStore:
    """An empty read store with every table created (SQLite file or PostgreSQL schema)."""
    if backend == "sqlite":
        store = open_read_store(f"sqlite:///{tmp_path}/read-{uuid.uuid4().hex[:8]}.db")
    else:
        url = request.getfixturevalue("postgres_url")
        schema = f"{url.split('schema=')[1]}_r{uuid.uuid4().hex[:6]}"
        store = open_read_store(f"{url}&read_schema={schema}")
        with store.writer.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        request.addfinalizer(lambda: _drop_schema(store, schema))
    metadata.create_all(store.writer)
    request.addfinalizer(store.dispose)
    return store


def _drop_schema(store: ReadStore, schema: str) -> None:
    with store.writer.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    store.dispose()


def table_rows(store: ReadStore, models: list[ReadModel]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ``models``, sorted, keyed by table name."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with store.reader.connect() as conn:
        for model in models:
            for table in model.tables:
                rows = conn.execute(select(table)).all()
                contents[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return contents


def positions(store: ReadStore) -> dict[str, int]:
    """Each read model's committed position."""
    with store.reader.connect() as conn:
        return dict(conn.execute(select(projection_positions.c.name,
                                        projection_positions.c.position)).all())
