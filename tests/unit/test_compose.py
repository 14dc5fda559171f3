"""compose.yaml and the Dockerfile, checked without Docker: the topology is complete, every
helpdesk service runs a real sub-command of the one image, the shared settings are valid,
start-up order waits for health, and the singletons stay single."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpdesk.cli import build_parser
from helpdesk.settings import Settings, parse_postgres_url, persistence_env
from workers.mail import parse_smtp_url

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"

INFRASTRUCTURE = {"postgres", "redis", "mailpit"}
HELPDESK_SERVICES = {"migrate", "api", "projector", "dispatcher", "worker"}
EXPECTED_COMMANDS = {
    "migrate": "migrate",
    "api": "api",
    "projector": "project",
    "dispatcher": "dispatch",
    "worker": "worker",
}
REQUIRED_ENV = {
    "HELPDESK_DATABASE_URL": "postgresql://helpdesk:helpdesk@postgres:5432/helpdesk",
    "HELPDESK_REDIS_URL": "redis://redis:6379/0",
    "HELPDESK_SMTP_URL": "smtp://mailpit:1025",
    "HELPDESK_MAIL_FROM": None,
    "HELPDESK_PUBLIC_URL": None,
}
SOURCE_PACKAGES = ("domain", "application", "projections", "api", "workers", "helpdesk")


def settings_the_code_reads() -> set[str]:
    """Every ``HELPDESK_*`` name the service's own code mentions (tests excluded)."""
    names: set[str] = set()
    for package in SOURCE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            names.update(re.findall(r"HELPDESK_[A-Z][A-Z0-9_]*", path.read_text()))
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def command_of(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(p) for p in command]


def replicas(service: dict[str, Any]) -> int:
    return int(service.get("deploy", {}).get("replicas", service.get("scale", 1)))


def conditions(service: dict[str, Any]) -> dict[str, str]:
    depends_on = service.get("depends_on", {})
    assert isinstance(depends_on, dict), "depends_on must name a condition per service"
    return {name: spec["condition"] for name, spec in depends_on.items()}


# --- compose.yaml ---------------------------------------------------------------------------


def test_every_service_of_the_topology_is_there(services):
    assert set(services) == INFRASTRUCTURE | HELPDESK_SERVICES


def test_infrastructure_images(services):
    assert services["postgres"]["image"].split(":") == ["postgres", "16"]
    assert services["redis"]["image"].split(":") == ["redis", "7"]
    assert services["mailpit"]["image"].split(":")[0] == "axllent/mailpit"
    assert any(volume.endswith(":/var/lib/postgresql/data")
               for volume in services["postgres"]["volumes"])


def test_helpdesk_services_share_one_build_and_one_image(services):
    builds = {json.dumps(services[name].get("build"), sort_keys=True)
              for name in HELPDESK_SERVICES}
    images = {services[name].get("image") for name in HELPDESK_SERVICES}
    assert builds == {json.dumps(".")}
    assert len(images) == 1
    assert None not in images


@pytest.mark.parametrize("name", sorted(HELPDESK_SERVICES))
def test_each_command_is_a_real_helpdesk_sub_command(services, name):
    argv = command_of(services[name])
    assert argv[0] == EXPECTED_COMMANDS[name]
    args = build_parser().parse_args(argv)  # argparse exits on anything unknown
    assert args.command == EXPECTED_COMMANDS[name]
    assert callable(args.handler)


def test_api_and_worker_arguments(services):
    api = build_parser().parse_args(command_of(services["api"]))
    assert (api.host, api.port, api.workers) == ("0.0.0.0", 8000, 2)
    worker = build_parser().parse_args(command_of(services["worker"]))
    assert worker.threads == 4


def test_scaling(services):
    assert replicas(services["api"]) == 2
    assert replicas(services["worker"]) == 2
    assert replicas(services["dispatcher"]) == 1
    assert replicas(services["projector"]) == 1
    assert replicas(services["migrate"]) == 1
    assert services["migrate"].get("restart") == "no"


def test_the_env_anchor_is_shared(compose, services):
    anchor = compose["x-helpdesk-env"]
    for name in HELPDESK_SERVICES:
        environment = dict(services[name]["environment"])
        assert environment == anchor, name
    assert "x-helpdesk-env: &" in COMPOSE.read_text(), "share one YAML anchor, not copies"


