"""4. The agents' queue (``projections.queries.tickets.list_tickets``, as
``GET /api/v1/tickets`` calls it, counts included): p50/p95 of typical filters + sort +
first page, a text search, and a page deep behind a cursor, at a small and at a large
number of tickets; the large size's p95 divided by the small size's, measured in the same
run.

Tickets are written through the application (``Ticket.open`` with numbers allocated from
the year's sequence, saved in batches with ``app.save``) and projected with
``ReadSide.rebuild(["ticket_queue"])``."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench.common import Figure, Results, log, make_app, percentile, pg_schema
from bench.data import TicketFactory
from bench.profiling import PROFILES
from helpdesk.bootstrap import build_read_side, open_store
from helpdesk.settings import Settings
from projections.migrate import upgrade
from projections.queries.tickets import TicketFilter, list_tickets

SECTION = "4 queue query"
DEEP = 0.9  # the deep page starts this far into the matching rows
BUDGET = 8.0  # seconds of timing per query and size, at most (at least 30 timings)

QUERIES: dict[str, tuple[TicketFilter, str]] = {
    "open, by priority+SLA (default view)": (TicketFilter(status=["open"]), "priority"),
    "open+in progress, category+priority, by SLA due": (TicketFilter(
        status=["open", "in_progress"], category=["shipping"], priority=["high", "urgent"]),
        "sla_due"),
    "unassigned, newest first": (TicketFilter(unassigned=True), "-created_at"),
    "text search q=grinder": (TicketFilter(q="grinder"), "priority"),
}
DEEP_QUERY = "open, by priority+SLA (default view)"


def measure(function: Callable[[], Any], repeat: int, budget: float) -> list[float]:
    """Up to ``repeat`` timings (seconds), fewer when ``budget`` seconds run out (at least
    30), after 10 untimed calls."""
    for _ in range(10):
        function()
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < repeat and (len(times) < 30 or time.perf_counter() < deadline):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def run(results: Results, *, sizes: tuple[int, ...], repeat: int, profile: bool) -> None:
    with pg_schema("queue") as url:
        app = make_app(url)
        store = open_store(Settings(database_url=url))
        try:
            upgrade(store)
            _run(results, app, store, sizes, repeat, profile)
        finally:
            store.dispose()
            app.close()


def _run(results: Results, app: Any, store: Any, sizes: tuple[int, ...], repeat: int,
         profile: bool) -> None:
    factory = TicketFactory(app, customers=2_000)
    read = build_read_side(app, store)
    measured: dict[int, dict[str, dict[str, float]]] = {}
    details: dict[str, Any] = {}
    written = 0
    for size in sizes:
        log(f"queue: writing {size - written:,} more tickets, then rebuilding ticket_queue")
        made = factory.generate(size - written, lean=True, days=365)
        written = size
        report = read.rebuild(["ticket_queue"])  # which ends with ANALYZE of its tables
        now = datetime.now(tz=UTC)
        with store.reader.connect() as conn:
            total = conn.exec_driver_sql(
                f'SELECT count(*) FROM "{store.schema}".ticket_queue').scalar()
            per, deep_cursor = _queries(conn, now, repeat)
        if profile:
            results.profiles[f"queue_{size}"] = _explain(store, size, deep_cursor)
        measured[size] = per
        details[str(size)] = {"tickets": total, "events_written": made.events,
                              "rebuild_events_per_s": round(report.events_per_second),
                              "rebuild_s": round(report.seconds, 1), "queries_ms": per}
        log(f"queue: {total:,} tickets measured")
    results.details["queue"] = details
    small, large = sizes[0], sizes[-1]
    for name, at_large in measured[large].items():
        key = name if name in measured[small] else next(
            k for k in measured[small] if k.startswith(name.split(", page at row")[0] + ", page"))
        at_small = measured[small][key]
        label = name.split(", page at row")[0] + ", deep cursor page" if "page at row" in name \
            else name
        results.add(Figure(
            SECTION, f"p95 {label} @ {large // 1000}k", at_large["p95"], "ms",
            f"p95 @ {small // 1000}k", at_small["p95"], "<= 2.0",
            note=f"p50 {at_large['p50']:.1f} ms (@{small // 1000}k {at_small['p50']:.1f} ms)"))
    if profile:
        results.profiles["queue"] = results.profiles.pop(f"queue_{large}")


def _queries(conn: Any, now: datetime, repeat: int) -> tuple[dict[str, dict[str, float]],
                                                             str | None]:
    """p50/p95 of each query, the deep cursor page and the default view without counts;
    and the deep page's cursor."""
    per: dict[str, dict[str, float]] = {}
    for name, (wanted, sort) in QUERIES.items():
        per[name] = _stats(measure(lambda w=wanted, s=sort: list_tickets(
            conn, w, now=now, sort=s, limit=50), repeat, BUDGET))
    wanted, sort = QUERIES[DEEP_QUERY]
    matching = sum(list_tickets(conn, wanted, now=now, sort=sort, limit=1)
                   .counts.get(s, 0) for s in wanted.status)
    depth = int(matching * DEEP)
    cursor = list_tickets(conn, wanted, now=now, sort=sort, limit=depth,
                          with_counts=False).next_cursor
    per[f"{DEEP_QUERY}, page at row {depth:,} via cursor"] = _stats(measure(
        lambda: list_tickets(conn, wanted, now=now, sort=sort, limit=50, cursor=cursor),
        repeat, BUDGET))
    per["default view without counts"] = _stats(measure(
        lambda: list_tickets(conn, wanted, now=now, sort=sort, limit=50, with_counts=False),
        repeat, BUDGET))
    return per, cursor


