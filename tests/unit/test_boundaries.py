"""The layout is the architecture: each top-level package imports only what its layer may."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = {"domain", "application", "projections", "api", "workers", "helpdesk"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

ALLOWED: dict[str, set[str]] = {
    # domain: the standard library and eventsourcing.domain only
    "domain": {"domain", "eventsourcing.domain"},
    "application": {"domain", "application", "eventsourcing", "msgspec", "jinja2"},
    "projections": {"domain", "application", "projections", "eventsourcing", "sqlalchemy",
                    "alembic", "psycopg", "msgspec"},
    "workers": {"domain", "application", "workers", "eventsourcing", "dramatiq", "redis",
                "prometheus_client",
                "jinja2", "msgspec", "projections", "sqlalchemy"},
    "api": {"domain", "application", "projections", "api", "litestar", "msgspec", "markupsafe",
            "eventsourcing", "prometheus_client", "jinja2", "sqlalchemy"},
    # the composition root may wire everything
    "helpdesk": PROJECT | {"eventsourcing", "sqlalchemy", "psycopg", "alembic", "litestar",
                           "uvicorn", "dramatiq", "redis", "tqdm", "msgspec",
                           "prometheus_client"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def is_allowed(module: str, allowed: set[str]) -> bool:
    if module.split(".")[0] in STDLIB:
        return True
    return any(module == a or module.startswith(a + ".") for a in allowed)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_stay_inside_its_layer(package):
    violations = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for module in sorted(imported_modules(path))
        if not is_allowed(module, ALLOWED[package])
    ]
    assert violations == []


def test_the_checker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom eventsourcing.persistence import Mapper\n")
    found = imported_modules(bad)
    assert not any(is_allowed(m, ALLOWED["domain"]) for m in found)
