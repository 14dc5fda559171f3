"""The Litestar application: controllers, problem documents, limits, OpenAPI."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from api.controllers.analytics import AnalyticsController
from api.controllers.audit import AuditController
from api.controllers.configuration import (
    AgentController,
    CategoryController,
    SlaPolicyController,
    TemplateController,
)
from api.controllers.customers import CustomerController
from api.controllers.health import HealthController
from api.controllers.notifications import NotificationController
from api.controllers.portal import PortalController
from api.controllers.tickets import TicketController
from api.metrics import metrics_middleware
from api.openapi_problems import document_problems, tighten_inputs
from api.problems import EXCEPTION_HANDLERS
from api.rate_limit import RateLimiter
from api.services import Services
from api.web import WEB_CONTROLLERS, template_config

CONTROLLERS: list[Any] = [HealthController, PortalController, TicketController,
                          AnalyticsController, AuditController, CustomerController,
                          CategoryController, AgentController, SlaPolicyController,
                          TemplateController, NotificationController, *WEB_CONTROLLERS]


def create_app(services: Services, *, extra_controllers: list[Any] | None = None,
               rate_limit_store: Store | None = None, debug: bool = False) -> Litestar:
    """The HTTP application over ``services``."""
    store = rate_limit_store or MemoryStore()
    rate_limit = RateLimiter(services.settings.portal_rate_limit_per_minute, store)
    openapi = OpenAPIConfig(
        title="helpdesk", version="1.0.0", path="/schema",
        description="An event-sourced help desk. Errors are RFC 9457 problem documents.",
        render_plugins=[SwaggerRenderPlugin()],
        components=Components(security_schemes={
            "bearer": SecurityScheme(type="http", scheme="bearer",
                                     description="an agent's API token"),
            "accessToken": SecurityScheme(type="http", scheme="bearer",
                                          description="a ticket's access token"),
        }))
    app = Litestar(
        route_handlers=[*CONTROLLERS, *(extra_controllers or [])],
        dependencies={"services": Provide(lambda: services, use_cache=True,
                                          sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[metrics_middleware, rate_limit.middleware],
        stores={"rate_limit": store},
        request_max_body_size=services.settings.max_body_bytes,
        openapi_config=openapi,
        response_cache_config=ResponseCacheConfig(),
        template_config=template_config(),
        debug=debug,
    )
    document_problems(app.openapi_schema)
    tighten_inputs(app.openapi_schema)
    return app
