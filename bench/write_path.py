"""1. The write path on PostgreSQL: ``Helpdesk.open_ticket`` commands per second at 1 and
8 concurrent clients (threads sharing one application, as in an API process), divided by
a raw psycopg loop inserting one row of the same size per transaction with as many
clients."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
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
from bench.profiling import (
    PgWaits,
    ThreadProfiles,
    TimedLock,
    callers_of,
    find_calls,
    summarize_pstats,
    write_pstats,
)
from domain.values import Channel

SECTION = "1 write path"
SLICE_SECONDS = 1.0
CUSTOMERS = 200
DESCRIPTION = ("The grinder stopped after two weeks: it hums but the burrs do not turn. "
               "I cleaned it as the manual says and tried another socket. Order placed "
               "last month, the receipt is attached. Could you send a replacement or tell "
               "me how to return it? Thanks.")


@dataclass
class ClientRun:
    """What one closed-loop run measured: every latency, its wall and CPU seconds."""

    clients: int
    latencies: list[float]
    seconds: float
    cpu_seconds: float


def summarize(runs: list[ClientRun]) -> dict[str, Any]:
    """Operations per second, latency percentiles and CPU share over ``runs`` together."""
    every = [x for run in runs for x in run.latencies]
    seconds = sum(run.seconds for run in runs)
    return {"clients": runs[0].clients, "operations": len(every), "seconds": round(seconds, 3),
            "per_second": len(every) / seconds,
            "p50_ms": percentile(every, 50) * 1000, "p99_ms": percentile(every, 99) * 1000,
            "process_cpu_share": round(sum(run.cpu_seconds for run in runs) / seconds, 3),
            "slices": len(runs)}


def run_clients(clients: int, seconds: float, work: Callable[[int, int], None],
                setup: Callable[[int], Any] | None = None) -> dict[str, Any]:
    """``clients`` threads each calling ``work(client, i)`` in a closed loop for
    ``seconds``; operations per second and latency percentiles."""
    return summarize([measure_clients(clients, seconds, work, setup)])


def interleaved(seconds: float, first: Callable[[float], ClientRun],
                second: Callable[[float], ClientRun]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both measurements in alternating slices of about a second, ``seconds`` each in all:
    the WAL's fsync speed drifts by tens of percent within a minute on a shared disk, and a
    figure and its baseline should see the same disk."""
    slices = max(1, round(seconds / SLICE_SECONDS))
    ours: list[ClientRun] = []
    theirs: list[ClientRun] = []
    for _ in range(slices):
        ours.append(first(seconds / slices))
        theirs.append(second(seconds / slices))
    return summarize(ours), summarize(theirs)


def measure_clients(clients: int, seconds: float, work: Callable[[int, int], None],
                    setup: Callable[[int], Any] | None = None) -> ClientRun:
    """One closed-loop run: ``clients`` threads calling ``work`` for ``seconds``."""
    barrier = threading.Barrier(clients + 1)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    deadline = [0.0]

    def client(index: int) -> None:
        context = setup(index) if setup else None
        barrier.wait()
        mine, i = latencies[index], 0
        try:
            while True:
                started = time.perf_counter()
                if started >= deadline[0]:
                    break
                work(index, i) if context is None else work(context, i)
                mine.append(time.perf_counter() - started)
                i += 1
        except BaseException as error:
            errors.append(error)
        finally:
            if context is not None and hasattr(context, "close"):
                context.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if errors:
        raise errors[0]
    return ClientRun(clients, [x for per in latencies for x in per], elapsed, cpu)


def opener(app: Helpdesk) -> Callable[[int, int], None]:
    """One ``open_ticket`` command as the portal sends it, by one of 200 customers."""
    def work(client: int, i: int) -> None:
        n = (client * 7919 + i) % CUSTOMERS
        app.open_ticket(subject=f"Grinder {client}-{i} does not start", description=DESCRIPTION,
                        customer_name=f"Customer {n}", customer_email=f"c{n}@shop.example",
                        channel=Channel.PORTAL)
    return work


