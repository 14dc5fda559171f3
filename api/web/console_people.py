"""``/console/admin/agents`` and ``/console/admin/sla-policies`` (admins). A new agent's
API token (and a rotated one) is shown once, on a page that is never cached."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.auth import AgentDep
from api.presenters_configuration import policy_row
from api.schemas.configuration import SlaPolicyOut
from api.services import Services, ServicesDep
from api.web.common import ConsoleController, Form, form_errors, page, redirect
from api.web.console_admin import admin, listing
from api.web.lookups import Lookups
from application.configuration import AgentWithToken
from domain.agent import CAPACITY_MAX, DEFAULT_CAPACITY
from domain.calendar import BusinessCalendar, OpeningHours
from domain.errors import DomainError
from domain.sla import (
    AUTO_CLOSE_DAYS_MAX,
    DEFAULT_TARGETS,
    TARGET_MAX_MINUTES,
    SlaPolicy,
    SlaTarget,
)
from domain.values import Priority, Role

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

HOURS = re.compile(r"([0-9]{1,2}):([0-9]{2})\s*[-\u2013]\s*([0-9]{1,2}):([0-9]{2})")
"""One opening interval of a day as the policy form takes it: ``09:00-17:00``."""

DEFAULT_HOURS = {day: "09:00-17:00" if day < 5 else "" for day in range(7)}
"""A new policy's opening hours in the form: weekdays nine to five."""

_SPLIT = re.compile(r"[\s,]+")


def words(text: str) -> list[str]:
    """Items typed separated by spaces or commas."""
    return [w for w in _SPLIT.split(text) if w]


def agent_values(form: Form, errors: dict[str, str]) -> dict[str, Any]:
    """An agent form's values."""
    return {"email": form.text("email"), "name": form.text("name"), "role": form.text("role"),
            "skills": form.many("skills"), "branches": form.text("branches"),
            "capacity": form.whole("capacity", errors, default=DEFAULT_CAPACITY,
                                   high=CAPACITY_MAX),
            "escalation": form.text("escalation") == "on", "active": form.text("active") == "on"}


def token_page(request: Request[Any, Any, Any], issued: AgentWithToken, what: str) -> Template:
    """The token, shown this once."""
    return page(request, "console/admin/agent_token.html", issued=issued.agent,
                token=issued.token, what=what, position=issued.position)


