"""Reading headers and consistency parameters, with clear 4xx answers."""

from __future__ import annotations

import re
from typing import Annotated

from litestar.exceptions import ServiceUnavailableException, ValidationException
from litestar.params import HeaderParameter, PathParameter

from api.services import Services

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')

TicketNumber = Annotated[str, PathParameter(
    max_length=16, pattern=r"^[Tt][Kk][Tt]-[0-9]{4}-[0-9]{6}$",
    description="a ticket number such as TKT-2026-000042")]
"""A ticket number in a path."""

IfMatch = Annotated[str | None, HeaderParameter(
    name="If-Match", required=False, max_length=40, pattern=r'^(\*|(W/)?"?[0-9]{1,9}"?)$',
    description="the ETag (version) the change is based on; a stale one gets 409")]
"""The optimistic-concurrency header of writes."""


def invalid(field: str, message: str, location: str) -> ValidationException:
    """A 422 naming one bad parameter."""
    return ValidationException(detail=f"{field}: {message}",
                               extra=[{"key": field, "message": message, "source": location}])


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header insists on (``*`` or absent: any)."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ETAG.match(if_match.strip())
    if not found:
        raise invalid("If-Match", 'must be an ETag this API returned, such as "3"', "header")
    return int(found.group(1))


def etag(version: int) -> dict[str, str]:
    """The ETag header for a version."""
    return {"ETag": f'"{version}"'}


def wait_for_position(services: Services, min_position: int | None) -> None:
    """Read-your-writes: wait (bounded) until the read models include ``min_position``."""
    if min_position is None or min_position <= 0:
        return
    head = services.helpdesk.recorder.max_notification_id() or 0
    if min_position > head:
        raise invalid("min_position", f"no write has reached position {min_position} "
                      f"(the last is {head})", "query")
    if not services.read.wait(min_position, services.settings.min_position_timeout):
        raise ServiceUnavailableException(
            f"the read models have not reached position {min_position} yet; retry shortly",
            headers={"Retry-After": "1"})
