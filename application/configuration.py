"""Configuration commands: categories, agents (and their tokens), SLA policies, templates,
customers and their orders. All event-sourced, so auditors see who changed what."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.base import HelpdeskBase, Saved
from application.hints import Hints
from application.templating import check_template, render
from application.tokens import hash_token, new_token
from domain.agent import Agent, AgentCredential
from domain.calendar import ALWAYS_OPEN, BusinessCalendar
from domain.category import Category
from domain.customer import Customer, Order
from domain.errors import InvalidInput, NotFound
from domain.rules import check_email, check_slug, slugify
from domain.sla import (
    AUTO_CLOSE_DAYS_DEFAULT,
    DEFAULT_POLICY,
    DEFAULT_TARGETS,
    SlaPolicy,
    SlaTarget,
)
from domain.template import Template
from domain.values import Actor, Priority, Role

SYSTEM = Actor.system("setup")


@dataclass(frozen=True)
class AgentWithToken:
    """A new agent (or one whose token was rotated) and the token, shown once."""

    agent: Agent
    token: str
    position: int


class ConfigurationCommands(HelpdeskBase):
    """Create and change the desk's configuration."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._agent_hints: Hints[UUID, UUID] = Hints()

    def _existing(self, cls: type[Any], key: str, kind: str) -> Any:
        found = self.find(cls, cls.create_id(key))
        if found is None:
            raise NotFound(kind, key)
        return found

    def _create(self, cls: type[Any], key: str, make: Callable[[], Any]) -> Saved[Any]:
        if self.find(cls, cls.create_id(key)) is not None:
            raise InvalidInput.field("id", f"{key!r} already exists")
        aggregate = make()
        return Saved(aggregate, self.save_all(aggregate))

    def ensure_defaults(self) -> None:
        """Create the ``general`` category and the ``default`` SLA policy if missing."""
        if self.find(SlaPolicy, SlaPolicy.create_id(DEFAULT_POLICY)) is None:
            self.create_sla_policy(DEFAULT_POLICY, name="Default", actor=SYSTEM)
        if self.find(Category, Category.create_id("general")) is None:
            self.create_category("general", name="General", actor=SYSTEM,
                                 description="Anything that fits no other category")

    # -- categories -------------------------------------------------------------------

    def create_category(self, slug: str | None = None, *, name: str, actor: Actor,
                        description: str = "", default_priority: Priority = Priority.MEDIUM,
                        auto_response_template: str | None = None,
                        sla_policy: str | None = None) -> Saved[Category]:
        """Create a category; its slug is given or derived from the name."""
        key = check_slug("id", slug if slug is not None else slugify(name))
        self._check_references(auto_response_template, sla_policy)
        return self._create(Category, key, lambda: Category.create(
            key, actor=actor, name=name, description=description,
            default_priority=default_priority, auto_response_template=auto_response_template,
            sla_policy=sla_policy, at=self.clock()))

    def update_category(self, slug: str, *, actor: Actor, name: str | None = None,
                        description: str | None = None, active: bool | None = None,
                        default_priority: Priority | None = None,
                        auto_response_template: str | None = "",
                        sla_policy: str | None = "",
                        expected_version: int | None = None) -> Saved[Category]:
        """Change some settings; ``""`` leaves a reference unchanged, ``None`` clears it."""

        def command(c: Category) -> None:
            template = c.auto_response_template if auto_response_template == "" else (
                auto_response_template)
            policy = c.sla_policy if sla_policy == "" else sla_policy
            self._check_references(template, policy)
            c.configure(actor=actor, name=c.name if name is None else name,
                        description=c.description if description is None else description,
                        active=c.active if active is None else active,
                        default_priority=default_priority or c.default_priority,
                        auto_response_template=template, sla_policy=policy, at=self.clock())

        return self.update(lambda: self._existing(Category, slug, "category"), command,
                           expected_version)

    def _check_references(self, template: str | None, policy: str | None) -> None:
        errors = {}
        if template and self.find(Template, Template.create_id(template)) is None:
            errors["auto_response_template"] = f"unknown template {template!r}"
        if policy and self.find(SlaPolicy, SlaPolicy.create_id(policy)) is None:
            errors["sla_policy"] = f"unknown SLA policy {policy!r}"
        if errors:
            raise InvalidInput(errors)

    # -- agents -----------------------------------------------------------------------

    def create_agent(self, *, email: str, name: str, role: Role, actor: Actor,
                     skills: Iterable[str] = (), branches: Iterable[str] = (),
                     capacity: int = 20, escalation: bool = False) -> AgentWithToken:
        """Create an agent account and its first API token (returned once)."""
        address = check_email("email", email)
        if self.find(Agent, Agent.create_id(address)) is not None:
            raise InvalidInput.field("email", f"an agent with e-mail {address} already exists")
        skills = tuple(skills)
        self._check_skills(skills)
        agent = Agent.register(address, actor=actor, name=name, role=role, skills=skills,
                               branches=branches, capacity=capacity, escalation=escalation,
                               at=self.clock())
        return self._issue_token(agent, actor)

    def update_agent(self, agent_id: str, *, actor: Actor, name: str | None = None,
                     role: Role | None = None, skills: Iterable[str] | None = None,
                     branches: Iterable[str] | None = None, capacity: int | None = None,
                     escalation: bool | None = None, active: bool | None = None,
                     expected_version: int | None = None) -> Saved[Agent]:
        """Change some of an agent's profile."""
        if skills is not None:
            skills = tuple(skills)
            self._check_skills(skills)

        def command(a: Agent) -> None:
            a.set_profile(actor=actor, name=a.name if name is None else name,
                          role=role or a.role, skills=a.skills if skills is None else skills,
                          branches=a.branches if branches is None else branches,
                          capacity=a.capacity if capacity is None else capacity,
                          escalation=a.escalation if escalation is None else escalation,
                          active=a.active if active is None else active, at=self.clock())

        return self.update(lambda: self.get_agent(agent_id), command, expected_version)

    def rotate_agent_token(self, agent_id: str, *, actor: Actor) -> AgentWithToken:
        """Issue a new token; the old one stops working at once."""
        return self._issue_token(self.get_agent(agent_id), actor)

    def authenticate_agent(self, token: str) -> Agent | None:
        """The active agent this bearer token belongs to, or None.

        The credential and its agent are read in one statement when this process has
        seen the token before (it then knows which agent to read along); both are read
        from the event store on every call, so a revoked token or a deactivated agent is
        refused at once."""
        key = AgentCredential.create_id(hash_token(token))
        hinted = self._agent_hints.get(key)
        read = self.find_many((AgentCredential, key), *([(Agent, hinted)] if hinted else []))
        credential = read.get(AgentCredential, key)
        if credential is None or credential.revoked:
            self._agent_hints.forget(key)
            return None
        agent_id = UUID(credential.agent_id)
        self._agent_hints.learn(key, agent_id)
        agent = read.get(Agent, agent_id) if agent_id in read else self.find(Agent, agent_id)
        return agent if agent is not None and agent.active else None

    def _issue_token(self, agent: Agent, actor: Actor) -> AgentWithToken:
        token = new_token()
        token_hash = hash_token(token)
        old = None
        if agent.token_hash is not None:
            old = self.find(AgentCredential, AgentCredential.create_id(agent.token_hash))
            if old is not None:
                old.revoke(at=self.clock())
        agent.issue_token(token_hash, actor=actor, at=self.clock())
        credential = AgentCredential.create(token_hash, agent.agent_id, at=self.clock())
        return AgentWithToken(agent, token, self.save_all(agent, old, credential))

    def _check_skills(self, skills: Iterable[str]) -> None:
        unknown = [s for s in skills if self.find(Category, Category.create_id(s)) is None]
        if unknown:
            raise InvalidInput.field("skills", f"unknown categories: {', '.join(unknown)}")

    # -- SLA policies -----------------------------------------------------------------

    def create_sla_policy(self, slug: str, *, name: str, actor: Actor,
                          targets: Iterable[SlaTarget] = DEFAULT_TARGETS,
                          calendar: BusinessCalendar = ALWAYS_OPEN,
                          auto_close_days: int = AUTO_CLOSE_DAYS_DEFAULT) -> Saved[SlaPolicy]:
        """Create an SLA policy."""
        return self._create(SlaPolicy, check_slug("id", slug), lambda: SlaPolicy.create(
            slug, actor=actor, name=name, targets=targets, calendar=calendar,
            auto_close_days=auto_close_days, at=self.clock()))

    def update_sla_policy(self, slug: str, *, actor: Actor, name: str | None = None,
                          targets: Iterable[SlaTarget] | None = None,
                          calendar: BusinessCalendar | None = None,
                          auto_close_days: int | None = None,
                          expected_version: int | None = None) -> Saved[SlaPolicy]:
        """Change some of a policy."""
        return self.update(
            lambda: self.get_sla_policy(slug),
            lambda p: p.define(actor=actor, name=p.name if name is None else name,
                               targets=p.targets if targets is None else targets,
                               calendar=p.calendar if calendar is None else calendar,
                               auto_close_days=(p.auto_close_days if auto_close_days is None
                                                else auto_close_days),
                               at=self.clock()),
            expected_version)

    def get_sla_policy(self, slug: str) -> SlaPolicy:
        """The policy with this slug."""
        policy: SlaPolicy = self._existing(SlaPolicy, slug, "SLA policy")
        return policy

    # -- templates --------------------------------------------------------------------

    def create_template(self, slug: str, *, name: str, subject: str, body: str,
                        actor: Actor) -> Saved[Template]:
        """Create a template after checking its variables in the sandbox."""
        check_template(subject=subject, body=body)
        return self._create(Template, check_slug("id", slug), lambda: Template.create(
            slug, actor=actor, name=name, subject=subject, body=body, at=self.clock()))

    def update_template(self, slug: str, *, actor: Actor, name: str | None = None,
                        subject: str | None = None, body: str | None = None,
                        active: bool | None = None,
                        expected_version: int | None = None) -> Saved[Template]:
        """Change a template; the new text is checked in the sandbox first."""

        def command(t: Template) -> None:
            new_subject = t.subject if subject is None else subject
            new_body = t.body if body is None else body
            check_template(subject=new_subject, body=new_body)
            t.write(actor=actor, name=t.name if name is None else name, subject=new_subject,
                    body=new_body, active=t.active if active is None else active,
                    at=self.clock())

        return self.update(lambda: self._existing(Template, slug, "template"), command,
                           expected_version)

    def get_template(self, slug: str) -> Template:
        """The template with this slug."""
        template: Template = self._existing(Template, slug, "template")
        return template

    def render_template(self, slug: str, context: dict[str, dict[str, Any]]) -> tuple[str, str]:
        """Subject and body of an active template rendered in the sandbox."""
        template = self.get_template(slug)
        if not template.active:
            raise InvalidInput.field("template", f"template {slug!r} is not active")
        return render(template.subject, context), render(template.body, context)

    # -- customers --------------------------------------------------------------------

    def upsert_customer(self, *, email: str, name: str, phone: str | None = None,
                        branch: str | None = None,
                        orders: Iterable[Order] = ()) -> Saved[Customer]:
        """Register a customer or update their details, and link orders."""
        address = check_email("email", email)
        wanted = tuple(orders)

        def load() -> Customer:
            found = self.find(Customer, Customer.create_id(address))
            return found or Customer.register(address, name, phone, branch, at=self.clock())

        def command(c: Customer) -> None:
            c.update(name, phone, branch, at=self.clock())
            for order in wanted:
                c.link_order(order, at=self.clock())

        return self.update(load, command)

    def link_order(self, email: str, order: Order) -> Saved[Customer]:
        """Link an order to an existing customer."""
        address = check_email("email", email)
        return self.update(lambda: self._existing(Customer, address, "customer"),
                           lambda c: c.link_order(order, at=self.clock()))