class _Probe:
    """Whatever serialises openings inside the process: a lock around the save (older
    code: ``_numbering``) or a group commit (``_opening``); timed without changing it."""

    def __init__(self) -> None:
        self.kind = "none found"
        self.lock: TimedLock | None = None
        self.batches: list[int] = []
        self.commit_seconds = 0.0

    def summary(self, wall: float, clients: int) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.lock is not None:
            n = max(self.lock.acquisitions, 1)
            out.update(held_share_of_wall=round(self.lock.held / wall, 3),
                       mean_wait_ms=round(self.lock.waited / n * 1000, 2),
                       mean_held_ms=round(self.lock.held / n * 1000, 2),
                       wait_share_of_client_time=round(self.lock.waited / (wall * clients), 3))
        if self.batches:
            out.update(commits=len(self.batches),
                       mean_batch=round(sum(self.batches) / len(self.batches), 2),
                       max_batch=max(self.batches),
                       commit_share_of_wall=round(self.commit_seconds / wall, 3),
                       mean_commit_ms=round(self.commit_seconds / len(self.batches) * 1000, 2))
        return out


@contextmanager
def _serialisation_probe(app: Helpdesk) -> Iterator[_Probe]:
    probe = _Probe()
    lock = getattr(app, "_numbering", None)
    group = getattr(app, "_opening", None)
    if lock is not None:
        probe.kind = "lock around number allocation and save"
        probe.lock = TimedLock(lock)
        app._numbering = probe.lock  # type: ignore[attr-defined]
    elif group is not None and hasattr(group, "_commit"):
        probe.kind = "group commit (one leader saves the queued openings)"
        original = group._commit

        def commit(batch: list[Any]) -> None:
            started = time.perf_counter()
            try:
                original(batch)
            finally:
                probe.commit_seconds += time.perf_counter() - started
                probe.batches.append(len(batch))

        group._commit = commit
    try:
        yield probe
    finally:
        if lock is not None:
            app._numbering = lock  # type: ignore[attr-defined]
        if group is not None and lock is None and hasattr(group, "_commit"):
            group._commit = original


