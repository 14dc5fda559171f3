"""``/console/login`` and ``/console/logout``: an agent's API token opens a session."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from api.services import ServicesDep
from api.web.common import LOGIN_PATH, Form, WebController, local_path, page, redirect
from api.web.security import (
    csrf_cookie,
    csrf_nonce,
    ended_session_cookie,
    read_session,
    session_cookie,
)
from application.tokens import hash_token

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
HOME = "/console/tickets"
NOTICES = {"out": "You are logged out.", "expired": "Your session has ended; log in again."}


class LoginController(WebController):
    """Log in with an API token, log out."""

    path = "/console"

    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        """The console starts at the queue."""
        return redirect(HOME)

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request[Any, Any, Any],
                   done: FromQuery[str | None] = None) -> Template:
        """The log-in form."""
        target = local_path(request.query_params.get("next"), HOME)
        request.state["notice"] = NOTICES.get(done or "")
        return page(request, "console/login.html", next=target, error=None)

    @post("/login", sync_to_thread=True)
    def login(self, request: Request[Any, Any, Any], services: ServicesDep,
              data: FormData) -> Template | Redirect:
        """Check the token; on success start a session and renew the CSRF nonce."""
        form = Form(data)
        token = form.text("token")
        target = local_path(form.text("next"), HOME)
        agent = None
        if token and len(token) <= 200:
            agent = services.helpdesk.authenticate_agent(token)
        if agent is None:
            error = ("Enter your API token." if not token else
                     "That token is not valid: it may have been rotated or revoked, or the "
                     "account deactivated.")
            return page(request, "console/login.html", status=401, next=target, error=error)
        nonce, _ = csrf_nonce(request, renew=True)
        return redirect(target, cookies=[
            session_cookie(request, agent.agent_id, hash_token(token)),
            csrf_cookie(request, nonce)])

    @post("/logout", sync_to_thread=False)
    def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        """End the session (and renew the CSRF nonce)."""
        nonce, _ = csrf_nonce(request, renew=True)
        return redirect(LOGIN_PATH, done="out" if read_session(request) else "",
                        cookies=[ended_session_cookie(request), csrf_cookie(request, nonce)])
