"""Every operation documents the problem documents it may answer with, so clients (and
schema-driven tests) know the error shapes: RFC 9457 ``application/problem+json``."""

from __future__ import annotations

from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Schema
from litestar.openapi.spec.enums import OpenAPIType

from api.problems import PROBLEM_JSON
from api.schemas.common import Input
from domain.rules import TAG_MAX

PROBLEM_STATUSES = {
    "400": "Malformed request (for instance JSON that does not parse)",
    "401": "Missing or invalid credentials",
    "403": "Not allowed for this role",
    "404": "No such resource (or not visible to the caller)",
    "405": "Method not allowed",
    "409": "Refused transition, closed ticket or stale version",
    "413": "Request body over the size limit",
    "415": "Unsupported media type",
    "422": "Invalid input: one entry per bad field in `errors`",
    "429": "Too many requests; see Retry-After",
    "503": "Storage unavailable or read models behind; see Retry-After",
}

_STRING = Schema(type=OpenAPIType.STRING)
FIELD_ERROR = Schema(type=OpenAPIType.OBJECT, required=["field", "message", "location"],
                     properties={"field": _STRING, "message": _STRING, "location": _STRING})
PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": _STRING, "title": _STRING, "status": Schema(type=OpenAPIType.INTEGER),
        "detail": _STRING,
        "errors": Schema(type=OpenAPIType.ARRAY, items=FIELD_ERROR),
        "current_version": Schema(type=OpenAPIType.INTEGER),
    },
)


def _input_structs() -> dict[str, type[Input]]:
    found: dict[str, type[Input]] = {}
    pending: list[type[Input]] = [Input]
    while pending:
        cls = pending.pop()
        for sub_cls in cls.__subclasses__():
            found[sub_cls.__name__] = sub_cls
            pending.append(sub_cls)
    return found


def tighten_inputs(openapi: OpenAPI) -> None:
    """Say what the decoder enforces but Litestar does not render: request bodies refuse
    unknown fields, and list items keep their string limits."""
    inputs = _input_structs()
    for name, component in ((openapi.components and openapi.components.schemas) or {}).items():
        if name not in inputs or not isinstance(component, Schema):
            continue
        component.additional_properties = False
        for field_name, prop in (component.properties or {}).items():
            if field_name == "tags" and isinstance(prop, Schema) and isinstance(prop.items, Schema):
                prop.items.min_length, prop.items.max_length = 1, TAG_MAX
            for option in (prop.one_of or []) if isinstance(prop, Schema) else []:
                if field_name == "tags" and isinstance(option, Schema) and isinstance(
                        option.items, Schema):
                    option.items.min_length, option.items.max_length = 1, TAG_MAX


def document_problems(openapi: OpenAPI) -> None:
    """Add the problem responses to every operation of ``openapi`` (in place)."""
    content = {PROBLEM_JSON: OpenAPIMediaType(schema=PROBLEM)}
    for path_item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for status, description in PROBLEM_STATUSES.items():
                responses[status] = OpenAPIResponse(description=description, content=content)
            operation.responses = responses
