"""Constrained field types shared by request bodies (limits mirror domain/rules.py, so the
OpenAPI schema states them and bad input is refused before it reaches a command)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from domain import rules

Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.SUBJECT_MAX)]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.DESCRIPTION_MAX)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.MESSAGE_MAX)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.NAME_MAX)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=rules.EMAIL_MAX)]
Ref = Annotated[str, msgspec.Meta(max_length=rules.REF_MAX)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.SLUG_MAX,
                                   pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.TAG_MAX)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=rules.TAGS_PER_TICKET_MAX)]
Branch = Annotated[str, msgspec.Meta(max_length=rules.BRANCH_MAX)]
Reason = Annotated[str, msgspec.Meta(max_length=rules.REASON_MAX)]
Phone = Annotated[str, msgspec.Meta(max_length=rules.PHONE_MAX)]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are refused."""
