"""Tamper evidence: one changed byte, a removed event or two swapped events are found and
located; an untouched history verifies clean (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from domain.ticket import Ticket
from domain.values import Actor, Priority, Status
from helpdesk.settings import parse_postgres_url

AGENT = Actor.agent("a-1")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture
def desk(backend, request, make_app):
    url = request.getfixturevalue(f"{backend}_url")
    app = make_app(url, snapshot_interval=0)
    number = app.open_ticket(subject="Broken", description="d", customer_name="C",
                             customer_email="c@example.com").ticket.number
    app.change_priority(number, Priority.HIGH, actor=AGENT)            # v2
    app.add_message(number, "on it", author=AGENT)                     # v3
    app.change_status(number, Status.WAITING_CUSTOMER, actor=AGENT)    # v4
    app.add_message(number, "any news?", author=AGENT)                 # v5
    other = app.open_ticket(subject="Fine", description="d", customer_name="D",
                            customer_email="d@example.com").ticket.number
    return app, url, number, other


def execute(url: str, sql_sqlite: str, sql_postgres: str, *params) -> None:
    """Change stored rows behind the application's back, as an intruder would."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql_sqlite, params)
        return
    target = parse_postgres_url(url)
    with psycopg.connect(dbname=target.dbname, host=target.host, port=target.port,
                         user=target.user, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{target.schema}"')
        conn.execute(sql_postgres, params)


def ticket_key(url: str, number: str):
    ticket_id = Ticket.create_id(number)
    return ticket_id.hex if url.startswith("sqlite") else ticket_id


def test_an_untouched_history_verifies_clean(desk):
    app, _, number, _ = desk
    result = app.verify_ticket(number)
    assert result.ok and result.checked == 5 and result.first_bad_version is None
    assert all(r.ok for _, r in app.verify_all())


def test_one_changed_byte_is_found_at_its_event(desk):
    app, url, number, other = desk
    execute(url,
            "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), 'on it', "
            "'on iT') AS BLOB) WHERE originator_id = ? AND originator_version = 3",
            "UPDATE helpdesk_events SET state = convert_to(replace(convert_from(state, 'UTF8'),"
            " 'on it', 'on iT'), 'UTF8') WHERE originator_id = %s AND originator_version = 3",
            ticket_key(url, number))
    result = app.verify_ticket(number)
    assert not result.ok and result.first_bad_version == 3 and "altered" in result.problem
    assert app.verify_ticket(other).ok
    failures = [ticket_id for ticket_id, r in app.verify_all() if not r.ok]
    assert failures == [Ticket.create_id(number)]


def test_a_removed_event_is_found(desk):
    app, url, number, _ = desk
    execute(url, "DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 2",
            "DELETE FROM helpdesk_events WHERE originator_id = %s AND originator_version = 2",
            ticket_key(url, number))
    result = app.verify_ticket(number)
    assert not result.ok and result.first_bad_version == 2 and "missing" in result.problem


def test_two_swapped_events_are_found(desk):
    app, url, number, _ = desk
    key = ticket_key(url, number)
    for version, temporary in ((3, 1003), (5, 3), (1003, 5)):
        execute(url,
                "UPDATE stored_events SET originator_version = ? WHERE originator_id = ? AND "
                "originator_version = ?",
                "UPDATE helpdesk_events SET originator_version = %s WHERE originator_id = %s "
                "AND originator_version = %s", temporary, key, version)
    result = app.verify_ticket(number)
    assert not result.ok and result.first_bad_version == 3
    assert "does not follow" in result.problem or "altered" in result.problem


def test_chains_stay_whole_across_writers_snapshots_and_lost_races(backend, request, make_app):
    url = request.getfixturevalue(f"{backend}_url")
    first, second = make_app(url, snapshot_interval=3), make_app(url, snapshot_interval=3)
    number = first.open_ticket(subject="s", description="d", customer_name="C",
                               customer_email="c@example.com").ticket.number
    for i in range(8):  # alternate writers: each must chain onto the other's events
        writer = (first, second)[i % 2]
        writer.add_message(number, f"note {i}", author=AGENT)
    stale = first.get_ticket(number)
    second.add_message(number, "wins the race", author=AGENT)
    stale.tag(["late"], actor=AGENT, at=stale.modified_on)
    with pytest.raises(IntegrityError):
        first.save(stale)  # its digest must be forgotten...
    first.tag(number, ["late"], actor=AGENT)  # ...so this one chains onto the winner
    result = second.verify_ticket(number)
    assert result.ok and result.checked == first.get_ticket(number).version


def test_a_removed_last_event_is_found_against_the_read_models(sqlite_url, make_app):
    from api.audit_views import verify_ticket
    from projections.migrate import upgrade
    from projections.registry import build_read_models
    from projections.runner import ProjectionRunner
    from projections.store import open_read_store

    app = make_app(sqlite_url, snapshot_interval=0)
    number = app.open_ticket(subject="s", description="d", customer_name="C",
                             customer_email="c@example.com").ticket.number
    app.add_message(number, "last words", author=AGENT)
    store = open_read_store(sqlite_url)
    try:
        upgrade(store)
        ProjectionRunner(app, build_read_models(store)).catch_up()
        assert verify_ticket(app, store, number).ok
        execute(sqlite_url, "DELETE FROM stored_events WHERE originator_id = ? AND "
                "originator_version = 2", "", ticket_key(sqlite_url, number))
        result = verify_ticket(app, store, number)
        assert not result.ok and result.first_bad_version == 2
        assert "missing" in result.problem
    finally:
        store.dispose()


def test_the_cli_verifies_every_ticket_and_names_the_altered_one(sqlite_url, monkeypatch,
                                                                 capsys):
    from helpdesk.cli import main

    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url)
    assert main(["migrate"]) == 0
    from helpdesk.bootstrap import build_application
    from helpdesk.settings import Settings

    app = build_application(Settings.from_env())
    numbers = [app.open_ticket(subject=f"s{i}", description="d", customer_name="C",
                               customer_email="c@example.com").ticket.number for i in range(3)]
    app.add_message(numbers[1], "hello", author=AGENT)
    app.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--all"]) == 0
    assert "3 tickets checked, 0 altered" in capsys.readouterr().out
    execute(sqlite_url,
            "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), 'hello', "
            "'HELLO') AS BLOB) WHERE originator_id = ?", "", ticket_key(sqlite_url, numbers[1]))
    assert main(["audit", "verify", "--all"]) == 1
    out = capsys.readouterr().out
    assert f"{numbers[1]}: " in out and "ALTERED at version 2" in out
    assert main(["audit", "verify", numbers[0]]) == 0


