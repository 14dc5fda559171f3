"""What every page controller shares: rendering with the CSRF token, HTML error pages
(never a problem document, never a traceback), the logged-in agent, and form reading."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from eventsourcing.persistence import InterfaceError, OperationalError
from litestar import Controller, Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.auth import AgentPrincipal
from api.services import Services
from api.web.security import (
    CSRF_FIELD,
    CsrfRefused,
    csrf_cookie,
    csrf_guard,
    csrf_nonce,
    csrf_token_for,
    read_session,
)
from domain.errors import DomainError, InvalidInput, NotFound, StaleVersion
from domain.values import Role

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
WRITERS = (Role.AGENT, Role.ADMIN)
LOGIN_PATH = "/console/login"


class LoginRequired(NotAuthorizedException):
    """The console needs a logged-in agent."""


def page(request: Request[Any, Any, Any], template: str, *, status: int = 200,
         cookies: list[Cookie] | None = None, **context: Any) -> Template:
    """Render ``template`` with the shared context (agent, CSRF token, path)."""
    all_cookies = list(cookies or [])
    shared = base_context(request, all_cookies)
    return Template(template_name=template, context={**shared, **context},
                    status_code=status, cookies=all_cookies, headers=SECURITY_HEADERS)


def base_context(request: Request[Any, Any, Any], cookies: list[Cookie]) -> dict[str, Any]:
    """The context every page gets; adds the CSRF cookie to ``cookies`` when it is new."""
    nonce, fresh = csrf_nonce(request)
    if fresh and not any(c.key == csrf_cookie(request, nonce).key for c in cookies):
        cookies.append(csrf_cookie(request, nonce))
    return {"csrf_field": CSRF_FIELD, "csrf_token": csrf_token_for(nonce),
            "me": request.state.get("agent"), "path": request.url.path,
            "notice": request.state.get("notice")}


def redirect(path: str, *, cookies: list[Cookie] | None = None, **query: Any) -> Redirect:
    """A 303 to a page of ours (after a successful POST)."""
    pairs = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in query.items()
                     if v not in (None, ""))
    return Redirect(path + (f"?{pairs}" if pairs else ""), status_code=303,
                    headers=SECURITY_HEADERS, cookies=cookies or [])


def local_path(target: str | None, default: str) -> str:
    """``target`` when it is a path of the console (no open redirects), else ``default``."""
    if not target or not target.startswith("/console") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


# -- the logged-in agent ------------------------------------------------------------------


def session_agent(request: Request[Any, Any, Any],
                  services: NamedDependency[Services]) -> AgentPrincipal:
    """Dependency: the agent of the session cookie (else a redirect to the login page)."""
    session = read_session(request)
    if session is None:
        raise LoginRequired("log in first")
    try:
        agent = services.helpdesk.get_agent(session.agent_id)
    except (NotFound, InvalidInput, ValueError):
        raise LoginRequired("log in first") from None
    current = agent.token_hash or ""
    if not agent.active or not hmac.compare_digest(current, session.token_hash):
        raise LoginRequired("your session has ended; log in again")
    principal = AgentPrincipal(agent.agent_id, agent.name, agent.email, agent.role,
                               agent.branches)
    request.state["agent"] = principal
    return principal


# -- forms --------------------------------------------------------------------------------


class Form:
    """A submitted form: every value as text, lists where a field repeats."""

    def __init__(self, data: Mapping[str, Any] | None) -> None:
        self.data = dict(data or {})

    def text(self, name: str, default: str = "") -> str:
        """The field's value (the last one if it repeats), surrounding blanks removed."""
        value = self.data.get(name, default)
        if isinstance(value, list):
            value = value[-1] if value else default
        return str(value).strip()

    def many(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes, multi-selects)."""
        value = self.data.get(name)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [str(v).strip() for v in values if str(v).strip()]

    def whole(self, name: str, errors: dict[str, str], *, default: int | None = None,
              low: int = 0, high: int = 10**9) -> int | None:
        """A whole number in ``[low, high]``; records an error otherwise."""
        text = self.text(name)
        if not text:
            if default is None:
                errors[name] = "give a whole number"
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            errors[name] = f"must be a whole number from {low} to {high}"
            return default
        return int(text)


def form_errors(error: DomainError) -> tuple[str, dict[str, str]]:
    """A refusal as a sentence and per-field messages for the form."""
    if isinstance(error, InvalidInput):
        return "Some fields need attention.", dict(error.errors)
    if isinstance(error, StaleVersion):
        return (f"Someone changed this in the meantime (you saw version {error.expected}, "
                f"it is now at version {error.current}). The page now shows the current "
                "state: check it and submit again."), {}
    return _sentence(str(error)), {}


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else "The request failed."


# -- error pages --------------------------------------------------------------------------


def error_page(request: Request[Any, Any, Any], status: int, title: str, detail: str,
               errors: Mapping[str, str] | None = None) -> Response[Any]:
    """An HTML page explaining what went wrong."""
    cookies: list[Cookie] = []
    context = {**base_context(request, cookies), "status": status, "title": title,
               "detail": detail, "errors": dict(errors or {}),
               "is_portal": request.url.path.startswith("/portal")}
    try:
        engine = request.app.template_engine
        assert engine is not None
        html = engine.get_template("error.html").render(**context)
    except Exception:  # the error page itself must never fail
        log.exception("the error page could not be rendered")
        html = f"<!doctype html><title>{status}</title><p>{status} {title}</p>"
    return Response(html, status_code=status, media_type=MediaType.HTML, cookies=cookies,
                    headers=SECURITY_HEADERS)


def _login_required(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    path = request.url.path
    if request.method == "GET" and path.startswith("/console"):
        query = f"?{request.url.query}" if request.url.query else ""
        target = LOGIN_PATH + "?next=" + quote(path + query, safe="")
    else:
        target = LOGIN_PATH
    return Redirect(target, status_code=303, headers=SECURITY_HEADERS)


def _csrf(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    return error_page(request, 403, "Form expired", str(getattr(error, "detail", error)))


def _forbidden(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    return error_page(request, 403, "Not allowed", _sentence(str(getattr(error, "detail", ""))))


def _not_found(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    what = _sentence(str(error)) if isinstance(error, NotFound) else "There is no such page."
    return error_page(request, 404, "Not found", what)


def _domain(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    assert isinstance(error, DomainError)
    summary, fields = form_errors(error)
    status = 422 if isinstance(error, InvalidInput) else 409
    return error_page(request, status, "Not possible", summary, fields)


def _validation(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    fields: dict[str, str] = {}
    extra = getattr(error, "extra", None)
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            fields[str(item.get("key") or "request")] = str(item.get("message", "invalid"))
    detail = str(getattr(error, "detail", "")) or "The request is not valid."
    return error_page(request, 400, "Invalid request", _sentence(detail), fields)


def _http(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    assert isinstance(error, HTTPException)
    titles = {405: "Method not allowed", 413: "Too much text", 429: "Too many requests"}
    title = titles.get(error.status_code, "Request refused")
    return error_page(request, error.status_code, title, _sentence(str(error.detail)))


def _unavailable(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.warning("storage unavailable: %s", error)
    return error_page(request, 503, "Unavailable",
                      "The database is unavailable right now; try again shortly.")


def _unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.exception("unexpected error on a page", exc_info=error)
    return error_page(request, 500, "Unexpected error",
                      "Something went wrong on our side; it has been logged.")


WEB_EXCEPTION_HANDLERS: dict[Any, Any] = {
    LoginRequired: _login_required,
    CsrfRefused: _csrf,
    PermissionDeniedException: _forbidden,
    NotAuthorizedException: _login_required,
    NotFound: _not_found,
    NotFoundException: _not_found,
    DomainError: _domain,
    ValidationException: _validation,
    HTTPException: _http,
    OperationalError: _unavailable,
    InterfaceError: _unavailable,
    DBAPIError: _unavailable,
    PoolTimeout: _unavailable,
    Exception: _unexpected,
}


class WebController(Controller):
    """Base of the page controllers: HTML errors, CSRF on every POST, not in the OpenAPI
    document."""

    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = WEB_EXCEPTION_HANDLERS


class ConsoleController(WebController):
    """Base of the agent console's controllers: every page needs a logged-in agent."""

    dependencies = {"agent": Provide(session_agent, sync_to_thread=True)}


def now_of(services: Services) -> datetime:
    """The application's clock."""
    return services.helpdesk.clock()


def catch_up(services: Services, position: str | None) -> None:
    """Read-your-writes after a redirect: wait (bounded) for the read models to include
    the log position the write reached (``?pos=``)."""
    if position and position.isdigit() and len(position) < 15:
        services.read.wait(int(position), services.settings.min_position_timeout)
