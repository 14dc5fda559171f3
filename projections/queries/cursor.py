"""Opaque keyset cursors: the sort name and the last row's sort values, base64-encoded."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from domain.errors import InvalidInput

MAX_CURSOR_LENGTH = 512


def encode_cursor(sort: str, values: list[Any]) -> str:
    """A cursor that resumes after the row with these sort values."""
    payload = msgspec.json.encode([sort, *values])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The sort values inside ``cursor``; a clear 422 for anything forged or stale."""
    bad = InvalidInput.field("cursor", "not a cursor this list returned (use next_cursor)")
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = msgspec.json.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise bad from None
    if not isinstance(decoded, list) or not decoded or decoded[0] != sort:
        raise bad
    return decoded[1:]
