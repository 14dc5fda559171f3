"""A save whose commit reached PostgreSQL but whose answer was lost (the connection failed
right after the commit) is found stored when the save is tried again, instead of being
decided anew and stored a second time."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import OperationalError

from tests.integration.openings import drop_insert_function, open_ticket


def opened_tickets(app) -> list[str]:
    return [n.topic for n in app.recorder.select_notifications(start=1, limit=10_000)
            if n.topic == "domain.ticket_events:Opened"]


@pytest.mark.parametrize("insert_function", [True, False], ids=["function", "statements"])
def test_an_opening_whose_commit_was_not_acknowledged_is_stored_once(
        make_app, postgres_url, insert_function):
    app = make_app(postgres_url)
    first = open_ticket(app).ticket
    if not insert_function:
        drop_insert_function(app)
    recorder = app.recorder
    commit = recorder._insert_once
    lost: list[list[int]] = []

    def commit_then_lose_the_answer(columns, read):
        ids = commit(columns, read)
        if not lost:  # committed; the connection fails before the answer arrives
            lost.append(ids)
            raise OperationalError("server closed the connection unexpectedly")
        return ids

    recorder._insert_once = commit_then_lose_the_answer
    opened = open_ticket(app, subject="Answer lost").ticket
    recorder._insert_once = commit
    assert lost, "the first attempt committed"
    number = int(first.number.rsplit("-", 1)[1])
    assert opened.number == first.number.replace(f"{number:06d}", f"{number + 1:06d}")
    assert app.get_ticket(opened.number).subject == "Answer lost"
    after = open_ticket(app).ticket
    assert after.number == first.number.replace(f"{number:06d}", f"{number + 2:06d}")
    assert len(opened_tickets(app)) == 3  # one ticket per request, none twice


def test_a_save_that_never_reached_the_database_is_made_on_the_next_attempt(
        make_app, postgres_url):
    app = make_app(postgres_url)
    recorder = app.recorder
    commit = recorder._insert_once
    failed: list[bool] = []

    def fail_before_sending(columns, read):
        if not failed:
            failed.append(True)
            raise OperationalError("connection refused")
        return commit(columns, read)

    recorder._insert_once = fail_before_sending
    opened = open_ticket(app).ticket
    recorder._insert_once = commit
    assert failed
    assert app.get_ticket(opened.number).subject == "Refund please"
    assert len(opened_tickets(app)) == 1
