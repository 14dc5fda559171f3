"""``ticket_messages``: one row per message of every ticket's conversation.

``MessageAdded`` does not carry the ticket number, so this read model also keeps
``message_tickets`` (ticket id → number), filled from ``Opened``. The table is defined here,
on the shared ``metadata``, until ``projections.tables`` and the migrations include it.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from sqlalchemy import insert, select

from domain import ticket_events as ev
from projections.read_model import ReadModel
from projections.tables import message_tickets, ticket_messages

"""The number of every ticket, for the rows of its messages (owned by ``ticket_messages``)."""

T = message_tickets.c


class MessagesReadModel(ReadModel):
    """The conversation of every ticket, message by message, in the order written."""

    name = "ticket_messages"
    tables = (ticket_messages, message_tickets)

    @singledispatchmethod
    def apply(self, event: Any, position: int) -> None:
        """Events that add no message change nothing."""

    @apply.register
    def _opened(self, event: ev.Opened, position: int) -> None:
        self.conn.execute(insert(message_tickets).values(
            ticket_id=str(event.originator_id), number=event.number))

    @apply.register
    def _message_added(self, event: ev.MessageAdded, position: int) -> None:
        ticket_id = str(event.originator_id)
        number = self.conn.execute(select(T.number).where(T.ticket_id == ticket_id)).scalar_one()
        self.conn.execute(insert(ticket_messages).values(
            message_id=event.message_id, ticket_id=ticket_id, number=number,
            author_kind=event.actor.kind.value, author_id=event.actor.id,
            visibility=event.visibility.value, body=event.body, template=event.template,
            created_at=event.timestamp, position=position,
        ))
