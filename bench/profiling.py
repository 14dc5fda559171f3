"""Profiles that explain a figure: cProfile in this process (every thread), py-spy on
another process (when installed), lock timing, and PostgreSQL wait sampling.

Profiles run in separate, short passes after the measured ones, so they never slow a
figure down. Summaries go into the JSON; full text into bench/results/profiles/.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import os
import pstats
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import RESULTS, admin_connect

PROFILES = RESULTS / "profiles"
PY_SPY = shutil.which("py-spy") or (
    str(Path(sys.executable).with_name("py-spy"))
    if Path(sys.executable).with_name("py-spy").exists() else None)


# -- cProfile over every thread ---------------------------------------------------------


class ThreadProfiles:
    """cProfile in the calling thread and in every thread started meanwhile."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()
        self.seconds = 0.0

    def _start_in_thread(self, *_: Any) -> None:
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(profile)
        sys.setprofile(None)
        profile.enable()

    @contextmanager
    def running(self, include_caller: bool = False) -> Iterator[ThreadProfiles]:
        """Profile the threads started in the block (and the calling one if asked)."""
        main = cProfile.Profile()
        if include_caller:
            self.profiles.append(main)
        threading.setprofile(self._start_in_thread)
        started = time.perf_counter()
        if include_caller:
            main.enable()
        try:
            yield self
        finally:
            main.disable()
            self.seconds = time.perf_counter() - started
            threading.setprofile(None)  # type: ignore[arg-type]

    def stats(self) -> pstats.Stats:
        for profile in self.profiles:
            profile.disable()
        stats = pstats.Stats()
        for profile in self.profiles:
            with contextlib.suppress(TypeError):  # a thread that never ran profiled code
                stats.add(profile)
        return stats


def _label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    for marker in ("site-packages/", str(Path(__file__).parent.parent) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    if filename == "~":
        return name
    return f"{filename}:{line}({name})"


def summarize_pstats(stats: pstats.Stats, wall: float, *, top: int = 20,
                     threads: int = 1) -> dict[str, Any]:
    """The functions with the most cumulative and most own time, as shares of the
    profiled wall-clock time (times ``threads`` when several threads were busy)."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    budget = wall * threads
    rows = [(func, cc, nc, tt, ct) for func, (cc, nc, tt, ct, _) in raw.items()]
    by_cum = sorted(rows, key=lambda r: r[4], reverse=True)
    by_own = sorted(rows, key=lambda r: r[3], reverse=True)

    def row(r: Any) -> dict[str, Any]:
        func, _, calls, own, cumulative = r
        return {"function": _label(func), "calls": calls, "own_s": round(own, 4),
                "cumulative_s": round(cumulative, 4),
                "cumulative_share": round(cumulative / budget, 3) if budget else None,
                "own_share": round(own / budget, 3) if budget else None}

    return {"wall_s": round(wall, 3), "threads": threads,
            "by_cumulative": [row(r) for r in by_cum[:top]],
            "by_own_time": [row(r) for r in by_own[:top]]}


def find_calls(stats: pstats.Stats, *names: str) -> dict[str, dict[str, float]]:
    """Calls and cumulative seconds of functions whose label contains one of ``names``
    (largest cumulative first when several match)."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    found: dict[str, dict[str, float]] = {}
    for name in names:
        matches = [(func, v) for func, v in raw.items() if name in _label(func)]
        if matches:
            _, (_, calls, own, cumulative, _) = max(matches, key=lambda m: m[1][3])
            found[name] = {"calls": calls, "own_s": own, "cumulative_s": cumulative}
    return found


def callers_of(stats: pstats.Stats, *parts: str) -> dict[str, int]:
    """Who calls the function whose label contains every one of ``parts``, how often."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for func, (_, _, _, _, callers) in raw.items():
        if all(part in _label(func) for part in parts):
            return {_label(caller): value[0] for caller, value in sorted(
                callers.items(), key=lambda kv: -kv[1][0])}
    return {}


def write_pstats(stats: pstats.Stats, name: str, lines: int = 60) -> Path:
    """The classic pstats listing (cumulative, then own time) in the profiles folder."""
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    path = PROFILES / f"{name}.txt"
    path.write_text(out.getvalue())
    return path


# -- py-spy on another process ----------------------------------------------------------


class PySpy:
    """``py-spy record`` of a process for as long as the block runs (raw, collapsed
    stacks), summarised by function; does nothing when py-spy is not installed."""

    def __init__(self, pid: int, name: str, *, idle: bool = False, gil: bool = False,
                 rate: int = 100) -> None:
        self.pid, self.name, self.idle, self.gil, self.rate = pid, name, idle, gil, rate
        self.path = PROFILES / f"{name}.pyspy.txt"
        self.summary: dict[str, Any] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PySpy:
        if PY_SPY is None:
            return self
        PROFILES.mkdir(parents=True, exist_ok=True)
        command = [PY_SPY, "record", "--pid", str(self.pid), "--format", "raw", "--output",
                   str(self.path), "--rate", str(self.rate), "--nonblocking", "--threads"]
        if self.idle:
            command.append("--idle")
        if self.gil:  # only samples of the thread holding the GIL: where Python's CPU goes
            command.append("--gil")
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # let it attach
        return self

    def __exit__(self, *_: Any) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(30)
        except subprocess.TimeoutExpired:
            self._process.kill()
        if self.path.exists():
            self.summary = summarize_collapsed(self.path.read_text())


def _frame_name(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)"; keep the package path.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", str(Path(__file__).parent.parent) + "/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})" if path else name


def summarize_collapsed(text: str, top: int = 25) -> dict[str, Any]:
    """Shares of samples per function: inclusive (anywhere on the stack) and own (the
    innermost frame), over the samples of every thread."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith(
            "thread ") and not f.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return {"samples": total,
            "inclusive": [{"function": f, "share": round(n / total, 3)}
                          for f, n in inclusive.most_common(top)] if total else [],
            "own": [{"function": f, "share": round(n / total, 3)}
                    for f, n in own.most_common(top)] if total else []}


