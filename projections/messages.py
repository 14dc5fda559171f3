"""``ticket_messages``: one row per message of every ticket's conversation.

``MessageAdded`` does not carry the ticket number, so this read model also keeps
``message_tickets`` (ticket id → number), filled from ``Opened``. The table is defined here,
on the shared ``metadata``, until ``projections.tables`` and the migrations include it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from domain import ticket_events as ev
from projections.read_model import BufferedReadModel, ids_of
from projections.tables import message_tickets, ticket_messages


class MessagesReadModel(BufferedReadModel):
    """The conversation of every ticket, message by message, in the order written."""

    name = "ticket_messages"
    tables = (ticket_messages, message_tickets)

    def prefetch(self, events: Sequence[Any]) -> None:
        self.rows(message_tickets).prefetch(
            ids_of(events, ev.MessageAdded, created=ev.Opened))

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that add no message change nothing."""

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        self.rows(message_tickets).insert(
            {"ticket_id": str(event.originator_id), "number": event.number})

    @apply.register
    def _message_added(self, event: ev.MessageAdded, position: int) -> None:
        ticket_id = str(event.originator_id)
        number = self.rows(message_tickets).one(ticket_id)["number"]
        self.rows(ticket_messages).insert({
            "message_id": event.message_id, "ticket_id": ticket_id, "number": number,
            "author_kind": event.actor.kind.value, "author_id": event.actor.id,
            "visibility": event.visibility.value, "body": event.body,
            "template": event.template, "created_at": event.timestamp,
            "position": position,
        })
