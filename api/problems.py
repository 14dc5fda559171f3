"""Errors as RFC 9457 problem documents: ``{"type","title","status","detail","errors"}``.

Each domain error maps to one status; malformed requests become 422 with one entry per
bad field; nothing unexpected ever leaks a traceback (it becomes a logged 500 problem).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from eventsourcing.persistence import InterfaceError, OperationalError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from application.templating import TemplateRenderingFailed
from domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleVersion,
)

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class FieldError(msgspec.Struct):
    """One bad part of a request."""

    field: str
    message: str
    location: str = "body"


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []
    current_version: int | None = None


_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Invalid request"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


def problem_response(status: int, detail: str, *, errors: list[FieldError] | None = None,
                     headers: dict[str, str] | None = None,
                     current_version: int | None = None) -> Response[Problem]:
    """A problem document response."""
    slug, title = _TITLES.get(status, ("error", "Error"))
    body = Problem(type=f"/problems/{slug}", title=title, status=status, detail=detail,
                   errors=errors or [], current_version=current_version)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


PATH_FIELDS = frozenset({"number"})
"""Fields of commands that arrive in the URL's path."""
QUERY_FIELDS = frozenset({"cursor", "sort", "limit", "min_position", "q", "from", "to",
                          "version", "at"})
"""Fields of commands that arrive as query parameters rather than in the body."""

_MSGSPEC_PATH = re.compile(r"at `\$\.([A-Za-z0-9_.\[\]]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (query|header|path|cookie) parameter "
                                r"'([^']+)'")
_UNKNOWN_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


def _location(field: str) -> str:
    if field in PATH_FIELDS:
        return "path"
    return "query" if field in QUERY_FIELDS else "body"


def _domain_error(_: Request[Any, Any, Any], error: DomainError) -> Response[Problem]:
    if isinstance(error, InvalidInput):
        return problem_response(422, "some fields are invalid", errors=[
            FieldError(field, message, _location(field))
            for field, message in error.errors.items()])
    if isinstance(error, NotFound):
        return problem_response(404, str(error))
    if isinstance(error, StaleVersion):
        return problem_response(409, str(error), current_version=error.current,
                                headers={"ETag": f'"{error.current}"'})
    if isinstance(error, Conflict):
        return problem_response(409, str(error))
    if isinstance(error, NotAllowed):
        return problem_response(403, str(error))
    if isinstance(error, TemplateRenderingFailed):
        return problem_response(422, str(error))
    return problem_response(400, str(error))


def _validation_error(_: Request[Any, Any, Any], error: ValidationException) -> Response[Problem]:
    errors: list[FieldError] = []
    for item in error.extra if isinstance(error.extra, list) else []:
        if isinstance(item, dict):
            message = str(item.get("message", "invalid"))
            field = str(item.get("key") or "body")
            if field == "data":  # the body: name the field msgspec points at
                found = _MSGSPEC_PATH.search(message) or _UNKNOWN_FIELD.search(message)
                field = found.group(1) if found else "body"
                if message == "'data'":
                    message = "a JSON body is required"
            source = item.get("source") or "body"
            location = str(getattr(source, "value", source))
            errors.append(FieldError(field, message, location))
    detail = error.detail or "the request is not valid"
    missing = _MISSING_PARAMETER.search(detail)
    if not errors and missing:
        errors.append(FieldError(missing.group(2), f"the {missing.group(1)} parameter "
                                 f"{missing.group(2)!r} is required", missing.group(1)))
    if not errors:
        errors.append(FieldError("body", detail))
    return problem_response(422, detail, errors=errors)


def _http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response[Problem]:
    headers = dict(error.headers or {})
    if error.status_code == 400:
        return problem_response(400, str(error.detail),
                                errors=[FieldError("body", str(error.detail))])
    if error.status_code == 429:
        headers["Retry-After"] = str(headers.get("RateLimit-Reset", "60"))
    if error.status_code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="helpdesk"')
    return problem_response(error.status_code, str(error.detail), headers=headers)


def _unavailable(_: Request[Any, Any, Any], error: Exception) -> Response[Problem]:
    log.warning("storage unavailable: %s", error)
    return problem_response(503, "the database is unavailable; try again shortly",
                            headers={"Retry-After": "2"})


def _unexpected(_: Request[Any, Any, Any], error: Exception) -> Response[Problem]:
    log.exception("unexpected error", exc_info=error)
    return problem_response(500, "an unexpected error occurred; it has been logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    OperationalError: _unavailable,
    InterfaceError: _unavailable,
    DBAPIError: _unavailable,
    PoolTimeout: _unavailable,
    Exception: _unexpected,
}