def share_of(summary: dict[str, Any] | None, *needles: str) -> float | None:
    """The largest inclusive share of a function whose name contains any needle."""
    if not summary:
        return None
    shares = [row["share"] for row in summary["inclusive"]
              if any(n in row["function"] for n in needles)]
    return max(shares) if shares else 0.0


# -- timing a lock ----------------------------------------------------------------------


class TimedLock:
    """Wraps a lock: how long callers waited for it and how long it was held."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self.waited = 0.0
        self.held = 0.0
        self.acquisitions = 0
        self._local = threading.local()

    def __enter__(self) -> TimedLock:
        asked = time.perf_counter()
        self._lock.acquire()
        got = time.perf_counter()
        self.waited += got - asked
        self.acquisitions += 1
        self._local.got = got
        return self

    def __exit__(self, *_: Any) -> None:
        self.held += time.perf_counter() - self._local.got
        self._lock.release()


# -- PostgreSQL wait events -------------------------------------------------------------


class PgWaits:
    """Samples what the benchmark database's active backends wait on (pg_stat_activity),
    every ``interval`` seconds, while the block runs."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.samples: Counter[str] = Counter()
        self.active = 0
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with admin_connect() as conn:
            own = conn.info.backend_pid
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'active' AND pid <> %s AND backend_type = 'client backend'",
                    (own,)).fetchall()
                self.polls += 1
                for (what,) in rows:
                    self.samples[what] += 1
                    self.active += 1
                self._stop.wait(self.interval)

    def __enter__(self) -> PgWaits:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join(5)

    def summary(self) -> dict[str, Any]:
        total = self.active or 1
        return {"polls": self.polls,
                "mean_active_backends": round(self.active / max(self.polls, 1), 2),
                "waits": {k: round(v / total, 3) for k, v in self.samples.most_common(8)}}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
