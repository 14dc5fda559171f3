"""``/api/v1/categories``, ``/agents``, ``/sla-policies`` and ``/templates``: every
authenticated role reads the configuration (from the read models); admins change it
(through the application, with ``If-Match`` on the aggregate's version)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.di import Provide
from litestar.params import JSONBody, PathParameter, QueryParameter

from api.auth import AgentDep, current_agent
from api.controllers.tickets import visible_ticket
from api.params import IfMatch, etag, expected_version, wait_for_position
from api.presenters_configuration import (
    agent_out,
    agent_summary,
    calendar_of,
    category_out,
    category_row,
    policy_out,
    policy_row,
    target_of,
    template_out,
    template_row,
)
from api.schemas.configuration import (
    AgentIn,
    AgentList,
    AgentOut,
    AgentPatch,
    AgentTokenOut,
    CategoryIn,
    CategoryList,
    CategoryOut,
    CategoryPatch,
    PreviewIn,
    PreviewOut,
    SlaPolicyIn,
    SlaPolicyList,
    SlaPolicyOut,
    SlaPolicyPatch,
    TemplateIn,
    TemplateList,
    TemplateOut,
    TemplatePatch,
)
from api.services import Services, ServicesDep
from application.configuration import AgentWithToken
from application.templating import ticket_context
from domain.values import Role
from projections.queries.configuration import (
    list_agents,
    list_categories,
    list_sla_policies,
    list_templates,
)
from projections.queries.keyset import Page

Key = Annotated[str, PathParameter(max_length=64)]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Cursor = Annotated[str | None, QueryParameter(max_length=512)]
MinPosition = Annotated[int | None, QueryParameter(ge=0)]
UNSET = msgspec.UNSET


def given(value: Any) -> Any:
    """``None`` for a field a patch left out (the commands' "keep as is")."""
    return None if value is UNSET else value


def read_page(services: Services, min_position: int | None,
              query: Callable[..., Page], limit: int, cursor: str | None) -> Page:
    """A page of a configuration list, once the read models include ``min_position``."""
    wait_for_position(services, min_position)
    with services.read.store.reader.connect() as conn:
        return query(conn, limit=limit, cursor=cursor)


def written(body: Any, version: int, location: str | None = None) -> Response[Any]:
    """The answer to a write: the new state, its ETag, and (when created) its Location."""
    if location is None:
        return Response(body, headers=etag(version))
    return Response(body, status_code=201, headers={**etag(version), "Location": location})


class ConfigurationController(Controller):
    """Shared by the configuration controllers: the caller is an authenticated agent."""

    dependencies = {"agent": Provide(current_agent, sync_to_thread=True)}
    security = [{"bearer": []}]
    tags = ["configuration"]


class CategoryController(ConfigurationController):
    """Categories of tickets, with their default priority, auto-response and SLA policy."""

    path = "/api/v1/categories"

    @get("/", operation_id="listCategories", sync_to_thread=True)
    def list_categories(self, services: ServicesDep, agent: AgentDep, limit: Limit = 50,
                        cursor: Cursor = None, min_position: MinPosition = None) -> CategoryList:
        """Every category (active or not), by slug."""
        page = read_page(services, min_position, list_categories, limit, cursor)
        return CategoryList([category_row(r) for r in page.items], page.next_cursor)

    @post("/", operation_id="createCategory", sync_to_thread=True)
    def create_category(self, services: ServicesDep, agent: AgentDep,
                        data: JSONBody[CategoryIn]) -> Response[CategoryOut]:
        """Create a category (admins)."""
        agent.require(Role.ADMIN)
        saved = services.helpdesk.create_category(
            data.id, name=data.name, actor=agent.actor, description=data.description,
            default_priority=data.default_priority,
            auto_response_template=data.auto_response_template, sla_policy=data.sla_policy)
        slug = saved.aggregate.slug
        return written(category_out(saved.aggregate, saved.position), saved.version,
                       f"{self.path}/{slug}")

    @patch("/{slug:str}", operation_id="updateCategory", sync_to_thread=True)
    def update_category(self, services: ServicesDep, agent: AgentDep, slug: Key,
                        data: JSONBody[CategoryPatch],
                        if_match: IfMatch = None) -> Response[CategoryOut]:
        """Change some settings (admins); ``null`` clears a reference."""
        agent.require(Role.ADMIN)
        keep = ""  # the command's "leave this reference as it is"
        template, policy = data.auto_response_template, data.sla_policy
        saved = services.helpdesk.update_category(
            slug, actor=agent.actor, name=given(data.name), description=given(data.description),
            active=given(data.active), default_priority=given(data.default_priority),
            auto_response_template=keep if template is UNSET else template,
            sla_policy=keep if policy is UNSET else policy,
            expected_version=expected_version(if_match))
        return written(category_out(saved.aggregate, saved.position), saved.version)


class AgentController(ConfigurationController):
    """Agent accounts, their workload and their API tokens."""

    path = "/api/v1/agents"

    @get("/", operation_id="listAgents", sync_to_thread=True)
    def list_agents(self, services: ServicesDep, agent: AgentDep, limit: Limit = 50,
                    cursor: Cursor = None, min_position: MinPosition = None) -> AgentList:
        """Every agent with open and total assignments, by name."""
        page = read_page(services, min_position, list_agents, limit, cursor)
        return AgentList([agent_summary(r) for r in page.items], page.next_cursor)

    @get("/{agent_id:str}", operation_id="getAgent", sync_to_thread=True)
    def show_agent(self, services: ServicesDep, agent: AgentDep,
                   agent_id: Key) -> Response[AgentOut]:
        """One agent's profile, with its version as ETag (for ``If-Match``)."""
        found = services.helpdesk.get_agent(agent_id)
        return Response(agent_out(found), headers=etag(found.version))

    @post("/", operation_id="createAgent", sync_to_thread=True)
    def create_agent(self, services: ServicesDep, agent: AgentDep,
                     data: JSONBody[AgentIn]) -> Response[AgentTokenOut]:
        """Create an account (admins); its API token is in the answer, only this once."""
        agent.require(Role.ADMIN)
        created = services.helpdesk.create_agent(
            email=data.email, name=data.name, role=data.role, actor=agent.actor,
            skills=data.skills, branches=data.branches, capacity=data.capacity,
            escalation=data.escalation)
        return self._with_token(created, status_code=201)

    @patch("/{agent_id:str}", operation_id="updateAgent", sync_to_thread=True)
    def update_agent(self, services: ServicesDep, agent: AgentDep, agent_id: Key,
                     data: JSONBody[AgentPatch], if_match: IfMatch = None) -> Response[AgentOut]:
        """Change some of a profile (admins)."""
        agent.require(Role.ADMIN)
        saved = services.helpdesk.update_agent(
            agent_id, actor=agent.actor, name=given(data.name), role=given(data.role),
            skills=given(data.skills), branches=given(data.branches),
            capacity=given(data.capacity), escalation=given(data.escalation),
            active=given(data.active), expected_version=expected_version(if_match))
        return written(agent_out(saved.aggregate, saved.position), saved.version)

    @post("/{agent_id:str}/token", operation_id="rotateAgentToken", sync_to_thread=True)
    def rotate_token(self, services: ServicesDep, agent: AgentDep,
                     agent_id: Key) -> Response[AgentTokenOut]:
        """Issue a new API token (admins); the old one stops working at once."""
        agent.require(Role.ADMIN)
        rotated = services.helpdesk.rotate_agent_token(agent_id, actor=agent.actor)
        return self._with_token(rotated, status_code=201)

    def _with_token(self, issued: AgentWithToken, status_code: int) -> Response[AgentTokenOut]:
        body = AgentTokenOut(agent_out(issued.agent, issued.position), issued.token,
                             issued.position)
        return Response(body, status_code=status_code, headers={
            **etag(issued.agent.version), "Location": f"{self.path}/{issued.agent.agent_id}",
            "Cache-Control": "no-store"})


class SlaPolicyController(ConfigurationController):
    """SLA policies: targets per priority on a business calendar."""

    path = "/api/v1/sla-policies"

    @get("/", operation_id="listSlaPolicies", sync_to_thread=True)
    def list_policies(self, services: ServicesDep, agent: AgentDep, limit: Limit = 50,
                      cursor: Cursor = None, min_position: MinPosition = None) -> SlaPolicyList:
        """Every SLA policy, by slug."""
        page = read_page(services, min_position, list_sla_policies, limit, cursor)
        return SlaPolicyList([policy_row(r) for r in page.items], page.next_cursor)

    @post("/", operation_id="createSlaPolicy", sync_to_thread=True)
    def create_policy(self, services: ServicesDep, agent: AgentDep,
                      data: JSONBody[SlaPolicyIn]) -> Response[SlaPolicyOut]:
        """Create a policy (admins)."""
        agent.require(Role.ADMIN)
        extra: dict[str, Any] = {}
        if data.targets is not None:
            extra["targets"] = [target_of(t) for t in data.targets]
        if data.calendar is not None:
            extra["calendar"] = calendar_of(data.calendar)
        saved = services.helpdesk.create_sla_policy(
            data.id, name=data.name, actor=agent.actor, auto_close_days=data.auto_close_days,
            **extra)
        return written(policy_out(saved.aggregate, saved.position), saved.version,
                       f"{self.path}/{saved.aggregate.slug}")

    @patch("/{slug:str}", operation_id="updateSlaPolicy", sync_to_thread=True)
    def update_policy(self, services: ServicesDep, agent: AgentDep, slug: Key,
                      data: JSONBody[SlaPolicyPatch],
                      if_match: IfMatch = None) -> Response[SlaPolicyOut]:
        """Change some of a policy (admins); tickets keep the terms they were opened under."""
        agent.require(Role.ADMIN)
        targets = None if data.targets is UNSET else [target_of(t) for t in data.targets]
        calendar = None if data.calendar is UNSET else calendar_of(data.calendar)
        saved = services.helpdesk.update_sla_policy(
            slug, actor=agent.actor, name=given(data.name), targets=targets, calendar=calendar,
            auto_close_days=given(data.auto_close_days),
            expected_version=expected_version(if_match))
        return written(policy_out(saved.aggregate, saved.position), saved.version)


class TemplateController(ConfigurationController):
    """Reply templates."""

    path = "/api/v1/templates"

    @get("/", operation_id="listTemplates", sync_to_thread=True)
    def list_templates(self, services: ServicesDep, agent: AgentDep, limit: Limit = 50,
                       cursor: Cursor = None, min_position: MinPosition = None) -> TemplateList:
        """Every template (active or not), by slug."""
        page = read_page(services, min_position, list_templates, limit, cursor)
        return TemplateList([template_row(r) for r in page.items], page.next_cursor)

    @post("/", operation_id="createTemplate", sync_to_thread=True)
    def create_template(self, services: ServicesDep, agent: AgentDep,
                        data: JSONBody[TemplateIn]) -> Response[TemplateOut]:
        """Create a template (admins); unknown variables are refused (422)."""
        agent.require(Role.ADMIN)
        saved = services.helpdesk.create_template(data.id, name=data.name,
                                                  subject=data.subject, body=data.body,
                                                  actor=agent.actor)
        return written(template_out(saved.aggregate, saved.position), saved.version,
                       f"{self.path}/{saved.aggregate.slug}")

    @patch("/{slug:str}", operation_id="updateTemplate", sync_to_thread=True)
    def update_template(self, services: ServicesDep, agent: AgentDep, slug: Key,
                        data: JSONBody[TemplatePatch],
                        if_match: IfMatch = None) -> Response[TemplateOut]:
        """Change a template (admins); the new text is checked like a new one."""
        agent.require(Role.ADMIN)
        saved = services.helpdesk.update_template(
            slug, actor=agent.actor, name=given(data.name), subject=given(data.subject),
            body=given(data.body), active=given(data.active),
            expected_version=expected_version(if_match))
        return written(template_out(saved.aggregate, saved.position), saved.version)

    @post("/{slug:str}/preview", operation_id="previewTemplate", status_code=200,
          sync_to_thread=True)
    def preview(self, services: ServicesDep, agent: AgentDep, slug: Key,
                data: JSONBody[PreviewIn]) -> PreviewOut:
        """Render an active template for a ticket the caller may see (agents and admins)."""
        agent.require(Role.AGENT, Role.ADMIN)
        ticket = visible_ticket(services, agent, data.ticket)
        url = f"{services.settings.public_url}/portal/tickets/{ticket.number}"
        context = ticket_context(ticket, url=url, agent=services.helpdesk.get_agent(agent.id))
        subject, body = services.helpdesk.render_template(slug, context)
        return PreviewOut(template=slug, ticket=ticket.number, subject=subject, body=body)
