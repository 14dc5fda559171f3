"""2. HTTP on one uvicorn process, and 6. peak memory of the API and worker processes.

The production topology on this machine: ``helpdesk api`` (one uvicorn process),
``helpdesk project``, ``helpdesk dispatch`` and ``helpdesk worker`` on a PostgreSQL schema
of its own and Redis (``HELPDESK_BENCH_REDIS_URL``, database 3 by default), plus the bare
Litestar baseline (bench/bare_app.py) served by uvicorn the same way. Load comes from a
separate process (bench/loadgen.py, httpx, 16 concurrent requests).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from typing import Any

import redis

from bench.common import REDIS_URL, ROOT, Figure, Results, log, make_app, pg_schema
from bench.data import TicketFactory
from bench.processes import Process, free_port, machine_cpu, run_helpdesk
from bench.profiling import PY_SPY, PySpy
from helpdesk.bootstrap import build_read_side, open_store
from helpdesk.settings import Settings
from projections.read_side import analyze

SECTION_HTTP = "2 HTTP"
SECTION_RSS = "6 memory"
CONCURRENCY = 16
DRAIN_SECONDS = 45.0


def loadgen(url: str, *, seconds: float, warmup: float, portal: bool = False,
            headers: list[str] = (), server: Process | None = None) -> dict[str, Any]:
    """Run bench/loadgen.py against ``url``; add the server's and the machine's CPU use."""
    args = [sys.executable, "-m", "bench.loadgen", "--url", url, "--concurrency",
            str(CONCURRENCY), "--duration", str(seconds), "--warmup", str(warmup)]
    if portal:
        args.append("--portal")
    for header in headers:
        args += ["--header", header]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(warmup)
        cpu_before = server.cpu_seconds() if server else 0.0
        busy_before, total_before = machine_cpu()
        started = time.perf_counter()
        out, _ = process.communicate(timeout=seconds + warmup + 60)
        elapsed = time.perf_counter() - started
    except BaseException:
        process.kill()
        process.wait(5)
        raise
    busy_after, total_after = machine_cpu()
    if process.returncode != 0:
        raise RuntimeError(f"loadgen failed for {url}")
    result: dict[str, Any] = json.loads(out)
    if server is not None:
        result["server_cpu_share"] = round((server.cpu_seconds() - cpu_before) / elapsed, 3)
    result["machine_cpu_share"] = round((busy_after - busy_before) / max(
        total_after - total_before, 1), 3)
    result["client_cpu_share"] = round(result["client_cpu_share"], 3)
    if result["ok"] < result["requests"] or result["errors"]:
        log(f"  non-2xx answers or errors: {result['statuses']} {result['errors']}")
    return result


def cpu_ms_per_request(run: dict[str, Any]) -> float:
    """Milliseconds of server CPU per successful request during a run."""
    return run.get("server_cpu_share", 0.0) * 1000 / run["per_second"] if run["per_second"] \
        else float("nan")


def queued_messages(client: redis.Redis) -> int:
    """Messages Dramatiq still holds (queued, in flight or delayed)."""
    return sum(int(client.hlen(key)) for key in client.scan_iter("helpdesk:*.msgs"))


def backlog(read: Any, client: redis.Redis) -> dict[str, int]:
    """Events the read models have not applied yet, and messages Dramatiq still holds."""
    return {"projection_lag_events": max((s.lag for s in read.status()), default=0),
            "queued_messages": queued_messages(client)}


def wait_drained(read: Any, client: redis.Redis, timeout: float) -> dict[str, Any]:
    """Wait until the read models are at the head of the log and no message is left, or
    ``timeout`` passed: the backlog before and after, and the seconds waited."""
    started = time.perf_counter()
    before = backlog(read, client)
    after = before
    while after["projection_lag_events"] or after["queued_messages"]:
        if time.perf_counter() - started >= timeout:
            break
        time.sleep(0.5)
        after = backlog(read, client)
    return {"before": before, "after": after,
            "waited_s": round(time.perf_counter() - started, 1),
            "drained": not (after["projection_lag_events"] or after["queued_messages"])}


def run(results: Results, *, seconds: float, seed_tickets: int, profile: bool) -> None:
    """Seed, start the topology, measure, profile, read memory, stop everything."""
    redis_client = redis.Redis.from_url(REDIS_URL)
    redis_client.flushdb()  # the benchmark's own Redis database (3 unless configured)
    processes: list[Process] = []
    outbox = tempfile.mkdtemp(prefix="helpdesk-bench-outbox-")
    try:
        with pg_schema("http") as url:
            env = {"HELPDESK_DATABASE_URL": url, "HELPDESK_REDIS_URL": REDIS_URL,
                   "HELPDESK_PORTAL_RATE_LIMIT": "1000000000", "HELPDESK_OUTBOX": outbox,
                   "HELPDESK_SMTP_URL": ""}
            app = make_app(url)
            store = open_store(Settings(database_url=url))
            try:
                log(f"HTTP: seeding {seed_tickets:,} tickets, migrating, creating an agent")
                # Opened in the last 10 minutes: no SLA clock is at risk or overdue while
                # the benchmark runs, so the SLA monitor (sent by `helpdesk dispatch` when
                # it starts) finds nothing to do and adds no work of its own.
                TicketFactory(app).generate(seed_tickets, days=10 / 1440)
                run_helpdesk(["migrate"], env)
                token = run_helpdesk(["agents", "create", "--name", "Bench Admin", "--email",
                                      "bench-admin@example.com", "--role", "admin"],
                                     env).strip().splitlines()[-1]
                read = build_read_side(app, store)
                _run(results, env, token, app, read, redis_client, processes, seconds,
                     profile)
            finally:
                for process in reversed(processes):
                    process.stop()
                store.dispose()
                app.close()
    finally:
        redis_client.flushdb()
        redis_client.close()


def _run(results: Results, env: dict[str, str], token: str, app: Any, read: Any,
         redis_client: redis.Redis, processes: list[Process], seconds: float,
         profile: bool) -> None:
    project = Process.helpdesk("project", ["project"], env)
    processes.append(project)
    log("HTTP: waiting for `helpdesk project` to catch up with the seeded log")
    caught_up = wait_drained(read, redis_client, 600)
    project.check()
    # what autovacuum does within a minute or two of the tables being filled
    analyze(read.store, [t for m in read.models for t in m.tables])
    dispatch = Process.helpdesk("dispatch", ["dispatch"], env)
    worker = Process.helpdesk("worker", ["worker"], env)
    api_port, bare_port = free_port(), free_port()
    api = Process.helpdesk("api", ["api", "--port", str(api_port)], env)
    bare = Process.module("bare", "bench.bare_app", ["--port", str(bare_port)], env)
    processes += [dispatch, worker, api, bare]
    api.wait_http(f"http://127.0.0.1:{api_port}/healthz")
    bare.wait_http(f"http://127.0.0.1:{bare_port}/healthz")
    time.sleep(2.0)
    for process in (dispatch, worker):
        process.check()
    idle = {p.name: p.status() for p in (api, worker, dispatch, project, bare)}

    auth = [f"Authorization: Bearer {token}"]
    api_base, bare_base = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{bare_port}"
    get_url = f"{api_base}/api/v1/tickets?status=open&limit=50"
    post_url = f"{api_base}/api/v1/portal/tickets"
    warmup = min(2.0, seconds / 4)
    runs: dict[str, Any] = {"seed_projection": caught_up}
    log(f"HTTP: GET, bare then helpdesk, {seconds:.0f}s each at concurrency {CONCURRENCY}")
    runs["bare_get"] = loadgen(f"{bare_base}/bare/tickets", seconds=seconds, warmup=warmup,
                               server=bare)
    runs["api_get"] = loadgen(get_url, seconds=seconds, warmup=warmup, headers=auth,
                              server=api)
    log("HTTP: POST, bare then helpdesk")
    runs["bare_post"] = loadgen(f"{bare_base}/bare/tickets", seconds=seconds, warmup=warmup,
                                portal=True, server=bare)
    runs["api_post"] = loadgen(post_url, seconds=seconds, warmup=warmup, portal=True,
                               server=api)
    log("HTTP: letting projections, dispatcher and worker work off the POST backlog "
        f"(at most {DRAIN_SECONDS:.0f}s)")
    runs["post_backlog"] = wait_drained(read, redis_client, DRAIN_SECONDS)
    for process in (project, dispatch, worker):
        process.check()
    for name in ("api_get", "api_post"):
        if runs[name]["ok"] == 0:
            raise RuntimeError(f"{name}: no successful answer: {runs[name]}\n{api.tail()}")

    for name, api_run, bare_run, target in (
            ("GET /api/v1/tickets?status=open&limit=50", "api_get", "bare_get", ">= 0.5"),
            ("POST /api/v1/portal/tickets", "api_post", "bare_post", "")):
        a, b = runs[api_run], runs[bare_run]
        client_bound = b["client_cpu_share"] >= 0.9
        results.add(Figure(
            SECTION_HTTP, f"{name} req/s", a["per_second"], "req/s", "bare Litestar",
            b["per_second"], target,
            note=f"server CPU {a.get('server_cpu_share', 0):.0%} of a core, load generator "
                 f"{a['client_cpu_share']:.0%} (bare: {b.get('server_cpu_share', 0):.0%} / "
                 f"{b['client_cpu_share']:.0%})"
                 + ("; the bare figure is limited by the load generator, not the server"
                    if client_bound else "")))
        short = name.split("?")[0]
        for p in ("p50", "p99"):
            results.add(Figure(SECTION_HTTP, f"{short} {p}", a[f"{p}_ms"], "ms",
                               "bare Litestar", b[f"{p}_ms"]))
        # Independent of who saturated first: server CPU time per answered request.
        results.add(Figure(SECTION_HTTP, f"{short} server CPU per request",
                           cpu_ms_per_request(a), "ms", "bare Litestar",
                           cpu_ms_per_request(b)))

    if profile:
        results.profiles["http"] = _profile(api, get_url, post_url, auth, seconds)

    for process in (api, worker, dispatch, project, bare):
        process.check()
    peak = {p.name: p.status() for p in (api, worker, dispatch, project, bare)}
    runs["memory_kib"] = {"idle": idle, "after_load": peak}
    results.details["http"] = runs
    results.add(Figure(SECTION_RSS, "helpdesk api peak RSS (VmHWM)", peak["api"]["VmHWM"] / 1024,
                       "MiB", "bare Litestar VmHWM", peak["bare"]["VmHWM"] / 1024,
                       note=f"idle after start {idle['api']['VmRSS'] / 1024:.0f} MiB"))
    results.add(Figure(SECTION_RSS, "helpdesk worker peak RSS (VmHWM)",
                       peak["worker"]["VmHWM"] / 1024, "MiB", "worker idle VmRSS",
                       idle["worker"]["VmRSS"] / 1024,
                       note=f"dispatch {peak['dispatch']['VmHWM'] / 1024:.0f} MiB, project "
                            f"{peak['project']['VmHWM'] / 1024:.0f} MiB peak"))


def _profile(api: Process, get_url: str, post_url: str, auth: list[str],
             seconds: float) -> dict[str, Any]:
    """py-spy of the API process under each load, two samplers at once: every thread that
    is not idle (where requests spend their time, waiting on PostgreSQL included) and only
    the thread holding the GIL (where the process's Python CPU time goes)."""
    if PY_SPY is None:
        return {"skipped": "py-spy is not installed (pip install py-spy)"}
    out: dict[str, Any] = {}
    length = min(seconds, 6.0)
    for name, url, portal in (("get", get_url, False), ("post", post_url, True)):
        log(f"HTTP: profiling the API process under {name.upper()} load (py-spy)")
        with PySpy(api.pid, f"http_api_{name}") as busy, \
                PySpy(api.pid, f"http_api_{name}_gil", gil=True) as gil:
            run = loadgen(url, seconds=length, warmup=0.5, portal=portal,
                          headers=[] if portal else auth, server=api)
        out[name] = {"per_second_while_sampled": round(run["per_second"], 1),
                     "server_cpu_share": run.get("server_cpu_share"),
                     "threads_not_idle": busy.summary, "holding_the_gil": gil.summary}
    return out
