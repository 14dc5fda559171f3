"""Templates render in Jinja2's sandbox with StrictUndefined.

A template is checked when it is saved: it must parse, may use only the variables in
``TEMPLATE_VARIABLES`` (``{{ ticket.number }}``, ``{{ customer.name }}``, ...), and may not
include, import or extend other templates. Rendering failures at send time raise
``TemplateRenderingFailed`` for the caller to record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from domain.errors import DomainError, InvalidInput
from domain.template import TEMPLATE_VARIABLES

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_FORBIDDEN = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Macro,
              nodes.CallBlock)


class TemplateRenderingFailed(DomainError):
    """A template could not be rendered with the data at hand."""


def _problems(source: str) -> list[str]:
    try:
        tree = _ENV.parse(source)
        _ENV.compile(tree)
    except TemplateError as error:
        return [f"does not parse: {error}"]
    problems: list[str] = []
    for construct in tree.find_all(_FORBIDDEN):
        problems.append(f"{type(construct).__name__.lower()} is not allowed in templates")
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    # Only ``object.field`` may reach the context: no subscripts of it, no aliases of it,
    # no attributes of its fields (``ticket.number.format`` would leak a method).
    allowed_parents: set[int] = set()
    for node in tree.find_all(nodes.Getattr):
        assert isinstance(node, nodes.Getattr)
        target = node.node
        if isinstance(target, nodes.Name) and target.name in TEMPLATE_VARIABLES:
            allowed_parents.add(id(target))
            if node.attr not in TEMPLATE_VARIABLES[target.name]:
                problems.append(f"unknown variable '{target.name}.{node.attr}'")
        else:
            problems.append(f"attribute '.{node.attr}' may only follow ticket, customer "
                            "or agent")
    if any(True for _ in tree.find_all(nodes.Getitem)):
        problems.append("subscripts ([...]) are not allowed in templates")
    for name in tree.find_all(nodes.Name):
        if name.ctx != "load":
            continue
        if name.name in TEMPLATE_VARIABLES:
            if id(name) not in allowed_parents:
                problems.append(f"{name.name!r} may only be used as {name.name}.<field>")
        elif name.name not in assigned:
            problems.append(f"unknown variable {name.name!r}")
    return sorted(set(problems))


def check_template(*, subject: str, body: str) -> None:
    """Refuse a template that does not parse or uses unknown variables or constructs."""
    errors = {}
    for field, source in (("subject", subject), ("body", body)):
        problems = _problems(source)
        if problems:
            known = ", ".join(f"{obj}.{attr}" for obj, attrs in TEMPLATE_VARIABLES.items()
                              for attr in attrs)
            errors[field] = "; ".join(problems) + f" (available: {known})"
    if errors:
        raise InvalidInput(errors)


def ticket_context(ticket: Any, *, url: str = "", agent: Any = None) -> dict[str, dict[str, Any]]:
    """The variables a template sees for ``ticket`` (and the ``agent`` writing, if any)."""
    return {
        "ticket": {"number": ticket.number, "subject": ticket.subject,
                   "status": str(ticket.status), "priority": str(ticket.priority),
                   "category": ticket.category, "url": url,
                   "created_at": ticket.created_on.strftime("%Y-%m-%d %H:%M UTC")},
        "customer": {"name": ticket.customer.name, "email": ticket.customer.email},
        "agent": {"name": agent.name if agent else "", "email": agent.email if agent else ""},
    }


def render(source: str, context: Mapping[str, Mapping[str, Any]]) -> str:
    """Render ``source`` in the sandbox with ``context`` (``{"ticket": {...}, ...}``)."""
    try:
        return _ENV.from_string(source).render(**context)
    except TemplateError as error:
        raise TemplateRenderingFailed(f"template could not be rendered: {error}") from error
