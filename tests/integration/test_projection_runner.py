"""The projection runner: exactly once across restarts and crashes, skipping what it
cannot read, stopping loudly on database errors, waiting for positions."""

from __future__ import annotations

import logging
import uuid

import pytest
from eventsourcing.persistence import StoredEvent
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from domain.values import Actor, Priority, Status, Visibility
from projections.read_side import ReadSide
from projections.registry import build_read_models
from projections.runner import ProjectionRunner
from projections.tables import ticket_queue
from tests.integration.read_side_harness import fresh_store, positions, table_rows

AGENT = Actor.agent("a-1")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture
def app(make_app):
    return make_app("memory://")


def work(app, tickets: int = 6) -> list[str]:
    numbers = []
    for i in range(tickets):
        number = app.open_ticket(subject=f"Problem {i}", description="details",
                                 customer_name="Cy", customer_email=f"cy{i}@example.com",
                                 tags=["t" + str(i % 2)]).ticket.number
        app.add_message(number, "looking", author=AGENT, visibility=Visibility.PUBLIC)
        app.change_status(number, Status.WAITING_CUSTOMER, actor=AGENT)
        app.change_priority(number, Priority.HIGH, actor=AGENT)
        numbers.append(number)
    return numbers


def rebuilt_rows(app, request, tmp_path, backend):
    store = fresh_store(backend, request, tmp_path)
    models = build_read_models(store)
    ProjectionRunner(app, models).catch_up()
    return table_rows(store, models)


def test_restarting_midway_applies_every_event_exactly_once(app, backend, request, tmp_path):
    work(app)
    store = fresh_store(backend, request, tmp_path)
    first = ProjectionRunner(app, build_read_models(store), batch_size=7)
    first.catch_up(until=20)
    assert 0 < positions(store)["ticket_queue"] < app.recorder.max_notification_id()
    work(app, 2)
    second = ProjectionRunner(app, build_read_models(store), batch_size=5)
    second.catch_up()
    assert positions(store)["ticket_queue"] == app.recorder.max_notification_id()
    models = build_read_models(store)
    assert table_rows(store, models) == rebuilt_rows(app, request, tmp_path, backend)


def test_the_read_models_commit_each_batch_together(app, backend, request, tmp_path):
    work(app)
    store = fresh_store(backend, request, tmp_path)
    models = build_read_models(store)
    commits = []

    def count(conn):
        commits.append(conn)

    event.listen(store.writer, "commit", count)
    try:
        read = ProjectionRunner(app, models, batch_size=10).catch_up()
    finally:
        event.remove(store.writer, "commit", count)
    batches = -(-read // 10)
    assert len(commits) == batches  # one transaction per batch, not one per read model
    assert set(positions(store).values()) == {app.recorder.max_notification_id()}


def test_a_position_moved_by_another_runner_is_found_model_by_model(
        app, backend, request, tmp_path, caplog):
    work(app)
    store = fresh_store(backend, request, tmp_path)
    late = ProjectionRunner(app, build_read_models(store), batch_size=10)
    ProjectionRunner(app, build_read_models(store), batch_size=10).catch_up(until=20)
    with caplog.at_level(logging.INFO):
        late.catch_up()  # its positions are those it read before the other ran
    assert "position moved" in caplog.text
    models = build_read_models(store)
    assert table_rows(store, models) == rebuilt_rows(app, request, tmp_path, backend)


def test_a_crash_before_commit_leaves_nothing_half_done(app, backend, request, tmp_path,
                                                         monkeypatch):
    work(app)
    store = fresh_store(backend, request, tmp_path)
    models = build_read_models(store)
    runner = ProjectionRunner(app, models, batch_size=10)
    runner.catch_up(until=10)
    committed = positions(store)["ticket_queue"]
    before = table_rows(store, models)
    calls = {"n": 0}
    original = type(models[0]).process_event

    def crash_on_the_fifth(self, event, tracking):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return original(self, event, tracking)

    monkeypatch.setattr(type(models[0]), "process_event", crash_on_the_fifth)
    with pytest.raises(OperationalError):
        runner.catch_up()
    assert positions(store)["ticket_queue"] == committed
    assert table_rows(store, models) == before
    monkeypatch.setattr(type(models[0]), "process_event", original)
    ProjectionRunner(app, build_read_models(store)).catch_up()
    assert table_rows(store, models) == rebuilt_rows(app, request, tmp_path, backend)


def test_unknown_event_types_are_skipped_with_a_log_line(app, backend, request, tmp_path,
                                                          caplog):
    work(app, 1)
    future = StoredEvent(originator_id=uuid.uuid4(), originator_version=1,
                         topic="domain.future_events:Teleported", state=b'{"to":"mars"}')
    app.recorder.insert_events([future])
    last = work(app, 1)[0]
    store = fresh_store(backend, request, tmp_path)
    with caplog.at_level(logging.WARNING):
        ProjectionRunner(app, build_read_models(store)).catch_up()
    assert "domain.future_events:Teleported" in caplog.text
    assert positions(store)["ticket_queue"] == app.recorder.max_notification_id()
    with store.reader.connect() as conn:
        numbers = conn.execute(select(ticket_queue.c.number)).scalars().all()
    assert last in numbers


def test_an_event_a_read_model_cannot_handle_is_skipped(app, backend, request, tmp_path,
                                                         caplog):
    work(app, 1)
    stray = app.open_ticket(subject="x", description="y", customer_name="Z",
                            customer_email="z@example.com")
    # A message for a ticket the queue never saw opened: the handler cannot apply it.
    orphan = StoredEvent(
        originator_id=uuid.uuid4(), originator_version=2,
        topic="domain.ticket_events:MessageAdded",
        state=b'{"timestamp":"2026-03-02T09:00:00Z","actor":{"kind":"agent","id":"a"},'
              b'"message_id":"m","body":"hi","visibility":"public"}')
    app.recorder.insert_events([orphan])
    app.add_message(stray.ticket.number, "after the orphan", author=AGENT)
    store = fresh_store(backend, request, tmp_path)
    models = build_read_models(store)
    with caplog.at_level(logging.ERROR):
        ProjectionRunner(app, models).catch_up()
    assert "cannot handle" in caplog.text
    assert positions(store)["ticket_queue"] == app.recorder.max_notification_id()
    with store.reader.connect() as conn:
        count = conn.execute(select(ticket_queue.c.message_count).where(
            ticket_queue.c.number == stray.ticket.number)).scalar()
    assert count == 1


def test_wait_returns_once_the_position_is_applied(app, backend, request, tmp_path):
    store = fresh_store(backend, request, tmp_path)
    read_side = ReadSide(app, store).start()
    try:
        number = work(app, 1)[0]
        saved = app.add_message(number, "ping", author=AGENT)
        assert read_side.wait(saved.position, timeout=10)
        assert min(positions(store).values()) >= saved.position
        assert not read_side.wait(saved.position + 1000, timeout=0.2)
    finally:
        read_side.stop()


def test_a_rebuild_on_postgres_leaves_the_planner_statistics_current(app, request, tmp_path):
    work(app)
    store = fresh_store("postgres", request, tmp_path)
    ReadSide(app, store).rebuild(["ticket_queue"])
    with store.reader.connect() as conn:
        analyzed = dict(conn.exec_driver_sql(
            "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE schemaname = %(schema)s", {"schema": store.schema}).all())
    assert analyzed["ticket_queue"] and analyzed["ticket_tags"] and analyzed["ticket_counts"]
    assert not analyzed["ticket_messages"]  # not rebuilt: left to autovacuum
