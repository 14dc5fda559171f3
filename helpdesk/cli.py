"""The ``helpdesk`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

import uvicorn
from tqdm import tqdm

from application.service import Helpdesk
from domain.agent import Agent
from domain.errors import DomainError
from domain.values import Actor, Role
from helpdesk.audit_commands import add_audit_commands
from helpdesk.background import build_background
from helpdesk.bootstrap import build_application, build_read_side, migrate, open_store
from helpdesk.demo import ADMIN_EMAIL as DEMO_ADMIN
from helpdesk.demo import already_seeded, seed_demo
from helpdesk.logs import configure_logging
from helpdesk.settings import Settings, SettingsError
from helpdesk.web import build_http_app
from projections.analysts import grant_analyst_role
from projections.read_side import ReadSide, projected_position
from workers.dispatcher import start_dispatching_at

CLI_ACTOR = Actor.system("cli")
DEMO_TICKETS = int(os.environ.get("HELPDESK_DEMO_TICKETS", "300"))
log = logging.getLogger("helpdesk")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    """Create or upgrade the event store, the read tables and the defaults."""
    migrate(settings)
    print(f"event store and read tables ready at {settings.database_url.split('@')[-1]}")
    return 0


def cmd_agents_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create an agent; print its token alone on the last line."""
    app = build_application(settings)
    try:
        created = app.create_agent(
            email=args.email, name=args.name, role=Role(args.role), actor=CLI_ACTOR,
            skills=_split(args.skills), branches=_split(args.branches),
            capacity=args.capacity, escalation=args.escalation,
        )
    finally:
        app.close()
    print(f"created {created.agent.role} {created.agent.name} <{created.agent.email}> "
          f"id {created.agent.agent_id}; the token below is shown only once:")
    print(created.token)
    return 0


def cmd_projections_status(settings: Settings, _: argparse.Namespace) -> int:
    """Print each read model's position and lag."""
    app, store = build_application(settings), open_store(settings)
    try:
        rows = build_read_side(app, store).status()
    finally:
        store.dispose()
        app.close()
    width = max(len(r.name) for r in rows)
    print(f"{'read model':<{width}}  {'position':>10}  {'lag':>8}")
    for row in rows:
        print(f"{row.name:<{width}}  {row.position:>10}  {row.lag:>8}")
    return 0


def cmd_projections_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    """Drop, re-create and replay read models, with a progress bar."""
    app, store = build_application(settings), open_store(settings)
    try:
        read_side = build_read_side(app, store)
        total = app.recorder.max_notification_id() or 0
        with tqdm(total=total, unit="event", desc="rebuilding", file=sys.stderr) as bar:
            report = read_side.rebuild(args.names or None, progress=bar.update)
    finally:
        store.dispose()
        app.close()
    print(f"rebuilt {', '.join(report.names)}: {report.events} events in "
          f"{report.seconds:.2f}s ({report.events_per_second:,.0f} events/s)")
    return 0


def cmd_project(settings: Settings, _: argparse.Namespace) -> int:
    """Run the projection runners until SIGTERM or SIGINT."""
    app, store = build_application(settings), open_store(settings)
    read_side = build_read_side(app, store).start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    log.info("projecting %s", ", ".join(read_side.names))
    try:
        while not stopping.wait(0.5):
            if read_side.runner.error is not None:
                raise read_side.runner.error
    finally:
        read_side.stop()
        store.dispose()
        app.close()
    log.info("projection runners stopped")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run everything in one process: HTTP API, projection runners (and workers)."""
    migrate(settings)
    app, store = build_application(settings), open_store(settings)
    if args.demo and _seed_demo(app):  # before anything follows the log
        # The demo's history happened on a simulated clock: it needs no reactions.
        start_dispatching_at(store, app.recorder.max_notification_id() or 0, force=True)
    read_side = build_read_side(app, store).start()
    if args.demo:  # the printed token must list the demo tickets at once
        _catch_up_with_progress(read_side, app.recorder.max_notification_id() or 0)
    background = build_background(settings, app, store)
    if not settings.redis_url:  # embedded: worker threads in this process
        background.start_workers(settings.worker_threads)
    background.start_dispatcher(app, store, settings.monitor_interval)
    try:
        url = f"http://{args.host}:{args.port}"
        print(f"helpdesk is serving on {url} (API docs: {url}/schema)", flush=True)
        _exit_cleanly_on_signals()
        uvicorn.run(build_http_app(settings, app, read_side), host=args.host, port=args.port,
                    log_level="info", access_log=False)
    finally:
        background.stop()
        read_side.stop()
        store.dispose()
        app.close()
    return 0


def _exit_cleanly_on_signals() -> None:
    """uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again with
    the handlers it found: let that end the process with status 0, after our own clean-up
    (``finally`` blocks) has run."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: sys.exit(0))


def _run_until_signalled(check: Callable[[], None]) -> None:
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        check()