def test_verify_all_reports_missing_middles_and_vanished_tickets(sqlite_url, monkeypatch,
                                                                capsys):
    from helpdesk.bootstrap import build_application
    from helpdesk.cli import main
    from helpdesk.settings import Settings

    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url)
    assert main(["migrate"]) == 0
    app = build_application(Settings.from_env())
    numbers = [app.open_ticket(subject=f"s{i}", description="d", customer_name="C",
                               customer_email="c@example.com").ticket.number for i in range(3)]
    for number in numbers:
        app.add_message(number, "one", author=AGENT)
        app.add_message(number, "two", author=AGENT)
    app.close()
    from projections.migrate import upgrade
    from projections.registry import build_read_models
    from projections.runner import ProjectionRunner
    from projections.store import open_read_store

    store, app = open_read_store(sqlite_url), build_application(Settings.from_env())
    upgrade(store)
    ProjectionRunner(app, build_read_models(store)).catch_up()
    store.dispose()
    app.close()
    execute(sqlite_url, "DELETE FROM stored_events WHERE originator_id = ? AND "
            "originator_version = 2", "", ticket_key(sqlite_url, numbers[0]))
    execute(sqlite_url, "DELETE FROM stored_events WHERE originator_id = ?", "",
            ticket_key(sqlite_url, numbers[2]))
    capsys.readouterr()
    assert main(["audit", "verify", "--all"]) == 1
    out = capsys.readouterr().out
    assert f"{numbers[0]}: " in out and "version 2 is missing" in out
    assert f"{numbers[2]}: " in out and "none of its events are stored" in out
    assert "3 tickets checked, 2 altered" in out


def test_an_altered_snapshot_is_found(sqlite_url, make_app):
    app = make_app(sqlite_url, snapshot_interval=2)
    number = app.open_ticket(subject="s", description="d", customer_name="C",
                             customer_email="c@example.com").ticket.number
    app.change_priority(number, Priority.HIGH, actor=AGENT)  # v2: snapshot taken
    app.add_message(number, "three", author=AGENT)
    assert app.verify_ticket(number).ok
    execute(sqlite_url,
            "UPDATE stored_snapshots SET state = CAST(REPLACE(CAST(state AS TEXT), "
            "'\"priority\":\"high\"', '\"priority\":\"low\"') AS BLOB) WHERE originator_id = ?",
            "", ticket_key(sqlite_url, number))
    result = app.verify_ticket(number)
    assert not result.ok and result.first_bad_version == 2 and "snapshot" in result.problem