def test_the_env_anchor_has_every_required_variable(compose):
    anchor = compose["x-helpdesk-env"]
    for variable, value in REQUIRED_ENV.items():
        assert anchor.get(variable), variable
        if value is not None:
            assert anchor[variable] == value
    unknown = {key for key in anchor if key.startswith("HELPDESK_")} - settings_the_code_reads()
    assert not unknown, f"settings helpdesk does not read: {unknown}"
    if "HELPDESK_SESSION_SECRET" in settings_the_code_reads():
        # several API processes must sign the console's cookies with one key
        assert anchor.get("HELPDESK_SESSION_SECRET")
    assert all(isinstance(value, str) for value in anchor.values()), \
        "quote environment values: compose passes strings"


def test_the_env_anchor_is_accepted_by_the_settings(compose):
    anchor = compose["x-helpdesk-env"]
    settings = Settings.from_env(anchor)
    assert settings.is_postgres
    assert settings.database_url == anchor["HELPDESK_DATABASE_URL"]
    assert settings.redis_url == anchor["HELPDESK_REDIS_URL"]
    assert settings.smtp_url == anchor["HELPDESK_SMTP_URL"]
    assert settings.mail_from == anchor["HELPDESK_MAIL_FROM"]
    assert settings.public_url == anchor["HELPDESK_PUBLIC_URL"].rstrip("/")
    target = parse_postgres_url(settings.database_url)
    assert (target.host, target.port, target.dbname) == ("postgres", 5432, "helpdesk")
    assert persistence_env(settings.database_url)["POSTGRES_HOST"] == "postgres"
    smtp = parse_smtp_url(settings.smtp_url or "")
    assert (smtp.host, smtp.port) == ("mailpit", 1025)


def test_migrate_runs_first_and_alone(services):
    """Only `helpdesk migrate` creates tables (the code decides; processes starting together
    would race on CREATE OR REPLACE FUNCTION), so everything else waits for it."""
    for name in HELPDESK_SERVICES:
        assert "CREATE_TABLE" not in services[name]["environment"], name
        if name != "migrate":
            condition = services[name]["depends_on"]["migrate"]["condition"]
            assert condition == "service_completed_successfully", name


def test_the_database_credentials_match_postgres(compose, services):
    target = parse_postgres_url(compose["x-helpdesk-env"]["HELPDESK_DATABASE_URL"])
    environment = services["postgres"]["environment"]
    assert (target.user, target.password, target.dbname) == (
        environment["POSTGRES_USER"], environment["POSTGRES_PASSWORD"],
        environment["POSTGRES_DB"])


def test_start_up_order_waits_for_health(services):
    assert conditions(services["migrate"]) == {"postgres": "service_healthy"}
    api = conditions(services["api"])
    assert api["migrate"] == "service_completed_successfully"
    assert api["redis"] == "service_healthy"
    for name in ("projector", "dispatcher", "worker"):
        assert conditions(services[name])["migrate"] == "service_completed_successfully"
    for name in ("dispatcher", "worker"):
        assert conditions(services[name])["redis"] == "service_healthy"
    for name, service in services.items():
        for dependency in conditions(service):
            assert dependency in services, f"{name} depends on unknown {dependency}"


@pytest.mark.parametrize("name", ["postgres", "redis", "api"])
def test_healthchecks(services, name):
    test = services[name]["healthcheck"]["test"]
    text = " ".join(test) if isinstance(test, list) else test
    expected = {"postgres": "pg_isready", "redis": "redis-cli ping", "api": "/readyz"}[name]
    assert expected in text
    if name == "api":
        assert test[:3] == ["CMD", "python", "-c"]
        compile(test[3], "<healthcheck>", "exec")
        assert "urllib" in test[3]
        port = build_parser().parse_args(command_of(services["api"])).port
        assert f":{port}/readyz" in test[3]


def test_mailpit_ports(services):
    assert any(str(port).endswith("8025:8025") for port in services["mailpit"]["ports"])


# --- Dockerfile -----------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def test_dockerfile_base_entrypoint_and_install():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    entrypoints = [args for keyword, args in instructions if keyword == "ENTRYPOINT"]
    assert [json.loads(args) for args in entrypoints] == [["helpdesk"]]
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "pip install" in runs and " ." in runs
    copies = [args for keyword, args in instructions if keyword == "COPY"]
    assert copies[0].startswith("pyproject.toml"), "copy pyproject.toml first (layer cache)"


def test_dockerfile_does_not_run_as_root():
    users = [args for keyword, args in dockerfile_instructions() if keyword == "USER"]
    assert users, "the image must switch to an unprivileged user"
    assert users[-1].split(":")[0] not in {"root", "0"}
