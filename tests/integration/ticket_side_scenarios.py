"""Scenarios for the ticket-side read model tests: a help desk, its read store and a runner
(``Desk``), and stories told through the real application. Each test of
``test_read_models_ticket_side`` asserts on one story; the rebuild test replays them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select

from application.service import Helpdesk
from domain.agent import Agent
from domain.calendar import standard_week
from domain.ticket import Ticket
from domain.values import Actor, Channel, CustomerRef, Priority, Role, SlaMetric, Status
from domain.values import Visibility as V
from projections.daily_stats import DailyStatsReadModel
from projections.metrics import MetricsReadModel
from projections.read_model import ReadModel
from projections.runner import ProjectionRunner
from projections.sla import SlaReadModel
from projections.store import ReadStore
from projections.tables import agent_workload, ticket_sla
from projections.view import SqlView
from projections.workload import WorkloadReadModel

SETUP = Actor.system("test-setup")
MODELS: tuple[type[ReadModel], ...] = (SlaReadModel, MetricsReadModel, DailyStatsReadModel,
                                       WorkloadReadModel)
ALWAYS = '{"timezone":"UTC","hours":[],"holidays":[]}'


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026 (the clock starts on Monday the 2nd at 09:00 UTC)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@dataclass
class Desk:
    """A help desk on a real database, its read store, and a runner of the four models."""

    app: Helpdesk
    clock: Any
    store: ReadStore
    runner: ProjectionRunner

    def sync(self) -> None:
        self.runner.catch_up()

    def rows(self, table: Table) -> list[dict[str, Any]]:
        with self.store.reader.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
        return sorted(rows, key=lambda r: tuple(str(r[c.name]) for c in table.primary_key))

    def row(self, table: Table, key: str) -> dict[str, Any]:
        self.sync()
        (found,) = [r for r in self.rows(table) if r[table.primary_key.columns[0].name] == key]
        return found

    def open(self, **fields: Any) -> tuple[str, str, str]:
        """Open a ticket; its number, id and customer id."""
        opened = self.app.open_ticket(subject="Refund", description="Charged twice",
                                      customer_name="Bob", customer_email="bob@example.com",
                                      **fields)
        return opened.ticket.number, str(opened.ticket.id), opened.ticket.customer.id

    def agent(self, name: str) -> str:
        email = f"{name.lower()}@example.com"
        found = self.app.find(Agent, Agent.create_id(email))
        if found is not None:
            return found.agent_id
        return self.app.create_agent(email=email, name=name, role=Role.AGENT,
                                     actor=SETUP).agent.agent_id

    def later(self, minutes: float) -> None:
        self.clock.advance(minutes=minutes)

    def steps(self, *steps: tuple[float, Callable[[], Any]]) -> None:
        """Advance the clock by each step's minutes, then run it."""
        for minutes, step in steps:
            self.later(minutes)
            step()


def build_models(store: ReadStore) -> list[ReadModel]:
    """Fresh instances of the four ticket-side read models on ``store``."""
    return [cls(view=SqlView(store, cls.name)) for cls in MODELS]