def cmd_dispatch(settings: Settings, _: argparse.Namespace) -> int:
    """Follow the log and enqueue reactions (and the periodic jobs) until SIGTERM."""
    if not settings.redis_url:
        raise SettingsError("helpdesk dispatch needs HELPDESK_REDIS_URL (without Redis, "
                            "helpdesk serve dispatches in-process)")
    app, store = build_application(settings), open_store(settings)
    background = build_background(settings, app, store).start_dispatcher(
        app, store, settings.monitor_interval)
    log.info("dispatching to %s", "Redis" if settings.redis_url else "an in-process broker")

    def check() -> None:
        if background.dispatcher and background.dispatcher.error is not None:
            raise background.dispatcher.error

    try:
        _run_until_signalled(check)
    finally:
        background.stop()
        store.dispose()
        app.close()
    log.info("dispatcher stopped")
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run Dramatiq worker threads on Redis until SIGTERM."""
    if not settings.redis_url:
        raise SettingsError("helpdesk worker needs HELPDESK_REDIS_URL (without Redis, "
                            "helpdesk serve runs the workers in-process)")
    app, store = build_application(settings), open_store(settings)
    background = build_background(settings, app, store).start_workers(
        args.threads or settings.worker_threads)
    log.info("worker consuming with %s threads", args.threads or settings.worker_threads)
    try:
        _run_until_signalled(lambda: None)
    finally:
        background.stop()
        store.dispose()
        app.close()
    log.info("worker stopped")
    return 0


def _catch_up_with_progress(read_side: ReadSide, head: int) -> None:
    """Wait until every read model includes ``head``, showing how far they are."""
    start = projected_position(read_side.store, read_side.names)
    with tqdm(total=max(head - start, 0), unit="event", desc="projecting",
              file=sys.stderr) as bar:
        while not read_side.wait(head, timeout=0.5):
            if read_side.runner.error is not None:
                raise read_side.runner.error
            bar.n = projected_position(read_side.store, read_side.names) - start
            bar.refresh()
        bar.n = bar.total
        bar.refresh()


def _seed_demo(app: Helpdesk) -> bool:
    """Seed the demo on first start (True), else rotate the demo admin's token (False)."""
    seeded = not already_seeded(app)
    if not seeded:
        token = app.rotate_agent_token(str(Agent.create_id(DEMO_ADMIN)), actor=CLI_ACTOR).token
        print("demo data is already there; the admin's token was rotated.")
    else:
        with tqdm(total=DEMO_TICKETS, unit="ticket", desc="seeding demo",
                  file=sys.stderr) as bar:
            report = seed_demo(app, tickets=DEMO_TICKETS, progress=bar.update)
        print(report.summary())
        token = report.admin_token
    print(f"admin ({DEMO_ADMIN}) token, shown once:\n{token}", flush=True)
    return seeded


def cmd_api(settings: Settings, args: argparse.Namespace) -> int:
    """Run only the HTTP API (projections and workers run in their own processes)."""
    _exit_cleanly_on_signals()
    uvicorn.run("helpdesk.web:create_app_from_env", factory=True, host=args.host,
                port=args.port, workers=args.workers, log_level="info", access_log=False)
    return 0


def cmd_analysts_grant(settings: Settings, args: argparse.Namespace) -> int:
    """Create or update the read-only analyst role (PostgreSQL)."""
    store = open_store(settings)
    try:
        grant_analyst_role(store, args.role, args.password)
    finally:
        store.dispose()
    print(f"role {args.role} may SELECT the read tables in schema {store.schema}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help=cmd_migrate.__doc__).set_defaults(handler=cmd_migrate)
    serve = commands.add_parser("serve", help=cmd_serve.__doc__)
    serve.add_argument("--demo", action="store_true", help="seed demo data on first start")
    api = commands.add_parser("api", help=cmd_api.__doc__)
    api.add_argument("--workers", type=int, default=1, help="API processes")
    for command, handler in ((serve, cmd_serve), (api, cmd_api)):
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        command.set_defaults(handler=handler)
    commands.add_parser("project", help=cmd_project.__doc__).set_defaults(handler=cmd_project)
    commands.add_parser("dispatch", help=cmd_dispatch.__doc__).set_defaults(
        handler=cmd_dispatch)
    worker = commands.add_parser("worker", help=cmd_worker.__doc__)
    worker.add_argument("--threads", type=int, default=0, help="worker threads")
    worker.set_defaults(handler=cmd_worker)

    agents = commands.add_parser("agents", help="manage agent accounts")
    agent_commands = agents.add_subparsers(dest="agents_command", required=True)
    create = agent_commands.add_parser("create", help="create an agent and print its token")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    create.add_argument("--skills", default="", help="comma-separated category slugs")
    create.add_argument("--branches", default="", help="comma-separated branches (none = all)")
    create.add_argument("--capacity", type=int, default=20)
    create.add_argument("--escalation", action="store_true", help="takes urgent tickets first")
    create.set_defaults(handler=cmd_agents_create)

    projections = commands.add_parser("projections", help="inspect and rebuild read models")
    projection_commands = projections.add_subparsers(dest="projections_command", required=True)
    projection_commands.add_parser("status", help=cmd_projections_status.__doc__).set_defaults(
        handler=cmd_projections_status)
    rebuild = projection_commands.add_parser("rebuild", help=cmd_projections_rebuild.__doc__)
    rebuild.add_argument("names", nargs="*", help="read models to rebuild (default: all)")
    rebuild.set_defaults(handler=cmd_projections_rebuild)

    analysts = commands.add_parser("analysts", help="database access for analysts")
    analyst_commands = analysts.add_subparsers(dest="analysts_command", required=True)
    grant = analyst_commands.add_parser("grant", help=cmd_analysts_grant.__doc__)
    grant.add_argument("role", nargs="?", default="helpdesk_analyst")
    grant.add_argument("--password", help="lets the role log in")
    grant.set_defaults(handler=cmd_analysts_grant)

    add_audit_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; input and settings errors end with a clear message, code 2."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_format)
        return int(args.handler(settings, args))
    except (DomainError, SettingsError, KeyError, ValueError) as error:
        print(f"helpdesk: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
