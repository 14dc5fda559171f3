"""Compact, typed event encoding with msgspec.

Events are stored as plain JSON objects (``{"agent_id": "...", "timestamp": "2026-..Z"}``),
without type tags: on the way back, the event class's own annotations say what each field
is (datetime, enum, nested dataclass, ...). Snapshots are decoded by the annotations of
the aggregate's state class. Missing fields take the class's defaults, so adding a field
with a default never breaks older events.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, cast
from uuid import UUID

import msgspec
from eventsourcing.domain import CanSnapshotAggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from application.chain import CHAINED_TOPIC_PREFIX, ChainMemory, digest, seal, unseal

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(dict[str, Any])
_NOT_STATE = frozenset({"originator_id", "originator_version"})
_AGGREGATE_BASE_TYPES: dict[str, Any] = {"_created_on": datetime, "_modified_on": datetime}


class TypedMapper(Mapper[UUID]):
    """A ``Mapper`` that encodes event state with msgspec and decodes it by annotations,
    and hash-chains every ticket event to its predecessor (see ``application.chain``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain = ChainMemory()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Encode an event (or snapshot) for the recorder."""
        state = {k: v for k, v in vars(domain_event).items() if k not in _NOT_STATE}
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        data = _ENCODER.encode(state)
        topic = get_topic(type(domain_event))
        if topic.startswith(CHAINED_TOPIC_PREFIX):
            oid, version = domain_event.originator_id, domain_event.originator_version
            prev = self.chain.previous(oid, version)
            own = digest(oid, version, topic, data, prev)
            data = seal(data, prev, own)
            self.chain.remember(oid, version, own)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Decode a stored event into an instance of its class."""
        cls = resolve_topic(stored_event.topic)
        try:
            data = stored_event.state
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            if stored_event.topic.startswith(CHAINED_TOPIC_PREFIX):
                self._remember_chain(stored_event, data)
            raw: dict[str, Any] = _DECODER.decode(data)
            raw.pop("_chain", None)
            class_version = getattr(cls, "class_version", 1)
            from_version = raw.pop("class_version", 1)
            while from_version < class_version:
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(raw)
                from_version += 1
            state = msgspec.structs.asdict(msgspec.convert(raw, _event_struct(cls)))
            if issubclass(cls, CanSnapshotAggregate):
                state["state"] = _typed_aggregate_state(state["topic"], state["state"])
        except (msgspec.ValidationError, msgspec.DecodeError, AttributeError) as error:
            msg = (
                f"cannot decode event {stored_event.topic} of {stored_event.originator_id} "
                f"at version {stored_event.originator_version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        state["originator_id"] = (
            stored_event.originator_id
            if isinstance(stored_event.originator_id, UUID)
            else UUID(str(stored_event.originator_id))
        )
        state["originator_version"] = stored_event.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return cast(DomainEventProtocol[UUID], event)


    def _remember_chain(self, stored_event: StoredEvent, data: bytes) -> None:
        parts = unseal(data)
        if parts is not None:
            oid = stored_event.originator_id
            self.chain.remember(oid if isinstance(oid, UUID) else UUID(str(oid)),
                                stored_event.originator_version, parts[2])


@cache
def _event_struct(cls: type[Any]) -> type[msgspec.Struct]:
    """A msgspec Struct with the event class's fields, types and defaults."""
    hints = typing.get_type_hints(cls)
    fields: list[tuple[str, Any, Any]] = []
    for field in dataclasses.fields(cls):
        if field.name in _NOT_STATE:
            continue
        if field.default is not dataclasses.MISSING:
            fields.append((field.name, hints[field.name], field.default))
        elif field.default_factory is not dataclasses.MISSING:
            fields.append((field.name, hints[field.name], msgspec.field(
                default_factory=field.default_factory)))
        else:
            fields.append((field.name, hints[field.name], msgspec.NODEFAULT))
    required = [f for f in fields if f[2] is msgspec.NODEFAULT]
    optional = [f for f in fields if f[2] is not msgspec.NODEFAULT]
    ordered: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (name, hint) for name, hint, _ in required
    ]
    ordered.extend(optional)
    return msgspec.defstruct(cls.__qualname__.replace(".", "_"), ordered, kw_only=True)


@cache
def _state_types(aggregate_topic: str) -> dict[str, Any]:
    """The annotated type of every attribute of an aggregate's state."""
    aggregate_cls = resolve_topic(aggregate_topic)
    hints = {
        name: hint
        for name, hint in typing.get_type_hints(aggregate_cls).items()
        if typing.get_origin(hint) is not ClassVar
    }
    return {**hints, **_AGGREGATE_BASE_TYPES}


def _typed_aggregate_state(aggregate_topic: str, raw: dict[str, Any]) -> dict[str, Any]:
    types = _state_types(aggregate_topic)
    return {
        name: msgspec.convert(value, types[name]) if name in types else value
        for name, value in raw.items()
    }
