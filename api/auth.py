"""Who is calling: agents by bearer API token, customers by a ticket's access token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from api.services import Services
from domain.values import Actor, Role


@dataclass(frozen=True)
class AgentPrincipal:
    """An authenticated agent account."""

    id: str
    name: str
    email: str
    role: Role
    branches: tuple[str, ...]

    @property
    def actor(self) -> Actor:
        """The actor recorded in events this agent causes."""
        return Actor.agent(self.id)

    def require(self, *roles: Role) -> None:
        """Refuse (403) unless the agent has one of ``roles``."""
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise PermissionDeniedException(f"this needs one of the roles: {allowed}")

    def may_see_branch(self, branch: str | None) -> bool:
        """Agents with no branches see all; others their own and branch-less tickets."""
        return not self.branches or branch is None or branch in self.branches


def bearer_token(request: Request[Any, Any, Any]) -> str:
    """The token of an ``Authorization: Bearer ...`` header; 401 without one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise NotAuthorizedException("send an 'Authorization: Bearer <token>' header")
    return token


def current_agent(request: Request[Any, Any, Any],
                  services: NamedDependency[Services]) -> AgentPrincipal:
    """Dependency: the agent behind the bearer token (401 when none or revoked; 403 for a
    customer's ticket token, which authenticates a customer, not an agent)."""
    token = bearer_token(request)
    agent = services.helpdesk.authenticate_agent(token)
    if agent is None:
        if services.helpdesk.is_customer_token(token):
            raise PermissionDeniedException("a ticket's access token opens that ticket in "
                                            "the portal only")
        raise NotAuthorizedException("the token is not valid (revoked, rotated or unknown)")
    return AgentPrincipal(agent.agent_id, agent.name, agent.email, agent.role, agent.branches)


AgentDep = NamedDependency[AgentPrincipal]
"""A handler parameter that receives the authenticated agent."""
