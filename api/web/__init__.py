"""The server-rendered web pages: the agent console (``/console``) and the customer portal
(``/portal``), with their CSS and scripts under ``/static``. They call the same application
commands and read-model queries as the JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from api.web.console_admin import CategoryAdminController, TemplateAdminController
from api.web.console_analytics import AnalyticsPageController
from api.web.console_auth import LoginController
from api.web.console_new import NewTicketController
from api.web.console_people import AgentAdminController, SlaPolicyAdminController
from api.web.console_queue import QueueController
from api.web.console_ticket import TicketPageController
from api.web.filters import FILTERS
from api.web.portal import PortalPagesController

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja2 with autoescaping on for every template, and the pages' filters."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(FILTERS)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


STATIC_FILES = create_static_files_router(
    path="/static", directories=[STATIC], name="static", include_in_schema=False,
    cache_control=None, opt={"static": True})

WEB_CONTROLLERS: list[Any] = [
    LoginController, QueueController, NewTicketController, TicketPageController,
    AnalyticsPageController, CategoryAdminController, TemplateAdminController,
    AgentAdminController, SlaPolicyAdminController, PortalPagesController, STATIC_FILES]
