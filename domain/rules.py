"""Field rules shared by the commands: limits, formats and the parsing of enumerations.

Each ``check_*`` function returns the normalised value or raises ``InvalidInput`` naming
the field, so nothing malformed ever becomes an event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, TypeVar

from domain.errors import InvalidInput

SUBJECT_MAX = 200
DESCRIPTION_MAX = 20_000
MESSAGE_MAX = 20_000
NAME_MAX = 120
EMAIL_MAX = 254
REF_MAX = 64
REASON_MAX = 500
TAG_MAX = 40
TAGS_PER_TICKET_MAX = 20
BRANCH_MAX = 64
SLUG_MAX = 48
PHONE_MAX = 32

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./#:-]*$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

E = TypeVar("E", bound=StrEnum)


def check_text(field: str, value: str, maximum: int, *, required: bool = True,
               single_line: bool = False) -> str:
    """Strip surrounding blanks; refuse empty (when required), too long, or control
    characters (and line breaks when ``single_line``)."""
    if not isinstance(value, str):
        raise InvalidInput.field(field, "must be text")
    text = value.strip()
    if required and not text:
        raise InvalidInput.field(field, "must not be empty")
    if len(text) > maximum:
        raise InvalidInput.field(field, f"must be at most {maximum} characters")
    if _CONTROL.search(text) or (single_line and ("\n" in text or "\r" in text)):
        raise InvalidInput.field(field, "must not contain control characters")
    return text


def check_email(field: str, value: str) -> str:
    """A syntactically valid address, lower-cased."""
    text = check_text(field, value, EMAIL_MAX, single_line=True)
    if not _EMAIL.match(text):
        raise InvalidInput.field(field, f"{text!r} is not a valid e-mail address")
    return text.lower()


def check_slug(field: str, value: str) -> str:
    """Lower-case letters, digits and inner hyphens, e.g. ``billing`` or ``returns-eu``."""
    text = check_text(field, value, SLUG_MAX, single_line=True)
    if not _SLUG.match(text):
        raise InvalidInput.field(
            field, "must be lower-case letters, digits and inner hyphens (e.g. 'billing')"
        )
    return text


def slugify(name: str) -> str:
    """Derive a slug from a display name: ``"Billing & Payments"`` → ``billing-payments``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def check_ref(field: str, value: str | None) -> str | None:
    """An optional external reference such as an order or product number."""
    if value is None or not value.strip():
        return None
    text = check_text(field, value, REF_MAX, single_line=True)
    if not _REF.match(text):
        raise InvalidInput.field(field, "may contain letters, digits and _ . / # : - only")
    return text


def check_phone(field: str, value: str | None) -> str | None:
    """An optional phone number."""
    if value is None or not value.strip():
        return None
    text = check_text(field, value, PHONE_MAX, single_line=True)
    if not _PHONE.match(text):
        raise InvalidInput.field(field, f"{text!r} is not a phone number")
    return text


def check_branch(field: str, value: str | None) -> str | None:
    """An optional branch (site, region or brand) name."""
    if value is None or not value.strip():
        return None
    return check_text(field, value, BRANCH_MAX, single_line=True)


def check_tag(field: str, value: str) -> str:
    """A lower-case tag such as ``vip`` or ``refund:partial``."""
    text = check_text(field, value, TAG_MAX, single_line=True).lower()
    if not _TAG.match(text):
        raise InvalidInput.field(field, f"{text!r} is not a valid tag (letters, digits, _ . : -)")
    return text


def check_tags(field: str, values: Iterable[str]) -> tuple[str, ...]:
    """Distinct valid tags, sorted, at most ``TAGS_PER_TICKET_MAX``."""
    tags = sorted({check_tag(field, v) for v in values})
    if len(tags) > TAGS_PER_TICKET_MAX:
        raise InvalidInput.field(field, f"at most {TAGS_PER_TICKET_MAX} tags")
    return tuple(tags)


def check_reason(value: str | None) -> str:
    """An optional free-text reason recorded with an event."""
    if value is None:
        return ""
    return check_text("reason", value, REASON_MAX, required=False)


def parse_enum(field: str, enum: type[E], value: object) -> E:
    """The member of ``enum`` whose value is ``value``, or a clear error listing the choices."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value))
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise InvalidInput.field(field, f"{value!r} is not one of: {choices}") from None


def check_positive_int(field: str, value: int, maximum: int) -> int:
    """A whole number in 1..maximum."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise InvalidInput.field(field, f"must be a whole number from 1 to {maximum}")
    return value


def check_all(checks: dict[str, Callable[[], object]]) -> dict[str, Any]:
    """Run every check and return the values by name, or raise ONE ``InvalidInput`` that
    lists every bad field (so a form shows all its mistakes at once)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    return values
