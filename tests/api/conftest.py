"""An API under test: a real application on an in-memory event store, real read models
(in-memory SQLite) kept current by a running projection runner, and one agent per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.services import ApiSettings, Services
from application.service import Helpdesk
from domain.values import Actor, Role
from helpdesk.settings import persistence_env
from projections.read_side import ReadSide
from projections.store import open_read_store
from projections.tables import metadata

SETUP = Actor.system("test-setup")


@dataclass
class ApiHarness:
    """A client plus the things tests need to set scenes and check effects."""

    client: TestClient[Any]
    helpdesk: Helpdesk
    read: ReadSide
    tokens: dict[str, str] = field(default_factory=dict)
    agent_ids: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """Authorization header of the agent named ``who`` (admin, agent, analyst, ...)."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def event_count(self) -> int:
        """How many events are stored (to prove a refused request wrote nothing)."""
        return self.helpdesk.recorder.max_notification_id() or 0

    def open_portal_ticket(self, **overrides: Any) -> dict[str, Any]:
        """Open a ticket through the portal; the JSON answer."""
        body = {"name": "Bob Buyer", "email": "bob@example.com", "subject": "Parcel late",
                "description": "Order A-1 has not arrived"} | overrides
        response = self.client.post("/api/v1/portal/tickets", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def sync(self) -> None:
        """Wait until the read models include every stored event."""
        assert self.read.wait(self.event_count(), timeout=10)


def make_harness(settings: ApiSettings | None = None) -> tuple[ApiHarness, Any]:
    helpdesk = Helpdesk(persistence_env("memory://"))
    helpdesk.ensure_defaults()
    helpdesk.create_category("billing", name="Billing", actor=SETUP)
    helpdesk.create_category("shipping", name="Shipping", actor=SETUP)
    store = open_read_store("memory://")
    metadata.create_all(store.writer)
    read = ReadSide(helpdesk, store).start()
    services = Services(helpdesk, read, settings or ApiSettings())
    client = TestClient(create_app(services))
    harness = ApiHarness(client, helpdesk, read)
    people = {
        "admin": dict(role=Role.ADMIN),
        "agent": dict(role=Role.AGENT, skills=["billing"]),
        "north_agent": dict(role=Role.AGENT, branches=["north"]),
        "analyst": dict(role=Role.ANALYST),
        "auditor": dict(role=Role.AUDITOR),
    }
    for name, profile in people.items():
        created = helpdesk.create_agent(email=f"{name}@desk.example", name=name.title(),
                                        actor=SETUP, **profile)
        harness.tokens[name] = created.token
        harness.agent_ids[name] = created.agent.agent_id

    def close() -> None:
        client.__exit__(None, None, None)
        read.stop()
        store.dispose()
        helpdesk.close()

    client.__enter__()
    return harness, close


@pytest.fixture
def api() -> Any:
    harness, close = make_harness()
    yield harness
    close()
