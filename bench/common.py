"""What every benchmark shares: throw-away PostgreSQL schemas, applications on them,
statistics, the machine's description, and the results (table and JSON)."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from application.service import Helpdesk
from helpdesk.settings import parse_postgres_url, persistence_env

POSTGRES_URL = os.environ.get("HELPDESK_BENCH_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HELPDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HELPDESK = str(Path(sys.executable).with_name("helpdesk"))
SCHEMA_PREFIX = "bench_"


def log(message: str) -> None:
    """Progress on stderr (the table goes to stdout at the end)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- PostgreSQL ------------------------------------------------------------------------


def admin_connect(autocommit: bool = True) -> psycopg.Connection[Any]:
    """A plain psycopg connection to the benchmark database."""
    target = parse_postgres_url(POSTGRES_URL)
    return psycopg.connect(dbname=target.dbname, host=target.host, port=target.port,
                           user=target.user, password=target.password,
                           autocommit=autocommit, connect_timeout=5)


def schema_url(schema: str) -> str:
    """The ``HELPDESK_DATABASE_URL`` of an event store in ``schema``."""
    base = POSTGRES_URL.split("?", 1)[0]
    return f"{base}?schema={schema}"


@contextmanager
def pg_schema(label: str, keep: bool = False) -> Iterator[str]:
    """A fresh schema ``bench_<label>_<random>`` (and its ``_read`` twin, created by the
    read side), dropped afterwards; yields the database URL naming it."""
    schema = f"{SCHEMA_PREFIX}{label}_{uuid.uuid4().hex[:8]}"
    with admin_connect() as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield schema_url(schema)
    finally:
        if not keep:
            drop_schemas(schema)


def drop_schemas(schema: str) -> None:
    """Drop the event-store schema and its read schema (never ``public``)."""
    assert schema.startswith(SCHEMA_PREFIX), schema
    with admin_connect() as conn:
        for name in (schema, f"{schema}_read"):
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(name)))


def schema_of(url: str) -> str:
    """The event store's schema in a benchmark URL."""
    return parse_postgres_url(url).schema


def make_app(url: str, snapshot_interval: int = 50, **extra_env: str) -> Helpdesk:
    """The application on ``url`` with its defaults, as ``build_application`` makes it."""
    app = Helpdesk({**persistence_env(url), **extra_env}, snapshot_interval=snapshot_interval)
    app.ensure_defaults()
    return app


# -- statistics -------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100), linear between closest ranks; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def timed(function: Callable[[], Any], repeat: int, warmup: int = 0) -> list[float]:
    """Seconds each of ``repeat`` calls took (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


# -- the machine ------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """Cores, memory, CPU, Python and PostgreSQL versions of the machine the run was on."""
    info: dict[str, Any] = {"cores": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(next(line.split()[1] for line in meminfo.splitlines()
                       if line.startswith("MemTotal:")))
        info["memory_gib"] = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                           if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with admin_connect() as conn:
            row = conn.execute("SELECT current_setting('server_version'), "
                               "current_setting('synchronous_commit'), "
                               "current_setting('shared_buffers')").fetchone()
            assert row is not None
            info["postgres"] = {"version": row[0], "synchronous_commit": row[1],
                                "shared_buffers": row[2]}
    except psycopg.Error:
        pass
    return info


def code_version() -> dict[str, Any]:
    """The commit the measured code is at, and whether the application's packages have
    uncommitted changes (read only)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = git("status", "--porcelain", "--", "domain", "application", "projections",
                  "api", "workers", "helpdesk")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes_in_app_code": len(changed.splitlines())}


# -- results ----------------------------------------------------------------------------


@dataclass
class Figure:
    """One measured figure beside its baseline (measured in the same run) and the ratio
    ``value / baseline``; a target is checked on the ratio."""

    section: str
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    target: str = ""  # ">= 0.6" or "<= 2.0", on the ratio
    note: str = ""
    ratio: float | None = field(default=None)
    met: bool | None = field(default=None)

    def __post_init__(self) -> None:
        if self.baseline:
            self.ratio = self.value / self.baseline
        if self.target and self.ratio is not None:
            op, threshold = self.target.split()
            self.met = (self.ratio >= float(threshold)) if op == ">=" else (
                self.ratio <= float(threshold))


def fmt(value: float | None, unit: str = "") -> str:
    """A number for the table: three significant figures, thousands separated."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 0.1 or value == 0:
        text = f"{value:.2f}"
    else:
        text = f"{value:.2g}"
    return f"{text} {unit}".strip()


class Results:
    """Figures, details and profile summaries of one run."""

    def __init__(self, args: dict[str, Any]) -> None:
        self.started = datetime.now(tz=UTC)
        self.args = args
        self.figures: list[Figure] = []
        self.details: dict[str, Any] = {}
        self.profiles: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        log(f"{figure.section}: {figure.name} = {fmt(figure.value, figure.unit)}"
            + (f" (baseline {fmt(figure.baseline, figure.unit)}, ratio "
               f"{fmt(figure.ratio)})" if figure.baseline else ""))
        return figure

    def table(self) -> str:
        """The results as a Markdown table."""
        lines = ["| section | figure | value | baseline | ratio | target | met |",
                 "|---|---|---|---|---|---|---|"]
        for f in sorted(self.figures, key=lambda f: f.section.split()[0]):
            base = f"{f.baseline_name}: {fmt(f.baseline, f.unit)}" if f.baseline_name else ""
            met = "" if f.met is None else ("met" if f.met else "MISSED")
            lines.append(f"| {f.section} | {f.name} | {fmt(f.value, f.unit)} | {base} | "
                         f"{fmt(f.ratio) if f.ratio is not None else ''} | "
                         f"{'ratio ' + f.target if f.target else ''} | {met} |")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        """The whole run as JSON at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "started": self.started.isoformat(timespec="seconds"),
            "finished": datetime.now(tz=UTC).isoformat(timespec="seconds"),
            "args": self.args, "machine": machine(), "code": code_version(),
            "figures": [asdict(f) for f in self.figures],
            "details": self.details, "profiles": self.profiles, "errors": self.errors,
            "table": self.table(),
        }
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")
