"""Turn configuration aggregates and read-model rows into response bodies, and request
bodies into the domain's values."""

from __future__ import annotations

from typing import Any

import msgspec

from api.schemas.configuration import (
    AgentOut,
    AgentSummary,
    CalendarBody,
    CategoryOut,
    OpeningHoursBody,
    SlaPolicyOut,
    TargetBody,
    TemplateOut,
)
from domain.agent import Agent
from domain.calendar import BusinessCalendar, OpeningHours
from domain.category import Category
from domain.sla import SlaPolicy, SlaTarget
from domain.template import Template
from domain.values import Priority, Role


def category_out(category: Category, position: int = 0) -> CategoryOut:
    """A category as stored."""
    return CategoryOut(
        id=category.slug, name=category.name, description=category.description,
        active=category.active, default_priority=category.default_priority,
        auto_response_template=category.auto_response_template,
        sla_policy=category.sla_policy, version=category.version,
        updated_at=category.modified_on, position=position)


def category_row(row: dict[str, Any]) -> CategoryOut:
    """A ``categories`` row."""
    return CategoryOut(
        id=row["slug"], name=row["name"], description=row["description"],
        active=row["active"], default_priority=Priority(row["default_priority"]),
        auto_response_template=row["auto_response_template"], sla_policy=row["sla_policy"],
        version=row["version"], updated_at=row["updated_at"])


def agent_out(agent: Agent, position: int = 0) -> AgentOut:
    """An agent's profile as stored."""
    return AgentOut(
        id=agent.agent_id, email=agent.email, name=agent.name, role=Role(agent.role),
        skills=list(agent.skills), branches=list(agent.branches), capacity=agent.capacity,
        escalation=agent.escalation, active=agent.active, version=agent.version,
        position=position)


def agent_summary(row: dict[str, Any]) -> AgentSummary:
    """An ``agent_workload`` row."""
    return AgentSummary(
        id=row["agent_id"], email=row["email"], name=row["name"], role=row["role"],
        active=row["active"], skills=row["skills"].split(), branches=row["branches"].split(),
        capacity=row["capacity"], escalation=row["escalation"],
        open_assigned=row["open_assigned"], assigned_total=row["assigned_total"],
        resolved_total=row["resolved_total"], last_assigned_at=row["last_assigned_at"],
        created_at=row["created_at"])


def target_body(target: SlaTarget) -> TargetBody:
    """A policy's target as a body."""
    return TargetBody(priority=target.priority,
                      first_response_minutes=target.first_response_minutes,
                      resolution_minutes=target.resolution_minutes)


def calendar_body(calendar: BusinessCalendar) -> CalendarBody:
    """A business calendar as a body."""
    return CalendarBody(
        timezone=calendar.timezone, holidays=list(calendar.holidays),
        hours=[OpeningHoursBody(weekday=h.weekday, start=h.start, end=h.end)
               for h in calendar.hours])


def target_of(body: TargetBody) -> SlaTarget:
    """The domain's target for a body."""
    return SlaTarget(body.priority, body.first_response_minutes, body.resolution_minutes)


def calendar_of(body: CalendarBody) -> BusinessCalendar:
    """The domain's calendar for a body."""
    return BusinessCalendar(
        timezone=body.timezone, holidays=tuple(body.holidays),
        hours=tuple(OpeningHours(h.weekday, h.start, h.end) for h in body.hours))


def policy_out(policy: SlaPolicy, position: int = 0) -> SlaPolicyOut:
    """An SLA policy as stored."""
    return SlaPolicyOut(
        id=policy.slug, name=policy.name, targets=[target_body(t) for t in policy.targets],
        calendar=calendar_body(policy.calendar), auto_close_days=policy.auto_close_days,
        version=policy.version, updated_at=policy.modified_on, position=position)


def policy_row(row: dict[str, Any]) -> SlaPolicyOut:
    """An ``sla_policies`` row (its targets and calendar are JSON text)."""
    return SlaPolicyOut(
        id=row["slug"], name=row["name"],
        targets=msgspec.json.decode(row["targets"], type=list[TargetBody]),
        calendar=msgspec.json.decode(row["calendar"], type=CalendarBody),
        auto_close_days=row["auto_close_days"], version=row["version"],
        updated_at=row["updated_at"])


def template_out(template: Template, position: int = 0) -> TemplateOut:
    """A template as stored."""
    return TemplateOut(
        id=template.slug, name=template.name, subject=template.subject, body=template.body,
        active=template.active, version=template.version, updated_at=template.modified_on,
        position=position)


def template_row(row: dict[str, Any]) -> TemplateOut:
    """A ``templates`` row."""
    return TemplateOut(
        id=row["slug"], name=row["name"], subject=row["subject"], body=row["body"],
        active=row["active"], version=row["version"], updated_at=row["updated_at"])
