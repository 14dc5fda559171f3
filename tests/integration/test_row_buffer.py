"""Read models apply a batch in memory and write it once per unit of work: the buffer
answers as the table would, a batch gives the same rows as the events one by one, and a
crash while writing leaves nothing applied."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.values import Actor, Status, Visibility
from projections import row_buffer
from projections.queue import QueueReadModel
from projections.registry import build_read_models
from projections.row_buffer import MissingRow, RowBuffer
from projections.runner import ProjectionRunner
from projections.tables import customers, ticket_tags
from projections.view import SqlView
from tests.integration.read_side_harness import fresh_store, positions, table_rows

AGENT = Actor.agent("a-1")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture
def store(backend, request, tmp_path):
    return fresh_store(backend, request, tmp_path)


@pytest.fixture
def app(make_app):
    return make_app("memory://")


def customer(n: int, name: str = "Cy") -> dict:
    return {"customer_id": f"c-{n}", "email": f"c{n}@example.com", "name": name,
            "created_at": _now(), "updated_at": _now()}


def _now() -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stored(store, table):
    with store.reader.connect() as conn:
        return {r[0]: dict(r._mapping) for r in conn.execute(select(table))}


# -- the buffer on its own --------------------------------------------------------------


def test_insert_update_delete_of_one_key_in_one_unit_writes_nothing(store):
    with store.writer.begin() as conn:
        rows = RowBuffer(conn, customers)
        rows.insert(customer(1))
        rows.update("c-1", {"name": "Renamed"})
        assert rows.get("c-1")["name"] == "Renamed"
        rows.delete("c-1")
        assert rows.get("c-1") is None
        assert list(rows.changes()) == []
        rows.flush()
    assert stored(store, customers) == {}


def test_changes_pair_the_row_as_found_with_the_row_as_left(store):
    with store.writer.begin() as conn:
        rows = RowBuffer(conn, customers)
        for n in (1, 2, 3):
            rows.insert(customer(n))
        rows.flush()
    with store.writer.begin() as conn:
        rows = RowBuffer(conn, customers)
        rows.prefetch(["c-1", "c-2", "c-3", "c-9"])
        rows.update("c-1", {"name": "One"})
        rows.flush()  # a flush in the middle changes neither the writes nor the pairs
        rows.update("c-1", {"phone": "+1 555"})
        rows.delete("c-2")
        rows.update("c-3", {"name": "Cy"})  # the same value: not a change
        rows.insert(customer(4))
        rows.delete("c-4")
        rows.insert(customer(5))
        assert rows.update("c-9", {"name": "nobody"}) is None
        changes = {(before or after)["customer_id"]: (before, after)
                   for before, after in rows.changes()}
        rows.flush()
    assert set(changes) == {"c-1", "c-2", "c-5"}
    assert changes["c-1"][0]["name"] == "Cy"
    assert (changes["c-1"][1]["name"], changes["c-1"][1]["phone"]) == ("One", "+1 555")
    assert changes["c-2"][1] is None and changes["c-5"][0] is None
    found = stored(store, customers)
    assert sorted(found) == ["c-1", "c-3", "c-5"]
    assert (found["c-1"]["name"], found["c-1"]["phone"]) == ("One", "+1 555")


def test_the_buffer_refuses_what_the_table_would(store):
    with store.writer.begin() as conn:
        rows = RowBuffer(conn, customers)
        rows.insert(customer(1))
        with pytest.raises(IntegrityError):
            rows.insert(customer(1))
        with pytest.raises(MissingRow):
            rows.one("c-2")


def test_a_key_inserted_without_reading_fails_at_flush_when_the_table_has_it(store):
    with store.writer.begin() as conn:
        conn.execute(customers.insert().values(customer(2)))
    many = [customer(n) for n in range(3, 3 + 2 * row_buffer.CHUNK)]
    with pytest.raises(IntegrityError), store.writer.begin() as conn:
        rows = RowBuffer(conn, customers)
        for values in [*many, customer(2)]:  # enough rows for COPY on PostgreSQL
            rows.insert(values)
        rows.flush()
    assert sorted(stored(store, customers)) == ["c-2"]


def test_rows_of_a_partly_prefetched_key_are_known_absent(store):
    with store.writer.begin() as conn:
        conn.execute(ticket_tags.insert(), [{"ticket_id": "t-1", "tag": "vip"}])
    with store.writer.begin() as conn:
        rows = RowBuffer(conn, ticket_tags)
        rows.prefetch_by("ticket_id", ["t-1", "t-2"])
        queries: list[object] = []
        rows.conn = _Counting(conn, queries)  # type: ignore[assignment]
        assert rows.get(("t-1", "vip")) is not None
        assert rows.get(("t-1", "late")) is None
        assert rows.get(("t-2", "vip")) is None
        assert queries == []


class _Counting:
    def __init__(self, conn, seen) -> None:
        self._conn, self._seen = conn, seen

    def execute(self, *args, **kwargs):
        self._seen.append(args[0])
        return self._conn.execute(*args, **kwargs)


# -- read models over batches -----------------------------------------------------------


def story(app) -> None:
    """Inserts, updates and deletes of the same keys, close together in the log."""
    for i in range(40):
        number = app.open_ticket(subject=f"S{i}", description="d", customer_name="Cy",
                                 customer_email=f"cy{i % 7}@example.com",
                                 tags=["new"]).ticket.number
        app.tag(number, ["vip", "late"], actor=AGENT)
        app.untag(number, ["vip", "new"], actor=AGENT)
        app.add_message(number, "hi", author=AGENT, visibility=Visibility.PUBLIC)
        if i % 3 == 0:
            app.tag(number, ["vip"], actor=AGENT)
            app.change_status(number, Status.WAITING_CUSTOMER, actor=AGENT)
        if i % 4 == 0:
            app.change_status(number, Status.RESOLVED, actor=AGENT)
            app.delete(number, actor=AGENT)


def test_one_batch_gives_the_rows_of_the_events_one_by_one(app, backend, request, tmp_path):
    story(app)
    whole, single = (fresh_store(backend, request, tmp_path) for _ in range(2))
    models = build_read_models(whole)
    ProjectionRunner(app, models, batch_size=100_000).catch_up()
    ProjectionRunner(app, build_read_models(single), batch_size=1).catch_up()
    assert table_rows(whole, models) == table_rows(single, models)
    with whole.reader.connect() as conn:
        tags = conn.execute(select(ticket_tags.c.tag)).scalars().all()
    assert sorted(set(tags)) == ["late", "vip"]


def test_a_crash_while_writing_a_batch_leaves_nothing_applied(app, store, backend, request,
                                                               tmp_path, monkeypatch):
    story(app)
    models = build_read_models(store)
    (queue,) = [m for m in models if m.name == QueueReadModel.name]
    ProjectionRunner(app, models, batch_size=30).catch_up(until=30)
    before, committed = table_rows(store, [queue]), positions(store)[queue.name]
    original = RowBuffer.flush

    def crash_on_tags(self):
        if self.table is ticket_tags:  # after ticket_queue's rows were sent
            raise OperationalError("COPY", {}, Exception("server closed the connection"))
        return original(self)

    monkeypatch.setattr(RowBuffer, "flush", crash_on_tags)
    with pytest.raises(OperationalError):
        ProjectionRunner(app, build_read_models(store), batch_size=5_000).catch_up()
    # each read model has its own units of work: the queue's is rolled back whole
    assert positions(store)[queue.name] == committed
    assert table_rows(store, [queue]) == before
    monkeypatch.setattr(RowBuffer, "flush", original)
    ProjectionRunner(app, build_read_models(store)).catch_up()
    rebuilt = fresh_store(backend, request, tmp_path)
    ProjectionRunner(app, build_read_models(rebuilt)).catch_up()
    assert table_rows(store, models) == table_rows(rebuilt, models)


class _Watching(QueueReadModel):
    def __init__(self, view) -> None:
        super().__init__(view)
        self.seen: list[list[tuple]] = []

    def finish_unit(self) -> None:
        self.seen.append(list(self.queue_changes()))
        super().finish_unit()


def test_the_queue_tells_each_row_as_the_unit_found_it_and_left_it(app, store):
    number = app.open_ticket(subject="S", description="d", customer_name="Cy",
                             customer_email="cy@example.com").ticket.number
    model = _Watching(SqlView(store, QueueReadModel.name))
    runner = ProjectionRunner(app, [model])
    runner.catch_up()
    app.change_status(number, Status.IN_PROGRESS, actor=AGENT)
    app.add_message(number, "hi", author=AGENT, visibility=Visibility.PUBLIC)
    runner.catch_up()
    app.delete(number, actor=AGENT)
    runner.catch_up()
    opened, changed, deleted = model.seen
    assert [(before, after["status"]) for before, after in opened] == [(None, "open")]
    ((before, after),) = changed
    assert (before["status"], before["message_count"]) == ("open", 0)
    assert (after["status"], after["message_count"]) == ("in_progress", 1)
    ((before, after),) = deleted
    assert (before["deleted"], after["deleted"]) == (False, True)
