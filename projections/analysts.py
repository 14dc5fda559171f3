"""The read-only PostgreSQL role for analysts: SELECT on the read schema, nothing else."""

from __future__ import annotations

import re

from psycopg import sql

from projections.store import ReadStore

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_analyst_role(store: ReadStore, role: str, password: str | None = None) -> None:
    """Create (or update) ``role`` so it can read every read table, now and after future
    migrations, and nothing in the event store. With a password the role can log in."""
    if store.schema is None:
        raise ValueError("analyst roles exist on PostgreSQL only; on SQLite, open the "
                         "database file read-only instead")
    if not _ROLE.match(role):
        raise ValueError(f"{role!r} is not a valid role name (lower-case letters, digits, _)")
    name, schema = sql.Identifier(role), sql.Identifier(store.schema)
    login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password else (
        sql.SQL("NOLOGIN"))
    with store.writer.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            statements = [
                sql.SQL(verb + " ROLE {} {}").format(name, login),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, name),
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, name),
                sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}")
                .format(schema, name),
                sql.SQL("ALTER ROLE {} SET search_path = {}").format(name, schema),
            ]
            for statement in statements:
                cursor.execute(statement)
