"""Helpers of the tests about openings on the event store: one opening with defaults,
and an event store that lost its insert function (as one migrated by an older version)."""

from __future__ import annotations

from typing import Any


def open_ticket(app: Any, email: str = "bob@example.com", **overrides: Any) -> Any:
    """Bob's refund ticket, unless ``overrides`` say otherwise."""
    fields = dict(subject="Refund please", description="Charged twice",
                  customer_name="Bob Buyer", customer_email=email)
    fields.update(overrides)
    return app.open_ticket(**fields)


def drop_insert_function(app: Any) -> None:
    """Remove the insert function ``helpdesk migrate`` defines (PostgreSQL)."""
    recorder = app.recorder
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(f'DROP FUNCTION "{recorder.datastore.schema}".'
                     f'"helpdesk_insert_{recorder.events_table_name}"')
