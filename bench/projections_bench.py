"""3. Projections: a full rebuild (``ReadSide.rebuild``) in events per second, divided by a
raw read of the same notification log (``select_notifications`` in pages of 500 and
``mapper.to_domain_event``); and the lag from commit to visible in ``ticket_queue`` under
a steady write load, with a separate ``helpdesk project`` process following the log.

Also 5b, the queue as it stood at an instant (``projections.as_of.queue_as_of``) over the
same log, divided by the same raw read."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from psycopg import sql

from application.service import Helpdesk
from bench.common import (
    Figure,
    Results,
    admin_connect,
    log,
    make_app,
    percentile,
    pg_schema,
    schema_of,
)
from bench.data import TicketFactory
from bench.processes import Process
from bench.profiling import ThreadProfiles, find_calls, summarize_pstats, write_pstats
from domain.values import Channel
from helpdesk.bootstrap import build_read_side, open_store
from helpdesk.settings import Settings
from projections.migrate import upgrade
from projections.queries.tickets import TicketFilter
from projections.registry import build_read_models
from projections.runner import ProjectionRunner

SECTION = "3 projections"
SECTION_AUDIT = "5 audit"
PAGE = 500


def raw_read(app: Helpdesk) -> tuple[int, float]:
    """Read and decode the whole log as a runner does, applying nothing: (events, s)."""
    started = time.perf_counter()
    position, events = 0, 0
    while True:
        page = app.recorder.select_notifications(start=position + 1, limit=PAGE)
        if not page:
            break
        for notification in page:
            app.mapper.to_domain_event(notification)
        events += len(page)
        position = page[-1].id
    return events, time.perf_counter() - started


def run(results: Results, *, events: int, lag_rate: float, lag_seconds: float,
        profile: bool, as_of: bool) -> None:
    with pg_schema("proj") as url:
        app = make_app(url)
        store = open_store(Settings(database_url=url))
        try:
            upgrade(store)
            log(f"projections: writing a log of about {events:,} events")
            made = TicketFactory(app).generate(events=events)
            results.details["projections_log"] = {
                "tickets": made.tickets, "events": made.events,
                "generated_events_per_s": round(made.events_per_second)}
            _rebuild(results, app, store, profile)
            if as_of:
                _as_of(results, app)
            _lag(results, app, store, url, lag_rate, lag_seconds)
        finally:
            store.dispose()
            app.close()


def run_as_of_only(results: Results, *, events: int) -> None:
    """The queue-as-of figure on a log of its own (when the projections section is not
    run)."""
    with pg_schema("asof") as url:
        app = make_app(url)
        try:
            log(f"audit: writing a log of about {events:,} events")
            TicketFactory(app).generate(events=events)
            _as_of(results, app)
        finally:
            app.close()


def _rebuild(results: Results, app: Helpdesk, store: Any, profile: bool) -> None:
    raw_read(app)  # warm the cache: both figures below read a warm log
    n_raw, s_raw = raw_read(app)
    if profile:  # before the measured rebuild, which then re-creates every table anyway
        results.profiles["rebuild"] = _profile_rebuild(app, store)
    read = build_read_side(app, store)
    log(f"projections: rebuilding all read models from {n_raw:,} events")
    report = read.rebuild()
    n_raw2, s_raw2 = raw_read(app)  # and once after, in case the machine changed
    raw_rate = max(n_raw / s_raw, n_raw2 / s_raw2)
    results.details["rebuild"] = {
        "events": report.events, "seconds": round(report.seconds, 2),
        "models": report.names, "raw_read_events_per_s": [round(n_raw / s_raw),
                                                          round(n_raw2 / s_raw2)]}
    results.add(Figure(SECTION, f"full rebuild, {len(report.names)} read models",
                       report.events_per_second, "events/s", "raw log read + decode",
                       raw_rate, ">= 0.5", note=f"{report.events:,} events in "
                       f"{report.seconds:.1f} s"))


def _profile_rebuild(app: Helpdesk, store: Any, events: int = 3_000) -> dict[str, Any]:
    """cProfile of what ``rebuild`` runs (fresh tables, then ``ProjectionRunner.catch_up``)
    over the first ``events`` events, and the time each read model took."""
    log(f"projections: profiling a rebuild of the first {events:,} events (cProfile)")
    models = build_read_models(store)
    with store.writer.begin() as conn:
        for model in models:
            for table in reversed(model.tables):
                table.drop(conn, checkfirst=True)
            for table in model.tables:
                table.create(conn)
            model.view.reset(conn)
    per_model: dict[str, float] = {m.name: 0.0 for m in models}
    runner = ProjectionRunner(app, models)
    original = runner._apply_in_unit

    def timed_apply(model: Any, todo: Any) -> None:
        started = time.perf_counter()
        try:
            original(model, todo)
        finally:
            per_model[model.name] += time.perf_counter() - started

    runner._apply_in_unit = timed_apply  # type: ignore[method-assign]
    profiles = ThreadProfiles()
    with profiles.running(include_caller=True):
        applied = runner.catch_up(until=events)
    stats = profiles.stats()
    write_pstats(stats, "rebuild")
    total = sum(per_model.values()) or 1.0
    calls = find_calls(stats, "_read", "to_domain_event", "psycopg/connection.py:479(wait)",
                       "sqlalchemy/engine/base.py:1450(execute)", "_compile_w_cache",
                       "_generate_cache_key", "joint_unit_of_work", "process_event")
    wall = profiles.seconds
    return {
        "events": applied, "profiled_wall_s": round(wall, 2),
        "share_of_apply_time_by_model": {k: round(v / total, 3) for k, v in sorted(
            per_model.items(), key=lambda kv: -kv[1])},
        "key_functions": {name: {"calls": v["calls"],
                                 "share_of_wall": round(v["cumulative_s"] / wall, 3)}
                          for name, v in calls.items()},
        "statements_per_event": round(calls.get("sqlalchemy/engine/base.py:1450(execute)",
                                                {"calls": 0})["calls"] / max(applied, 1), 2),
        "summary": summarize_pstats(stats, wall, top=15),
    }


def _as_of(results: Results, app: Helpdesk) -> None:
    from projections.as_of import queue_as_of  # only where the module exists

    n_raw, s_raw = raw_read(app)
    head = app.recorder.max_notification_id() or 0
    log(f"audit: the queue as of now, replayed from {head:,} events")
    started = time.perf_counter()
    page = queue_as_of(app, datetime.now(tz=UTC), TicketFilter(status=["open"]))
    seconds = time.perf_counter() - started
    results.details["queue_as_of"] = {"events": head, "seconds": round(seconds, 2),
                                      "items_on_page": len(page.items),
                                      "counts": page.counts}
    results.add(Figure(SECTION_AUDIT, f"queue as of an instant, over {head:,} events",
                       head / seconds, "events/s", "raw log read + decode", n_raw / s_raw,
                       note=f"{seconds:.1f} s for one page"))


class Poller:
    """Sees when rows appear: every ``interval`` s, one query for the numbers (or ids)
    still awaited; records the first instant each was seen."""

    def __init__(self, query: sql.Composable, interval: float = 0.002) -> None:
        self.query = query
        self.interval = interval
        self.pending: dict[str, float] = {}
        self.seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def expect(self, key: str, saved_at: float) -> None:
        with self._lock:
            self.pending[key] = saved_at

    def _run(self) -> None:
        with admin_connect() as conn:
            while not self._stop.is_set():
                with self._lock:
                    keys = list(self.pending)
                if keys:
                    found = conn.execute(self.query, (keys,)).fetchall()
                    now = time.perf_counter()
                    with self._lock:
                        for (key,) in found:
                            saved = self.pending.pop(str(key), None)
                            if saved is not None:
                                self.seen[str(key)] = now - saved
                time.sleep(self.interval)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def finish(self, timeout: float) -> list[float]:
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        self._thread.join(5)
        return list(self.seen.values())


def paced(rate: float, seconds: float, command: Any) -> int:
    """Call ``command(i)`` ``rate`` times a second for ``seconds``; how many were sent."""
    interval, started, i = 1.0 / rate, time.perf_counter(), 0
    while i < rate * seconds:
        due = started + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        command(i)
        i += 1
    return i


def _lag(results: Results, app: Helpdesk, store: Any, url: str, rate: float,
         seconds: float) -> None:
    schema = schema_of(url)
    read_schema = store.schema
    project = Process.helpdesk("project-lag", ["project"], {"HELPDESK_DATABASE_URL": url})
    try:
        time.sleep(3.0)
        project.check()
        read = build_read_side(app, store)
        read.wait(app.recorder.max_notification_id() or 0, timeout=120)
        log(f"projections: lag under {rate:.0f} opens/s for {seconds:.0f}s "
            "(helpdesk project in its own process)")
        poller = Poller(sql.SQL("SELECT number FROM {} WHERE number = ANY(%s)").format(
            sql.Identifier(read_schema, "ticket_queue"))).start()

        def open_one(i: int) -> None:
            opened = app.open_ticket(
                subject=f"Lag probe {i}", description="Measuring the projection lag.",
                customer_name=f"Lag {i % 50}", customer_email=f"lag{i % 50}@shop.example",
                channel=Channel.PORTAL)
            poller.expect(opened.ticket.number, time.perf_counter())

        head_before = app.recorder.max_notification_id() or 0
        cpu_before = project.cpu_seconds()
        started = time.perf_counter()
        sent = paced(rate, seconds, open_one)
        elapsed = time.perf_counter() - started
        achieved = sent / elapsed
        lags = poller.finish(30)
        project_cpu = (project.cpu_seconds() - cpu_before) / (time.perf_counter() - started)
        events_logged = (app.recorder.max_notification_id() or 0) - head_before
        project.check()
    finally:
        project.stop()
    # Baseline: the same poller on a plain table written at the same rate - the floor of
    # this measurement (commit, poll interval, query).
    table = sql.Identifier(schema, "lag_floor")
    with admin_connect() as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id text PRIMARY KEY)").format(table))
    floor_seconds = min(seconds, 10.0)
    floor_poller = Poller(sql.SQL("SELECT id FROM {} WHERE id = ANY(%s)").format(table)).start()
    with admin_connect(autocommit=True) as writer:
        def insert_one(i: int) -> None:
            writer.execute(sql.SQL("INSERT INTO {} VALUES (%s)").format(table), (str(i),))
            floor_poller.expect(str(i), time.perf_counter())

        paced(rate, floor_seconds, insert_one)
    floor = floor_poller.finish(10)
    details = {"rate_asked": rate, "rate_achieved": round(achieved, 1), "seconds": seconds,
               "commands": sent, "seen": len(lags), "events_logged": events_logged,
               "project_process_cpu_share": round(project_cpu, 3),
               "lag_ms": {p: round(percentile(lags, p) * 1000, 2) for p in (50, 90, 99)},
               "lag_max_ms": round(max(lags, default=float("nan")) * 1000, 2),
               "floor_ms": {p: round(percentile(floor, p) * 1000, 2) for p in (50, 99)}}
    results.details["lag"] = details
    for p in (50, 99):
        results.add(Figure(SECTION, f"lag commit -> visible in ticket_queue, p{p}",
                           percentile(lags, p) * 1000, "ms", "plain table, same poller",
                           percentile(floor, p) * 1000,
                           note=f"{achieved:.0f} opens/s for {seconds:.0f} s; "
                                f"{len(lags)}/{sent} seen; `helpdesk project` used "
                                f"{project_cpu:.0%} of a core"))