def _stats(times: list[float]) -> dict[str, float]:
    ms = [t * 1000 for t in times]
    return {"n": len(ms), "p50": round(percentile(ms, 50), 3),
            "p95": round(percentile(ms, 95), 3), "max": round(max(ms), 3)}


def _explain(store: Any, size: int, deep_cursor: str | None) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement ``list_tickets`` sends for each query,
    at each size (``profiles/queue_explain_<size>.txt``)."""
    log("queue: EXPLAIN ANALYZE of the statements behind each query")
    captured: list[tuple[str, Any]] = []

    class Capturing(psycopg.Cursor[Any]):
        """A cursor that keeps what it is sent: the list's statements go to psycopg
        directly (``projections.queries.statements``), past SQLAlchemy's events."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            captured.append((query, params))
            return super().execute(query, params, **kwargs)

    now = datetime.now(tz=UTC)
    out: dict[str, Any] = {}
    text: list[str] = []
    cases = [(name, wanted, sort, None) for name, (wanted, sort) in QUERIES.items()]
    cases.append((f"{DEEP_QUERY}, deep cursor page", *QUERIES[DEEP_QUERY], deep_cursor))
    with store.reader.connect() as conn:
        for name, wanted, sort, cursor in cases:
            captured.clear()
            driver = conn.connection.driver_connection
            usual, driver.cursor_factory = driver.cursor_factory, Capturing
            try:
                list_tickets(conn, wanted, now=now, sort=sort, limit=50, cursor=cursor)
            finally:
                driver.cursor_factory = usual
            plans = []
            for kind, (statement, parameters) in zip(("page", "counts"), list(captured),
                                                     strict=False):
                lines = [row[0] for row in conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
                text += [f"-- {name}: {kind}", statement, str(parameters), *lines, ""]
                nodes = [line.strip().lstrip("-> ").split("  (")[0] for line in lines
                         if "->" in line or line is lines[0]]
                plans.append({"statement": kind, "nodes": nodes[:6],
                              "execution": next((x.strip() for x in lines
                                                 if x.startswith("Execution Time")), "")})
            out[name] = plans
    PROFILES.mkdir(parents=True, exist_ok=True)
    (PROFILES / f"queue_explain_{size}.txt").write_text("\n".join(text))
    return out