class RawInserter:
    """One client of the baseline: its own connection, one INSERT and COMMIT per row."""

    def __init__(self, conninfo: dict[str, Any], table: sql.Composed, size: int) -> None:
        self.conn = psycopg.connect(**conninfo)
        self.statement = sql.SQL(
            "INSERT INTO {} (originator_id, originator_version, topic, state) "
            "VALUES (%s, 1, 'domain.ticket_events:Opened', %s)").format(table)
        self.state = os.urandom(size)

    def insert(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute(self.statement, (uuid.uuid4(), self.state), prepare=True)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def raw_inserts(conninfo: dict[str, Any], table: sql.Composed, size: int, clients: int,
                seconds: float) -> dict[str, Any]:
    return summarize([measure_raw_inserts(conninfo, table, size, clients, seconds)])


def measure_raw_inserts(conninfo: dict[str, Any], table: sql.Composed, size: int,
                        clients: int, seconds: float) -> ClientRun:
    return measure_clients(clients, seconds, lambda ins, _: ins.insert(),
                           setup=lambda _: RawInserter(conninfo, table, size))


def stored_sizes(app: Helpdesk, schema: str) -> dict[str, float]:
    """Mean stored size (bytes of ``state``) of the events an open writes."""
    table = app.recorder.events_table_name if hasattr(app.recorder, "events_table_name") \
        else "helpdesk_events"
    with admin_connect() as conn:
        rows = conn.execute(sql.SQL(
            "SELECT split_part(topic, ':', 2), avg(length(state))::float, count(*) "
            "FROM {}.{} GROUP BY 1").format(sql.Identifier(schema),
                                           sql.Identifier(table))).fetchall()
    return {topic: size for topic, size, _ in rows}


def run(results: Results, seconds: float, profile: bool) -> None:
    with pg_schema("write") as url:
        schema = schema_of(url)
        app = make_app(url)
        try:
            _run(results, app, schema, seconds, profile)
        finally:
            app.close()


def _run(results: Results, app: Helpdesk, schema: str, seconds: float, profile: bool) -> None:
    pool = app.recorder.datastore.pool.kwargs
    conninfo = {k: pool[k] for k in ("dbname", "host", "port", "user", "password")}
    log(f"write path: warming up (registering {CUSTOMERS} customers)")
    run_clients(1, 2.0, opener(app))
    sizes = stored_sizes(app, schema)
    size = round(sizes.get("Opened", 1000))
    table = sql.Identifier(schema, "raw_rows")
    with admin_connect() as conn:
        conn.execute(sql.SQL(
            "CREATE TABLE {} (notification_id bigserial UNIQUE, originator_id uuid NOT NULL, "
            "originator_version int NOT NULL, topic text NOT NULL, state bytea NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version))").format(table))
    raw_inserts(conninfo, table, size, 1, 1.0)  # warm-up
    details: dict[str, Any] = {"stored_event_bytes": sizes, "raw_row_bytes": size}
    for clients, target in ((1, ">= 0.6"), (8, ">= 1.0")):
        log(f"write path: {clients} client(s), {seconds:.0f}s each in alternating slices")
        measured, raw = interleaved(
            seconds, lambda s, n=clients: measure_clients(n, s, opener(app)),
            lambda s, n=clients: measure_raw_inserts(conninfo, table, size, n, s))
        details[f"{clients}_clients"] = {"open_ticket": measured, "raw_insert": raw}
        results.add(Figure(
            SECTION, f"open_ticket, {clients} client{'s' if clients > 1 else ''}",
            measured["per_second"], "cmd/s", "raw INSERT+COMMIT", raw["per_second"], target,
            note=f"p50 {measured['p50_ms']:.1f} ms, p99 {measured['p99_ms']:.1f} ms, "
                 f"{measured['process_cpu_share']:.0%} of a core in this process; raw p50 "
                 f"{raw['p50_ms']:.2f} ms"))
    results.details["write_path"] = details
    if profile:
        results.profiles["write_path"] = _profile(app, conninfo, table, size)


def _profile(app: Helpdesk, conninfo: dict[str, Any], table: sql.Composed,
             size: int) -> dict[str, Any]:
    """Where an open's time goes: cProfile at 1 client (calls per command, time waiting on
    PostgreSQL), the numbering lock and PostgreSQL's wait events at 8 clients."""
    out: dict[str, Any] = {}
    log("write path: profiling (cProfile, 1 client)")
    profiles = ThreadProfiles()
    with profiles.running():
        one = run_clients(1, 3.0, opener(app))
    stats = profiles.stats()
    write_pstats(stats, "write_path_1_client")
    commands = one["operations"]
    calls = find_calls(stats, "select_events", "insert_events", "(wait)", "open_ticket",
                       "check_connection", "to_domain_event", "to_stored_event")
    out["one_client"] = {
        "commands": commands,
        "per_command": {name: {"calls": round(v["calls"] / commands, 2),
                               "ms": round(v["cumulative_s"] / commands * 1000, 3)}
                        for name, v in calls.items()},
        "event_store_reads_by_caller": {
            caller: round(n / commands, 2)
            for caller, n in callers_of(stats, "application/base.py", "(find)").items()},
        "summary": summarize_pstats(stats, profiles.seconds, top=15),
    }
    log("write path: profiling (serialisation and PostgreSQL waits, 8 clients)")
    with _serialisation_probe(app) as probe, PgWaits() as waits:
        eight = run_clients(8, 4.0, opener(app))
    out["eight_clients"] = {
        "commands": eight["operations"], "per_second": round(eight["per_second"], 1),
        "p50_ms": round(eight["p50_ms"], 2), "p99_ms": round(eight["p99_ms"], 2),
        "in_process_serialisation": probe.summary(eight["seconds"], 8),
        "postgres_waits": waits.summary()}
    with PgWaits() as raw_waits:
        raw_inserts(conninfo, table, size, 8, 3.0)
    out["raw_eight_clients_postgres_waits"] = raw_waits.summary()
    return out
