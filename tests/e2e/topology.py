"""The production topology as real processes, owned by the test that starts them.

* ``PrivateRedis``: a ``redis-server`` on a free port, never the shared one.
* ``PrivatePostgres``: a PostgreSQL cluster of its own (``initdb`` into a temporary folder,
  ``pg_ctl start|stop`` on a free port), for tests that stop the database under the service.
* ``Proc``: one ``helpdesk`` sub-command with its output in a log file; ``Topology``: the
  help desk's processes (``migrate``, ``api``, ``project``, ``dispatch``, ``worker``, CLI
  commands) on one database, Redis and SMTP server.

Missing binaries skip the test with one loud line, or fail it when
``HELPDESK_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from application.service import Helpdesk
from helpdesk.bootstrap import build_application
from helpdesk.settings import Settings
from tests.conftest import REQUIRE_SERVICES
from tests.e2e.conftest import HELPDESK, free_port
from workers.broker import NAMESPACE, QUEUE

SENDER = "Help Desk <help@desk.test>"


# --- waiting and skipping ---------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], timeout: float, what: str,
               details: Callable[[], str] = lambda: "", pause: float = 0.05) -> None:
    """Poll ``condition`` until it is true; AssertionError (with ``details()``) after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{details()}")
        time.sleep(pause)


def missing(message: str) -> None:
    """Skip loudly, or fail when the services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} and HELPDESK_REQUIRE_SERVICES=1", pytrace=False)
    print(f"\n*** SKIPPING: {message} ***")
    pytest.skip(message)


def require_binary(name: str) -> str:
    """The path of ``name``: on PATH, else in the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda path: int(path.split("/")[4]) if path.split("/")[4]
                        .isdigit() else 0)
    if candidates:
        return candidates[-1]
    missing(f"{name} is not installed")
    raise AssertionError("unreachable")


# --- Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """``redis-server`` on a free port, without persistence: a stop loses its content."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary, self.folder = binary, folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2,
                           socket_connect_timeout=2)

    def _answers(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self) -> PrivateRedis:
        assert self.process is None
        self.starts += 1
        log = open(self.folder / f"redis-{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(self._answers, 10, f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None

    def queue_is_empty(self) -> bool:
        """No message of the help desk's queue (or its delay queue) is left, acknowledged
        or not (the ``.msgs`` hashes keep a message until it is acknowledged)."""
        with self.client() as client:
            return all(client.hlen(f"{NAMESPACE}:{name}.msgs") == 0
                       for name in (QUEUE, f"{QUEUE}.DQ"))


# --- PostgreSQL -------------------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, in a temporary folder, on a free port.

    As root, ``initdb`` and ``postgres`` refuse to run: the cluster then belongs to the
    ``postgres`` OS user and every server command runs through ``runuser``. Durability is
    off (``fsync``, ``synchronous_commit``): a fast stop still writes everything out."""

    DBNAME = "helpdesk"

    def __init__(self) -> None:
        self.initdb = require_binary("initdb")
        self.pg_ctl = require_binary("pg_ctl")
        self.as_user: list[str] = []
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                owner = None
            if runuser is None or owner is None:
                missing("running as root without runuser or a 'postgres' OS user: "
                        "cannot run initdb")
            assert runuser is not None
            self.as_user = [runuser, "-u", "postgres", "--"]
        # Not under pytest's tmp_path: its folders are private to root, and the server
        # (user postgres) must reach its data folder.
        self.folder = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
        self.data = self.folder / "data"
        self.data.mkdir()
        if owner is not None:
            for path in (self.folder, self.data):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.port = free_port()
        self.starts = 0
        self.running = False

    @property
    def url(self) -> str:
        """The help desk's database on this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.DBNAME}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                              timeout=timeout, check=False, cwd=self.folder)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout}{done.stderr}\n{self.log()}")
        return done

    def log(self, tail: int = 30) -> str:
        lines: list[str] = []
        for path in sorted(self.folder.glob("server-*.log")):
            lines += [f"--- {path.name} ---", *path.read_text(errors="replace")
                      .splitlines()[-tail:]]
        return "\n".join(lines)

    def create(self) -> PrivatePostgres:
        """``initdb``, start, and create the help desk's database."""
        self._run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale", "C", timeout=120)
        self.start()
        with psycopg.connect(self.admin_conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.DBNAME}"')
        return self

    def admin_conninfo(self, dbname: str | None = None) -> str:
        return (f"host=127.0.0.1 port={self.port} user=postgres "
                f"dbname={dbname or self.DBNAME} connect_timeout=5")

    def start(self) -> None:
        self.starts += 1
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-w", "-t", "60",
                  "-l", str(self.folder / f"server-{self.starts}.log"), "start", timeout=90)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if not self.running:
            return
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop",
                  timeout=90)
        self.running = False

    def destroy(self) -> None:
        """Stop the server (if it runs) and delete the cluster."""
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


