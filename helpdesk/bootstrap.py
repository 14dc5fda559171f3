"""The composition root: builds the application, the read side (and, as they arrive, the
broker and workers) from settings. Nothing else wires layers together."""

from __future__ import annotations

import psycopg
from eventsourcing.persistence import PersistenceError
from psycopg import sql

from application.clock import Clock, system_clock
from application.service import Helpdesk
from helpdesk.settings import Settings, SettingsError, parse_postgres_url, persistence_env
from projections.migrate import upgrade
from projections.read_side import ReadSide
from projections.store import ReadStore, open_read_store
from workers.dispatcher import start_dispatching_at


def ensure_postgres_schema(database_url: str) -> None:
    """Create the event store's schema if the URL names one that does not exist yet."""
    target = parse_postgres_url(database_url)
    if target.schema == "public":
        return
    with psycopg.connect(dbname=target.dbname, host=target.host, port=target.port,
                         user=target.user, password=target.password, autocommit=True,
                         connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
            sql.Identifier(target.schema)))


def build_application(settings: Settings, clock: Clock = system_clock, *,
                      create_tables: bool = False) -> Helpdesk:
    """The write side on the configured event store. Only ``helpdesk migrate`` (and the
    embedded ``serve``, which migrates first) creates tables: processes starting together
    must not race to create them."""
    env = persistence_env(settings.database_url)
    env["CREATE_TABLE"] = "y" if create_tables else "n"
    if settings.is_postgres:  # sized per process (the API more than a worker)
        env["POSTGRES_POOL_SIZE"] = str(settings.db_pool_size)
        env["POSTGRES_MAX_OVERFLOW"] = str(settings.db_pool_overflow)
    if settings.is_postgres and create_tables:
        ensure_postgres_schema(settings.database_url)
    try:
        app = Helpdesk(env, clock=clock, snapshot_interval=settings.snapshot_interval)
        app.recorder.max_notification_id()
    except (PersistenceError, OSError) as error:
        raise SettingsError(f"the event store at {_safe(settings.database_url)} is not "
                            f"ready ({error}); run `helpdesk migrate` first") from error
    pool = getattr(getattr(app.recorder, "datastore", None), "pool", None)
    if pool is not None:  # PostgreSQL: a request waits briefly for a connection, then 503s
        pool.timeout = settings.db_wait_seconds
    if create_tables:
        app.ensure_defaults()
    return app


def _safe(database_url: str) -> str:
    """The URL without its password."""
    return database_url.split("@")[-1] if "@" in database_url else database_url


def open_store(settings: Settings) -> ReadStore:
    """The read tables' engines (readers pooled like the event store)."""
    return open_read_store(settings.database_url, pool_size=settings.db_pool_size)


def migrate(settings: Settings) -> None:
    """Create or upgrade the event store and the read tables; a new installation's
    dispatcher starts at the current end of the log."""
    app = build_application(settings, create_tables=True)
    store = open_store(settings)
    try:
        upgrade(store)
        start_dispatching_at(store, app.recorder.max_notification_id() or 0)
    finally:
        store.dispose()
        app.close()


def build_read_side(app: Helpdesk, store: ReadStore,
                    names: list[str] | None = None) -> ReadSide:
    """The read models over ``store``, following ``app``'s log."""
    return ReadSide(app, store, names)
