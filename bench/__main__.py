"""``make bench [ARGS=...]`` = ``python -m bench``: run the benchmarks, print a table, write
bench/results/latest.json (and latest.md). See docs/performance.md.

    python -m bench                 # default sizes, under 10 minutes on 2 cores
    python -m bench --full          # the large sizes
    python -m bench --only write,queue --no-profile
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.common import (
    RESULTS,
    SCHEMA_PREFIX,
    Results,
    admin_connect,
    code_version,
    drop_schemas,
    log,
    machine,
)
from bench.processes import loadavg, machine_cpu

SECTIONS = ("write", "http", "projections", "queue", "audit")


@dataclass(frozen=True)
class Sizes:
    """How big and how long each benchmark is."""

    write_seconds: float = 8.0
    http_seconds: float = 10.0
    http_seed_tickets: int = 2_000
    log_events: int = 20_000
    lag_rate: float = 50.0
    lag_seconds: float = 20.0
    queue_sizes: tuple[int, ...] = (10_000, 50_000)
    query_repeat: int = 1_000
    audit_events: int = 5_000


DEFAULT = Sizes()
FULL = Sizes(write_seconds=20.0, http_seconds=30.0, http_seed_tickets=10_000,
             log_events=100_000, lag_seconds=60.0, queue_sizes=(10_000, 200_000),
             query_repeat=2_000)


def busy_share(seconds: float = 2.0) -> float:
    """How busy the whole machine is right now (0-1 of all cores)."""
    busy0, total0 = machine_cpu()
    time.sleep(seconds)
    busy1, total1 = machine_cpu()
    return (busy1 - busy0) / max(total1 - total0, 1)


def leftover_schemas() -> list[str]:
    with admin_connect() as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s "
                            "AND nspname NOT LIKE %s", (SCHEMA_PREFIX + "%", "%\\_read"))
        return [name for (name,) in rows.fetchall()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the large sizes")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    parser.add_argument("--no-profile", action="store_true",
                        help="skip the profiling passes (cProfile, py-spy, EXPLAIN)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--drop-leftovers", action="store_true",
                        help="drop bench_* schemas left by an interrupted run first")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections: {', '.join(unknown)}")
    sizes = FULL if args.full else DEFAULT
    # Stop cleanly (children stopped, schemas dropped) on SIGTERM and on Ctrl-C, also when
    # started in the background.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    profile = not args.no_profile
    os.environ.setdefault("PGAPPNAME", "helpdesk-bench")

    leftovers = leftover_schemas()
    if leftovers and args.drop_leftovers:
        for schema in leftovers:
            drop_schemas(schema)
        log(f"dropped {len(leftovers)} leftover schemas")
    elif leftovers:
        log(f"note: {len(leftovers)} bench_* schemas from an interrupted run are still there "
            "(--drop-leftovers drops them)")

    results = Results({"full": args.full, "sections": chosen, "profile": profile,
                       "sizes": asdict(sizes)})
    info = machine()
    log(f"machine: {info.get('cores')} cores, {info.get('memory_gib')} GiB, "
        f"{info.get('cpu', '?')}; PostgreSQL {info.get('postgres', {}).get('version', '?')}")
    quiet = busy_share()
    results.details["machine_busy_before"] = round(quiet, 3)
    if quiet > 0.15:
        log(f"WARNING: the machine is already {quiet:.0%} busy with other work; figures "
            "will be lower and noisier than on a quiet machine")

    def section(name: str, body: Callable[[], None]) -> None:
        if name not in chosen:
            return
        results.details.setdefault("load_before_section", {})[name] = {
            "loadavg": loadavg(), "busy_share": round(busy_share(1.0), 3)}
        started = time.perf_counter()
        try:
            body()
        except Exception as error:  # a broken section is reported; the others still run
            results.errors[name] = "".join(traceback.format_exception(error))
            log(f"section {name} FAILED: {error!r}")
        results.details.setdefault("section_seconds", {})[name] = round(
            time.perf_counter() - started, 1)

    from bench import audit_bench, http_api, projections_bench, queue_bench, write_path

    has_as_of = Path(__file__).resolve().parent.parent.joinpath(
        "projections", "as_of.py").exists()
    section("write", lambda: write_path.run(results, sizes.write_seconds, profile))
    section("http", lambda: http_api.run(results, seconds=sizes.http_seconds,
                                         seed_tickets=sizes.http_seed_tickets,
                                         profile=profile))
    section("projections", lambda: projections_bench.run(
        results, events=sizes.log_events, lag_rate=sizes.lag_rate,
        lag_seconds=sizes.lag_seconds, profile=profile,
        as_of=has_as_of and "audit" in chosen))
    section("queue", lambda: queue_bench.run(results, sizes=sizes.queue_sizes,
                                             repeat=sizes.query_repeat, profile=profile))
    def audit() -> None:
        audit_bench.run(results, events=sizes.audit_events)
        if has_as_of and "projections" not in chosen:
            projections_bench.run_as_of_only(results, events=sizes.log_events)

    section("audit", audit)

    results.write(args.output)
    table = results.table()
    args.output.with_suffix(".md").write_text(table + "\n")
    print()
    code = code_version()
    local = " (with local changes)" if code["uncommitted_changes_in_app_code"] else ""
    print(f"helpdesk benchmarks ({'full' if args.full else 'default'} sizes) at commit "
          f"{code['commit']}{local} on {info.get('cores')} cores / "
          f"{info.get('memory_gib')} GiB; machine {quiet:.0%} busy before the run")
    print(table)
    print(f"\nJSON: {args.output}")
    for name, error in results.errors.items():
        print(f"\nsection {name} failed:\n{error}", file=sys.stderr)
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
