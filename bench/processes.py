"""Real ``helpdesk`` (and baseline) processes for the benchmarks: start, wait until they
answer, read their memory and CPU, stop them (only those the benchmark started)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import HELPDESK, RESULTS, ROOT

LOGS = RESULTS / "logs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A child process with its output in bench/results/logs/<name>.log."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOGS / f"{name}.log"
        self._log = self.log_path.open("w")
        self.popen = subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT,
                                      stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.popen.pid

    @classmethod
    def helpdesk(cls, name: str, args: list[str], env: dict[str, str]) -> Process:
        return cls(name, [HELPDESK, *args], env)

    @classmethod
    def module(cls, name: str, module: str, args: list[str], env: dict[str, str]) -> Process:
        return cls(name, [sys.executable, "-m", module, *args], env)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def check(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n"
                               f"{self.tail()}")

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check()
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {url}:\n{self.tail()}")

    def status(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak resident set) in KiB, from /proc/<pid>/status."""
        found: dict[str, int] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
        return found

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()


def run_helpdesk(args: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """Run a ``helpdesk`` command to completion; its output."""
    done = subprocess.run([HELPDESK, *args], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"helpdesk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return float(sum(fields) - idle), float(sum(fields))


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
