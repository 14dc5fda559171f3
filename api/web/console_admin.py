"""``/console/admin/categories`` and ``/console/admin/templates`` (admins): lists from the
read models, changes through the application's commands (with the version seen)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.auth import AgentDep, AgentPrincipal
from api.services import Services, ServicesDep
from api.web.common import ConsoleController, Form, catch_up, form_errors, page, redirect
from api.web.lookups import Lookups
from domain.category import Category
from domain.errors import DomainError, NotFound
from domain.template import TEMPLATE_VARIABLES
from domain.values import Priority, Role

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
NOTICES = {"created": "Created.", "saved": "Saved."}
VARIABLES = [f"{obj}.{attr}" for obj, attrs in TEMPLATE_VARIABLES.items() for attr in attrs]


def admin(agent: AgentPrincipal) -> None:
    """Refuse (403) anyone but admins."""
    agent.require(Role.ADMIN)


def listing(request: Request[Any, Any, Any], services: Services, template: str, *,
            status: int = 200, **context: Any) -> Template:
    """An admin list page (after waiting for the write the redirect names)."""
    catch_up(services, request.query_params.get("pos"))
    request.state["notice"] = NOTICES.get(request.query_params.get("done") or "")
    return page(request, template, status=status, lookups=Lookups(services),
                priorities=list(Priority), variables=VARIABLES,
                **{"error": None, "errors": {}, "values": {}, **context})


def category_values(category: Category) -> dict[str, Any]:
    """A category as the edit form shows it."""
    return {"name": category.name, "description": category.description,
            "active": category.active, "default_priority": category.default_priority.value,
            "auto_response_template": category.auto_response_template or "",
            "sla_policy": category.sla_policy or "", "version": category.version}


class CategoryAdminController(ConsoleController):
    """Categories."""

    path = "/console/admin/categories"

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], services: ServicesDep,
              agent: AgentDep) -> Template:
        """Every category, and the form to add one."""
        admin(agent)
        return listing(request, services, "console/admin/categories.html")

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
               data: FormData) -> Template | Redirect:
        """Add a category."""
        admin(agent)
        form = Form(data)
        values = {name: form.text(name) for name in (
            "id", "name", "description", "default_priority", "auto_response_template",
            "sla_policy")}
        try:
            priority = Priority(values["default_priority"] or "medium")
            saved = services.helpdesk.create_category(
                values["id"] or None, name=values["name"], actor=agent.actor,
                description=values["description"], default_priority=priority,
                auto_response_template=values["auto_response_template"] or None,
                sla_policy=values["sla_policy"] or None)
        except ValueError:
            return listing(request, services, "console/admin/categories.html", status=422,
                           values=values, error="Some fields need attention.",
                           errors={"default_priority": "choose a priority"})
        except DomainError as error:
            summary, fields = form_errors(error)
            return listing(request, services, "console/admin/categories.html", status=422,
                           values=values, error=summary, errors=fields)
        return redirect("/console/admin/categories", done="created", pos=saved.position)

    @get("/{slug:str}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             slug: FromPath[str]) -> Template:
        """One category's settings."""
        admin(agent)
        category = self._load(services, slug)
        return page(request, "console/admin/category.html", slug=category.slug,
                    values=category_values(category), lookups=Lookups(services),
                    priorities=list(Priority), error=None, errors={})

    @post("/{slug:str}", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             slug: FromPath[str], data: FormData) -> Template | Redirect:
        """Change a category (refused when it changed since the form was loaded)."""
        admin(agent)
        category = self._load(services, slug)
        form = Form(data)
        errors: dict[str, str] = {}
        values: dict[str, Any] = {
            "name": form.text("name"), "description": form.text("description"),
            "active": form.text("active") == "on",
            "default_priority": form.text("default_priority"),
            "auto_response_template": form.text("auto_response_template"),
            "sla_policy": form.text("sla_policy"),
            "version": form.whole("version", errors, low=1)}
        if values["default_priority"] not in {p.value for p in Priority}:
            errors["default_priority"] = "choose a priority"

        def again(status: int, summary: str, fields: dict[str, str]) -> Template:
            return page(request, "console/admin/category.html", status=status,
                        slug=category.slug, values=values, lookups=Lookups(services),
                        priorities=list(Priority), error=summary, errors=fields)

        if errors:
            return again(422, "Some fields need attention.", errors)
        try:
            saved = services.helpdesk.update_category(
                category.slug, actor=agent.actor, name=values["name"],
                description=values["description"], active=values["active"],
                default_priority=Priority(values["default_priority"]),
                auto_response_template=values["auto_response_template"] or None,
                sla_policy=values["sla_policy"] or None, expected_version=values["version"])
        except DomainError as error:
            summary, fields = form_errors(error)
            return again(422 if fields else 409, summary, fields)
        return redirect("/console/admin/categories", done="saved", pos=saved.position)

    @staticmethod
    def _load(services: Services, slug: str) -> Category:
        found = services.helpdesk.find(Category, Category.create_id(slug[:64]))
        if found is None:
            raise NotFound("category", slug[:64])
        return found


class TemplateAdminController(ConsoleController):
    """Reply templates."""

    path = "/console/admin/templates"

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], services: ServicesDep,
              agent: AgentDep) -> Template:
        """Every template, and the form to add one."""
        admin(agent)
        return listing(request, services, "console/admin/templates.html")

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
               data: FormData) -> Template | Redirect:
        """Add a template (unknown variables are refused)."""
        admin(agent)
        form = Form(data)
        values = {name: form.text(name) for name in ("id", "name", "subject", "body")}
        try:
            saved = services.helpdesk.create_template(
                values["id"], name=values["name"], subject=values["subject"],
                body=values["body"], actor=agent.actor)
        except DomainError as error:
            summary, fields = form_errors(error)
            return listing(request, services, "console/admin/templates.html", status=422,
                           values=values, error=summary, errors=fields)
        return redirect("/console/admin/templates", done="created", pos=saved.position)

    @get("/{slug:str}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             slug: FromPath[str]) -> Template:
        """One template."""
        admin(agent)
        found = services.helpdesk.get_template(slug[:64])
        values = {"name": found.name, "subject": found.subject, "body": found.body,
                  "active": found.active, "version": found.version}
        return page(request, "console/admin/template.html", slug=found.slug, values=values,
                    variables=VARIABLES, error=None, errors={})

    @post("/{slug:str}", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             slug: FromPath[str], data: FormData) -> Template | Redirect:
        """Change a template (its text is checked like a new one)."""
        admin(agent)
        found = services.helpdesk.get_template(slug[:64])
        form = Form(data)
        errors: dict[str, str] = {}
        values: dict[str, Any] = {
            "name": form.text("name"), "subject": form.text("subject"),
            "body": form.text("body"), "active": form.text("active") == "on",
            "version": form.whole("version", errors, low=1)}
        if errors:
            return page(request, "console/admin/template.html", status=422, slug=found.slug,
                        values=values, variables=VARIABLES,
                        error="Some fields need attention.", errors=errors)
        try:
            saved = services.helpdesk.update_template(
                found.slug, actor=agent.actor, name=values["name"], subject=values["subject"],
                body=values["body"], active=values["active"],
                expected_version=values["version"])
        except DomainError as error:
            summary, fields = form_errors(error)
            return page(request, "console/admin/template.html", status=422 if fields else 409,
                        slug=found.slug, values=values, variables=VARIABLES, error=summary,
                        errors=fields)
        return redirect("/console/admin/templates", done="saved", pos=saved.position)
