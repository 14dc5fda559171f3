"""Alembic builds exactly the tables the read models use; the analyst role reads them and
nothing of the event store."""

from __future__ import annotations

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from psycopg import errors

from helpdesk.bootstrap import migrate
from helpdesk.settings import Settings, parse_postgres_url
from projections.analysts import grant_analyst_role
from projections.migrate import current_revision, head_revision, upgrade
from projections.store import open_read_store, read_schema_for
from projections.tables import metadata


# ix_ticket_queue_search is PostgreSQL-only (pg_trgm): on SQLite alembic says it skips it
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_create_what_the_read_models_define(backend, request):
    url = request.getfixturevalue(f"{backend}_url")
    store = open_read_store(url)
    try:
        upgrade(store)
        upgrade(store)  # idempotent
        assert current_revision(store) == head_revision()
        with store.writer.connect() as conn:
            if store.schema:  # reflection looks where unqualified names resolve
                conn.exec_driver_sql(f'SET search_path TO "{store.schema}"')
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = compare_metadata(context, metadata)
        assert differences == []
    finally:
        store.dispose()


def test_the_analyst_role_reads_read_tables_but_not_events(postgres_url, make_app):
    settings = Settings(database_url=postgres_url)
    migrate(settings)
    app = make_app(postgres_url)
    app.open_ticket(subject="s", description="d", customer_name="A",
                    customer_email="a@example.com")
    store = open_read_store(postgres_url)
    role = f"analyst_{read_schema_for(postgres_url)[-8:]}"
    try:
        grant_analyst_role(store, role, password="s3cret-analyst")
        target = parse_postgres_url(postgres_url)
        with psycopg.connect(dbname=target.dbname, host=target.host, port=target.port,
                             user=role, password="s3cret-analyst", autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM ticket_queue").fetchone() == (0,)
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(f'SELECT * FROM "{target.schema}".helpdesk_events')
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("DELETE FROM ticket_queue")
    finally:
        with store.writer.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        store.dispose()


def test_analyst_roles_need_postgres(sqlite_url):
    store = open_read_store(sqlite_url)
    with pytest.raises(ValueError, match="PostgreSQL only"):
        grant_analyst_role(store, "analyst")
    store.dispose()