class AgentAdminController(ConsoleController):
    """Agent accounts."""

    path = "/console/admin/agents"

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], services: ServicesDep,
              agent: AgentDep) -> Template:
        """Every agent with their workload, and the form to add one."""
        admin(agent)
        return listing(request, services, "console/admin/agents.html", roles=list(Role),
                       values={"capacity": DEFAULT_CAPACITY, "role": "agent", "skills": []})

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
               data: FormData) -> Template:
        """Create an account; its API token is shown once."""
        admin(agent)
        errors: dict[str, str] = {}
        values = agent_values(Form(data), errors)
        if values["role"] not in {r.value for r in Role}:
            errors["role"] = "choose a role"
        try:
            if errors:
                raise DomainError("Some fields need attention.")
            created = services.helpdesk.create_agent(
                email=values["email"], name=values["name"], role=Role(values["role"]),
                actor=agent.actor, skills=values["skills"], branches=words(values["branches"]),
                capacity=values["capacity"], escalation=values["escalation"])
        except DomainError as error:
            summary, fields = form_errors(error)
            return listing(request, services, "console/admin/agents.html", status=422,
                           roles=list(Role), values=values, error=summary,
                           errors={**errors, **fields})
        return token_page(request, created, "created")

    @get("/{agent_id:str}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             agent_id: FromPath[str]) -> Template:
        """One agent's profile."""
        admin(agent)
        found = services.helpdesk.get_agent(agent_id[:64])
        values = {"email": found.email, "name": found.name, "role": found.role.value,
                  "skills": list(found.skills), "branches": " ".join(found.branches),
                  "capacity": found.capacity, "escalation": found.escalation,
                  "active": found.active, "version": found.version}
        return page(request, "console/admin/agent.html", agent_id=found.agent_id,
                    values=values, roles=list(Role), lookups=Lookups(services), error=None,
                    errors={})

    @post("/{agent_id:str}", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             agent_id: FromPath[str], data: FormData) -> Template | Redirect:
        """Change a profile (refused when it changed since the form was loaded)."""
        admin(agent)
        found = services.helpdesk.get_agent(agent_id[:64])
        form = Form(data)
        errors: dict[str, str] = {}
        values = {**agent_values(form, errors), "email": found.email,
                  "version": form.whole("version", errors, low=1)}
        if values["role"] not in {r.value for r in Role}:
            errors["role"] = "choose a role"
        try:
            if errors:
                raise DomainError("Some fields need attention.")
            saved = services.helpdesk.update_agent(
                found.agent_id, actor=agent.actor, name=values["name"], role=Role(values["role"]),
                skills=values["skills"], branches=words(values["branches"]),
                capacity=values["capacity"], escalation=values["escalation"],
                active=values["active"], expected_version=values["version"])
        except DomainError as error:
            summary, fields = form_errors(error)
            return page(request, "console/admin/agent.html", status=422 if (
                errors or fields) else 409, agent_id=found.agent_id, values=values,
                roles=list(Role), lookups=Lookups(services), error=summary,
                errors={**errors, **fields})
        return redirect("/console/admin/agents", done="saved", pos=saved.position)

    @post("/{agent_id:str}/token", sync_to_thread=True)
    def rotate(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
               agent_id: FromPath[str]) -> Template:
        """Issue a new token; the old one (and sessions opened with it) stop working."""
        admin(agent)
        found = services.helpdesk.get_agent(agent_id[:64])
        return token_page(request, services.helpdesk.rotate_agent_token(
            found.agent_id, actor=agent.actor), "rotated")


def policy_values(policy: SlaPolicy | None) -> dict[str, Any]:
    """A policy (or the defaults) as the form shows it."""
    targets = policy.targets if policy else DEFAULT_TARGETS
    calendar = policy.calendar if policy else BusinessCalendar()
    hours = calendar.hours
    return {
        "id": policy.slug if policy else "", "name": policy.name if policy else "",
        "targets": {t.priority.value: (t.first_response_minutes, t.resolution_minutes)
                    for t in targets},
        "timezone": calendar.timezone, "always_open": not hours,
        "hours": {day: " ".join(f"{h.start}-{h.end}" for h in hours if h.weekday == day)
                  for day in range(7)} if hours else DEFAULT_HOURS,
        "holidays": " ".join(calendar.holidays),
        "auto_close_days": policy.auto_close_days if policy else 7,
        "version": policy.version if policy else None}


def read_policy(form: Form, errors: dict[str, str]) -> tuple[dict[str, Any], list[SlaTarget],
                                                             BusinessCalendar]:
    """Targets, calendar and auto-close delay from the form (bad numbers noted)."""
    targets, shown = [], {}
    for priority in Priority:
        first = form.whole(f"first_{priority.value}", errors, low=1, high=TARGET_MAX_MINUTES)
        done = form.whole(f"resolution_{priority.value}", errors, low=1,
                          high=TARGET_MAX_MINUTES)
        shown[priority.value] = (first or "", done or "")
        if first and done:
            targets.append(SlaTarget(priority, first, done))
    values: dict[str, Any] = {"id": form.text("id"), "name": form.text("name"),
                              "targets": shown,
              "timezone": form.text("timezone") or "UTC",
              "always_open": form.text("always_open") == "on",
              "hours": {day: form.text(f"hours_{day}") for day in range(7)},
              "holidays": form.text("holidays"),
              "auto_close_days": form.whole("auto_close_days", errors, low=1,
                                            high=AUTO_CLOSE_DAYS_MAX)}
    hours = () if values["always_open"] else read_hours(values["hours"], errors)
    if not values["always_open"] and not hours and not any(k.startswith("hours_") for k in errors):
        errors["hours"] = "give the opening hours of at least one day, or mark the policy 24x7"
    calendar = BusinessCalendar(values["timezone"], hours, tuple(words(values["holidays"])))
    return values, targets, calendar


def read_hours(texts: dict[int, str], errors: dict[str, str]) -> tuple[OpeningHours, ...]:
    """Each day's opening intervals (``09:00-12:00 13:00-17:00``; empty: closed), in the
    calendar's own form ("9:00" becomes "09:00"); a field that is not a list of intervals
    is noted in ``errors``. Whether intervals overlap the calendar itself checks."""
    found: list[OpeningHours] = []
    for day, text in texts.items():
        intervals = HOURS.findall(text)
        if HOURS.sub(" ", text).replace(",", " ").strip():
            errors[f"hours_{day}"] = ("write the hours as 09:00-17:00 (several separated by "
                                      "spaces), or leave the day empty when closed")
            continue
        found += [OpeningHours(day, f"{int(h1):02d}:{m1}", f"{int(h2):02d}:{m2}")
                  for h1, m1, h2, m2 in intervals]
    return tuple(found)


def policy_rows(services: Services) -> list[SlaPolicyOut]:
    """Every policy as the JSON API lists it (targets and calendar decoded)."""
    return [policy_row(row) for row in Lookups(services).policies]


class SlaPolicyAdminController(ConsoleController):
    """SLA policies."""

    path = "/console/admin/sla-policies"

    def _form(self, request: Request[Any, Any, Any], services: Services, template: str,
              status: int, values: dict[str, Any], summary: str | None,
              errors: dict[str, str]) -> Template:
        if template.endswith("policies.html"):
            return listing(request, services, template, status=status, values=values,
                           error=summary, errors=errors, weekdays=WEEKDAYS,
                           rows=policy_rows(services))
        return page(request, template, status=status, values=values, error=summary,
                    errors=errors, weekdays=WEEKDAYS, priorities=list(Priority))

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], services: ServicesDep,
              agent: AgentDep) -> Template:
        """Every policy, and the form to add one."""
        admin(agent)
        return listing(request, services, "console/admin/policies.html",
                       values=policy_values(None), weekdays=WEEKDAYS, rows=policy_rows(services))

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
               data: FormData) -> Template | Redirect:
        """Add a policy."""
        admin(agent)
        errors: dict[str, str] = {}
        values, targets, calendar = read_policy(Form(data), errors)
        if errors:
            return self._form(request, services, "console/admin/policies.html", 422, values,
                              "Some fields need attention.", errors)
        try:
            saved = services.helpdesk.create_sla_policy(
                values["id"], name=values["name"], actor=agent.actor, targets=targets,
                calendar=calendar, auto_close_days=values["auto_close_days"])
        except DomainError as error:
            summary, fields = form_errors(error)
            return self._form(request, services, "console/admin/policies.html", 422, values,
                              summary, fields)
        return redirect("/console/admin/sla-policies", done="created", pos=saved.position)

    @get("/{slug:str}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             slug: FromPath[str]) -> Template:
        """One policy."""
        admin(agent)
        values = policy_values(services.helpdesk.get_sla_policy(slug[:64]))
        return self._form(request, services, "console/admin/policy.html", 200, values, None, {})

    @post("/{slug:str}", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             slug: FromPath[str], data: FormData) -> Template | Redirect:
        """Change a policy (tickets keep the terms they were opened under)."""
        admin(agent)
        policy = services.helpdesk.get_sla_policy(slug[:64])
        form = Form(data)
        errors: dict[str, str] = {}
        values, targets, calendar = read_policy(form, errors)
        values.update(id=policy.slug, version=form.whole("version", errors, low=1))
        if errors:
            return self._form(request, services, "console/admin/policy.html", 422, values,
                              "Some fields need attention.", errors)
        try:
            saved = services.helpdesk.update_sla_policy(
                policy.slug, actor=agent.actor, name=values["name"], targets=targets,
                calendar=calendar, auto_close_days=values["auto_close_days"],
                expected_version=values["version"])
        except DomainError as error:
            summary, fields = form_errors(error)
            return self._form(request, services, "console/admin/policy.html",
                              422 if fields else 409, values, summary, fields)
        return redirect("/console/admin/sla-policies", done="saved", pos=saved.position)
