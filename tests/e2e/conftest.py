"""Real server processes over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HELPDESK = str(Path(sys.executable).with_name("helpdesk"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``helpdesk`` process and what it printed."""

    process: subprocess.Popen[str]
    url: str
    output: list[str]

    def line_after(self, marker: str) -> str:
        """The line printed right after the one containing ``marker``."""
        for i, line in enumerate(self.output):
            if marker in line and i + 1 < len(self.output):
                return self.output[i + 1].strip()
        raise AssertionError(f"{marker!r} not printed; output was:\n" + "".join(self.output))


def start_server(args: list[str], env: dict[str, str], ready_marker: str,
                 timeout: float = 120) -> Server:
    """Start ``helpdesk ARGS`` and wait until it prints ``ready_marker`` and answers."""
    port = free_port()
    process = subprocess.Popen(
        [HELPDESK, *args, "--port", str(port)], env={**os.environ, **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    server = Server(process, f"http://127.0.0.1:{port}", [])
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise AssertionError("server exited:\n" + "".join(server.output))
        server.output.append(line)
        if ready_marker in line:
            break
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not answer:\n" + "".join(server.output))


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def serve_demo(tmp_path) -> Iterator[Server]:
    env = {"HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path}/helpdesk.sqlite3",
           "HELPDESK_DEMO_TICKETS": "80"}
    server = start_server(["serve", "--demo"], env, "helpdesk is serving on")
    yield server
    stop_server(server)