# --- helpdesk processes -----------------------------------------------------------------------


class Proc:
    """One ``helpdesk`` sub-command, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], folder: Path,
                 url: str | None = None) -> None:
        self.name = name
        self.url = url
        self.log_path = folder / f"{name}.log"
        log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen([HELPDESK, *args], env=dict(env), stdout=log,
                                        stderr=subprocess.STDOUT)
        log.close()

    def log(self, tail: int = 40) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return f"--- {self.name} (last {tail} lines) ---\n" + "\n".join(lines[-tail:])

    def _alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}\n"
                                 + self.log())

    def wait_for_log(self, marker: str, timeout: float = 30) -> None:
        def printed() -> bool:
            self._alive()
            return marker in self.log_path.read_text(errors="replace")
        wait_until(printed, timeout, f"{self.name} to log {marker!r}", self.log)

    def wait_for_http(self, timeout: float = 30) -> None:
        """Until ``/healthz`` answers 200."""
        def answers() -> bool:
            self._alive()
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        wait_until(answers, timeout, f"{self.name} to answer on {self.url}", self.log, 0.1)

    def terminate(self, timeout: float = 20) -> int | None:
        """SIGTERM; the exit code, or None when it had to be killed."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            return None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


class Topology:
    """The help desk's processes on one database (and Redis and SMTP server, if given)."""

    def __init__(self, database_url: str, folder: Path, *, redis_url: str | None = None,
                 smtp_url: str | None = None, env: Mapping[str, str] | None = None) -> None:
        self.database_url = database_url
        self.folder = folder
        self.env: dict[str, str] = {
            **os.environ,
            "HELPDESK_DATABASE_URL": database_url,
            "HELPDESK_MAIL_FROM": SENDER,
            "HELPDESK_OUTBOX": str(folder / "outbox"),
            "HELPDESK_PUBLIC_URL": "http://desk.test",
            "HELPDESK_MONITOR_INTERVAL": "3600",
            "HELPDESK_SESSION_SECRET": "topology-test-secret-" + "x" * 32,
            **({"HELPDESK_REDIS_URL": redis_url} if redis_url else {}),
            **({"HELPDESK_SMTP_URL": smtp_url} if smtp_url else {}),
            **(env or {}),
        }
        self.procs: list[Proc] = []
        self.app: Helpdesk | None = None

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """A one-shot ``helpdesk`` command; it must succeed."""
        done = subprocess.run([HELPDESK, *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)
        assert done.returncode == 0, f"helpdesk {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done

    def migrate(self) -> None:
        self.run("migrate")

    def create_agent(self, name: str, email: str, *options: str) -> tuple[str, str]:
        """``helpdesk agents create``: the new agent's (id, token)."""
        out = self.run("agents", "create", "--name", name, "--email", email, *options)
        lines = out.stdout.strip().splitlines()
        agent_id = lines[-2].split(" id ")[1].split(";")[0].strip()
        return agent_id, lines[-1].strip()

    def start(self, name: str, *args: str, ready: str, timeout: float = 30) -> Proc:
        proc = Proc(f"{name}-{len(self.procs)}", [name, *args], self.env, self.folder)
        self.procs.append(proc)
        proc.wait_for_log(ready, timeout)
        return proc

    def start_api(self, label: str = "api", *args: str) -> Proc:
        """``helpdesk api`` on a free port, once it answers ``/healthz``."""
        port = free_port()
        proc = Proc(f"{label}-{len(self.procs)}", ["api", "--port", str(port), *args],
                    self.env, self.folder, url=f"http://127.0.0.1:{port}")
        self.procs.append(proc)
        proc.wait_for_http(60)
        return proc

    def start_all(self) -> tuple[Proc, Proc, Proc]:
        """Projections (so routing sees current read models), dispatcher, one worker."""
        return (self.start("project", ready="projecting"),
                self.start("dispatch", ready="dispatching to Redis"),
                self.start("worker", ready="worker consuming"))

    def application(self) -> Helpdesk:
        self.app = build_application(Settings(database_url=self.database_url))
        return self.app

    def logs(self, tail: int = 40) -> str:
        return "\n".join(proc.log(tail) for proc in self.procs)

    def stop_all(self) -> dict[str, int | None]:
        """SIGTERM to every process still running; their exit codes."""
        return {proc.name: proc.terminate() for proc in self.procs
                if proc.process.poll() is None}

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
        if self.app is not None:
            self.app.close()
            self.app = None
