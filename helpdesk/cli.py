"""The ``helpdesk`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from domain.errors import DomainError
from domain.values import Actor, Role
from helpdesk.bootstrap import build_application
from helpdesk.settings import Settings, SettingsError

CLI_ACTOR = Actor.system("cli")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    """Create the event store's tables and the default configuration."""
    build_application(settings).close()
    print(f"event store ready at {settings.database_url.split('@')[-1]}")
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser("migrate", help="create the event store and defaults")
    migrate.set_defaults(handler=cmd_migrate)

    agents = commands.add_parser("agents", help="manage agent accounts")
    agent_commands = agents.add_subparsers(dest="agents_command", required=True)
    create = agent_commands.add_parser("create", help="create an agent and print its token")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    create.add_argument("--skills", default="", help="comma-separated category slugs")
    create.add_argument("--branches", default="", help="comma-separated branches (none = all)")
    create.add_argument("--capacity", type=int, default=20)
    create.add_argument("--escalation", action="store_true",
                        help="takes urgent tickets first")
    create.set_defaults(handler=cmd_agents_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; domain and settings errors end with a clear message, code 2."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.handler(settings, args))
    except (DomainError, SettingsError) as error:
        print(f"helpdesk: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
