"""Migration 0003 adds ``daily_ticket_stats.reopened``. The days counted before hold no
reopens, so it empties that read model and sets its position back to the start: the
projector counts it again from the whole log, reopens included, and the other read models
keep their rows and positions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, Table, func, select

from domain.values import Actor, Role, Status
from helpdesk.bootstrap import build_read_side
from projections.migrate import current_revision, head_revision, upgrade
from projections.store import open_read_store
from projections.tables import daily_ticket_stats, projection_positions
from tests.integration.openings import open_ticket


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_0003_recounts_daily_stats_with_reopens(backend, request, make_app):
    url = request.getfixturevalue(f"{backend}_url")
    store = open_read_store(url)
    try:
        upgrade(store, "0002")
        with store.writer.begin() as conn:
            old = Table("daily_ticket_stats", MetaData(), autoload_with=conn,
                        schema=store.schema)
            assert "reopened" not in old.c
            conn.execute(old.insert(), [{
                "day": date(2026, 3, 1), "category": "general", "priority": "medium",
                "branch": "", "opened": 7, "first_responded": 0, "resolved": 0, "closed": 0,
                "breached": 0}])
            conn.execute(projection_positions.insert(), [
                {"name": name, "position": 42, "updated_at": datetime.now(tz=UTC)}
                for name in ("daily_ticket_stats", "ticket_queue")])
        upgrade(store)
        assert current_revision(store) == head_revision()
        with store.writer.connect() as conn:
            assert conn.execute(select(func.count()).select_from(daily_ticket_stats)
                                ).scalar() == 0
            positions = dict(conn.execute(select(projection_positions.c.name,
                                                 projection_positions.c.position)).all())
        assert positions == {"daily_ticket_stats": 0, "ticket_queue": 42}

        app = make_app(url)
        agent = app.create_agent(email="ann@example.com", name="Ann", role=Role.AGENT,
                                 actor=Actor.system("test")).agent
        number = open_ticket(app).ticket.number
        app.change_status(number, Status.RESOLVED, actor=Actor.agent(agent.agent_id))
        app.change_status(number, Status.IN_PROGRESS, actor=Actor.agent(agent.agent_id))
        build_read_side(app, store, ["daily_ticket_stats"]).runner.catch_up()
        with store.reader.connect() as conn:
            rows = conn.execute(select(daily_ticket_stats)).mappings().all()
        assert [(r["opened"], r["resolved"], r["reopened"]) for r in rows] == [(1, 1, 1)]
    finally:
        store.dispose()
