"""Sessions and CSRF protection of the server-rendered pages.

* The agent console's session is a signed cookie (HMAC-SHA256) holding the agent's id, the
  hash of the API token used to log in, the time of login and a random nonce. It is
  HttpOnly, SameSite=Lax, Secure on HTTPS, limited to ``/console`` and valid for 12 hours;
  it stops working at once when the token is rotated or the account deactivated, since
  each request compares it with the agent as stored.
* Every form carries a CSRF token: the HMAC of a random per-browser nonce kept in its own
  HttpOnly cookie (a signed double-submit token). Every POST to the pages is checked by
  ``csrf_guard``; a form of another site (which cannot read the cookie) is refused. The
  nonce is renewed at log-in and log-out. The JSON API under ``/api`` is not affected: it
  takes no cookies, only bearer tokens.

The signing key is ``HELPDESK_SESSION_SECRET`` (set it when several API processes serve
the pages, e.g. ``helpdesk api --workers 4``); without it each process draws a random key
at start, so sessions end when the process restarts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler

_SECRET = (os.environ.get("HELPDESK_SESSION_SECRET") or "").encode() or secrets.token_bytes(32)

SESSION_COOKIE = "hd_session"
CSRF_COOKIE = "hd_csrf"
CSRF_FIELD = "_csrf"
SESSION_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NONCE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


class CsrfRefused(PermissionDeniedException):
    """A form came without a valid CSRF token (expired page, or another site's form)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(purpose: str, payload: bytes) -> bytes:
    return hmac.new(_SECRET, purpose.encode() + b"\x00" + payload, hashlib.sha256).digest()


def seal(purpose: str, values: list[Any]) -> str:
    """``values`` as signed text (readable, not secret; tamper-evident)."""
    payload = msgspec.json.encode(values)
    return f"{_b64(payload)}.{_b64(_mac(purpose, payload))}"


def unseal(purpose: str, text: str | None) -> list[Any] | None:
    """The values ``seal`` signed for ``purpose``, or None for anything else."""
    if not text or len(text) > 1024 or "." not in text:
        return None
    body, _, signature = text.partition(".")
    try:
        payload, mac = _unb64(body), _unb64(signature)
        if not hmac.compare_digest(mac, _mac(purpose, payload)):
            return None
        values = msgspec.json.decode(payload)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        return None
    return values if isinstance(values, list) else None


def is_https(request: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the browser talks HTTPS to us (directly or through a TLS proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


# -- the agent's session ------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """Who logged in, with which token (its hash), and when."""

    agent_id: str
    token_hash: str
    issued_at: int


def session_cookie(request: Request[Any, Any, Any], agent_id: str, token_hash: str) -> Cookie:
    """The cookie that logs ``agent_id`` in."""
    value = seal("session", [agent_id, token_hash, int(time.time()), secrets.token_urlsafe(8)])
    return Cookie(key=SESSION_COOKIE, value=value, path="/console", httponly=True,
                  samesite="lax", secure=is_https(request), max_age=SESSION_SECONDS)


def ended_session_cookie(request: Request[Any, Any, Any]) -> Cookie:
    """A cookie that removes the session."""
    return Cookie(key=SESSION_COOKIE, value="", path="/console", httponly=True,
                  samesite="lax", secure=is_https(request), max_age=0,
                  expires=0)


def read_session(request: Request[Any, Any, Any]) -> Session | None:
    """The session of this request, if its cookie is genuine and not expired."""
    values = unseal("session", request.cookies.get(SESSION_COOKIE))
    if values is None or len(values) != 4:
        return None
    agent_id, token_hash, issued_at, _ = values
    if not (isinstance(agent_id, str) and isinstance(token_hash, str)
            and isinstance(issued_at, int)):
        return None
    if not 0 <= time.time() - issued_at < SESSION_SECONDS:
        return None
    return Session(agent_id, token_hash, issued_at)


# -- CSRF ---------------------------------------------------------------------------------


def csrf_token_for(nonce: str) -> str:
    """The form token that goes with a browser's nonce."""
    return _b64(_mac("csrf", nonce.encode()))


def csrf_nonce(request: Request[Any, Any, Any], *, renew: bool = False) -> tuple[str, bool]:
    """This browser's CSRF nonce, and whether it is new (its cookie must then be set)."""
    state = request.state
    chosen = state.get("csrf_nonce")
    if chosen is not None and not renew:
        return chosen, bool(state.get("csrf_fresh"))
    current = request.cookies.get(CSRF_COOKIE, "")
    if not renew and _NONCE.match(current):
        state["csrf_nonce"], state["csrf_fresh"] = current, False
        return current, False
    nonce = secrets.token_urlsafe(24)
    state["csrf_nonce"], state["csrf_fresh"] = nonce, True
    return nonce, True


def csrf_cookie(request: Request[Any, Any, Any], nonce: str) -> Cookie:
    """The cookie holding the browser's nonce."""
    return Cookie(key=CSRF_COOKIE, value=nonce, path="/", httponly=True, samesite="lax",
                  secure=is_https(request))


def _same_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    origin = connection.headers.get("origin")
    if origin is None or origin == "null":
        return True  # no claim: the token decides
    host = connection.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


async def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any],
                     _: BaseRouteHandler) -> None:
    """Refuse a state-changing request without this browser's CSRF token."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    refused = CsrfRefused("this form has expired or did not come from this site; "
                          "reload the page and try again")
    if not _same_origin(connection) or not isinstance(connection, Request):
        raise refused
    nonce = connection.cookies.get(CSRF_COOKIE, "")
    form = await connection.form()
    sent = form.get(CSRF_FIELD)
    if not _NONCE.match(nonce) or not isinstance(sent, str) or not hmac.compare_digest(
            sent, csrf_token_for(nonce)):
        raise refused