def sla_pause_scenario(d: Desk) -> tuple[str, list[dict[str, Any]]]:
    app, ann = d.app, d.agent("Ann")
    agent, (number, ticket_id, customer) = Actor.agent(ann), d.open()
    seen = [d.row(ticket_sla, ticket_id)]

    def seen_after(step: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: (step(), seen.append(d.row(ticket_sla, ticket_id)))

    d.steps(
        (30, lambda: app.add_message(number, "note", author=agent, visibility=V.INTERNAL)),
        (30, lambda: app.assign(number, ann, actor=agent)),  # 10:00
        (0, lambda: app.add_message(number, "On it", author=agent)),
        (30, seen_after(lambda: app.change_status(number, Status.WAITING_CUSTOMER,
                                                  actor=agent))),
        (90, seen_after(lambda: app.add_message(number, "Here", author=Actor.customer(customer)))),
        (60, seen_after(lambda: app.change_status(number, Status.RESOLVED, actor=agent))),
        (60, seen_after(lambda: app.change_status(number, Status.IN_PROGRESS, actor=agent))),
        (30, seen_after(lambda: app.change_status(number, Status.CLOSED, actor=agent))),
    )
    return ann, seen


def sla_late_scenario(d: Desk) -> dict[str, str]:
    app, ann = d.app, d.agent("Ann")
    agent = Actor.agent(ann)
    (late, late_id, _), (paused, paused_id, _) = d.open(), d.open(priority=Priority.LOW)
    gone, gone_id, _ = d.open()
    bare = Ticket.open(number="TKT-2026-900001", subject="No terms", description="x",
                       customer=CustomerRef("c-1", "Cy", "cy@example.com"),
                       channel=Channel.API, category="general", priority=Priority.LOW,
                       actor=SETUP, access_token_hash="h", at=d.clock())  # sla=None
    app.save_all(bare)
    d.steps(
        (60, lambda: app.escalate(late, actor=agent)),  # 10:00
        (0, lambda: app.change_status(paused, Status.WAITING_CUSTOMER, actor=agent)),
        (0, lambda: app.record_sla_breach(gone, SlaMetric.RESOLUTION, at(2, 10),
                                          actor=SETUP)),
        (0, lambda: app.delete(gone, actor=agent)),
        (300, lambda: app.record_sla_breach(late, SlaMetric.FIRST_RESPONSE, at(2, 13),
                                            actor=SETUP)),
        (30, lambda: app.add_message(late, "Sorry for the wait", author=agent)),
        (19 * 60 - 30, lambda: app.change_status(late, Status.RESOLVED, actor=agent)),
        (7 * 24 * 60 - 60, lambda: app.change_status(paused, Status.RESOLVED, actor=agent)),
        (0, lambda: app.assign(bare.number, ann, actor=agent)),
    )
    return {"late": late_id, "paused": paused_id, "gone": gone_id, "bare": str(bare.id)}


def office_scenario(d: Desk) -> tuple[str, list[dict[str, Any]]]:
    app, ann = d.app, d.agent("Ann")
    app.create_sla_policy("office", name="Office", actor=SETUP, calendar=standard_week())
    app.create_category("billing", name="Billing", actor=SETUP, sla_policy="office")
    d.later(7 * 60)  # Monday 16:00
    number, ticket_id, customer = d.open(category="billing")
    seen = [d.row(ticket_sla, ticket_id)]
    d.later(18 * 60)  # Tuesday 10:00
    app.change_status(number, Status.WAITING_CUSTOMER, actor=Actor.agent(ann))
    d.later(24 * 60)  # Wednesday 10:00
    app.add_message(number, "Answer", author=Actor.customer(customer))
    seen.append(d.row(ticket_sla, ticket_id))
    d.later(60)
    app.change_category(number, "general", actor=Actor.agent(ann))
    return ticket_id, [*seen, d.row(ticket_sla, ticket_id)]


def metrics_scenario(d: Desk) -> str:
    app, ann = d.app, d.agent("Ann")
    agent, (number, ticket_id, customer) = Actor.agent(ann), d.open(branch="north")

    def status(to: Status) -> Callable[[], Any]:
        return lambda: app.change_status(number, to, actor=agent)

    def says(author: Actor, visibility: V = V.PUBLIC) -> Callable[[], Any]:
        return lambda: app.add_message(number, "text", author=author, visibility=visibility)

    d.steps((10, says(Actor.customer(customer))), (10, says(agent, V.INTERNAL)),
            (10, says(agent)), (0, says(Actor.system("bot"))),
            (15, lambda: app.assign(number, ann, actor=agent)),
            (15, status(Status.WAITING_CUSTOMER)), (60, says(Actor.customer(customer))),
            (30, status(Status.WAITING_CUSTOMER)), (30, status(Status.RESOLVED)),
            (60, says(Actor.customer(customer))), (30, lambda: app.escalate(number, actor=agent)),
            (30, status(Status.RESOLVED)), (30, status(Status.IN_PROGRESS)),
            (30, status(Status.CLOSED)),
            (0, lambda: app.record_sla_breach(number, SlaMetric.RESOLUTION, at(2, 15),
                                              actor=SETUP)),
            (0, lambda: app.delete(number, actor=agent)))
    return ticket_id


def daily_scenario(d: Desk) -> None:
    app, ann = d.app, d.agent("Ann")
    agent = Actor.agent(ann)
    app.create_category("returns", name="Returns", actor=SETUP)
    one, _, _ = d.open()
    d.later(30)
    two, _, _ = d.open(priority=Priority.HIGH, branch="north")
    d.steps(
        (30, lambda: app.add_message(one, "Hi", author=agent)),
        (30, lambda: app.add_message(one, "Again", author=agent)),
        (30, lambda: app.record_sla_breach(two, SlaMetric.FIRST_RESPONSE, at(2, 11),
                                           actor=SETUP)),
        (60, lambda: app.escalate(one, actor=agent)),
        (60, lambda: app.change_status(one, Status.RESOLVED, actor=agent)),
        (20 * 60, lambda: app.change_status(one, Status.CLOSED, actor=agent)),  # Tue 09:00
        (60, lambda: app.change_priority(two, Priority.LOW, actor=agent)),
        (30, lambda: app.add_message(two, "Hi", author=agent)),
        (30, lambda: app.change_status(two, Status.CLOSED, actor=agent)),
    )
    d.later(60)
    three, _, _ = d.open()
    d.steps((30, lambda: app.change_category(three, "returns", actor=agent)),
            (30, lambda: app.change_status(three, Status.RESOLVED, actor=agent)),
            (30, lambda: app.change_status(three, Status.IN_PROGRESS, actor=agent)))  # reopen


def workload_scenario(d: Desk) -> dict[str, Any]:
    app, ann, bob = d.app, d.agent("Ann"), d.agent("Bob")
    app.update_agent(bob, actor=SETUP, name="Bob B", capacity=5, skills=["general"],
                     branches=["north"], escalation=True)
    one, one_id, _ = d.open(assignee=ann, actor=SETUP)
    d.later(10)
    two, two_id, _ = d.open(assignee=ann, actor=SETUP)
    d.steps((10, lambda: app.assign(two, bob, actor=SETUP)),
            *[(10, lambda s=s: app.change_status(one, s, actor=Actor.agent(ann)))
              for s in (Status.RESOLVED, Status.IN_PROGRESS, Status.CLOSED)])
    d.later(10)  # 10:00
    three, three_id, _ = d.open(assignee=bob, actor=SETUP)
    busy = [d.row(agent_workload, agent)["open_assigned"] for agent in (ann, bob)]

    def to_ghost() -> None:  # an id that is no registered agent: only the domain allows it
        ticket = app.get_ticket(three)
        ticket.assign("ghost", actor=SETUP, at=d.clock())
        app.save_all(ticket)

    d.steps((10, lambda: app.unassign(three, actor=SETUP)),
            (10, lambda: app.delete(two, actor=SETUP)), (10, to_ghost),
            (10, lambda: app.change_status(three, Status.RESOLVED, actor=Actor.agent(bob))),
            (0, lambda: app.update_agent(ann, actor=SETUP, active=False)))
    return {"ann": ann, "bob": bob, "one": one_id, "two": two_id, "three": three_id,
            "busy": busy}

