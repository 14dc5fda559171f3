"""The Ticket aggregate: its commands check the rules, then record events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ticket_events as ev
from domain.errors import Conflict, InvalidInput, NotAllowed, TicketDeleted
from domain.ids import natural_id
from domain.rules import (
    DESCRIPTION_MAX,
    MESSAGE_MAX,
    SUBJECT_MAX,
    check_all,
    check_branch,
    check_reason,
    check_ref,
    check_tags,
    check_text,
)
from domain.sla import SlaTerms
from domain.ticket_state import Message, TicketState
from domain.transitions import check_can_transition, status_after_customer_reply
from domain.values import (
    Actor,
    ActorKind,
    Channel,
    CustomerRef,
    Priority,
    SlaMetric,
    Status,
    Visibility,
)


class Ticket(TicketState, Aggregate):
    """A support request and its whole conversation.

    Its id derives from its number, so a ticket is fetched by number without an index.
    """

    @staticmethod
    def create_id(number: str) -> UUID:
        """The ticket's id: a UUIDv5 of its number."""
        return natural_id("ticket", number)

    @classmethod
    def open(
        cls,
        *,
        number: str,
        subject: str,
        description: str,
        customer: CustomerRef,
        channel: Channel,
        category: str,
        priority: Priority,
        actor: Actor,
        access_token_hash: str,
        at: datetime,
        branch: str | None = None,
        order_ref: str | None = None,
        product_ref: str | None = None,
        tags: Iterable[str] = (),
        follow_up_of: str | None = None,
        sla: SlaTerms | None = None,
    ) -> Ticket:
        """Open a ticket; the caller has already resolved category and customer."""
        fields = cls.check_opening(subject=subject, description=description, branch=branch,
                                   order_ref=order_ref, product_ref=product_ref, tags=tags)
        return cls._create(
            ev.Opened,
            timestamp=at,
            number=number,
            customer=customer,
            channel=channel,
            category=category,
            priority=priority,
            actor=actor,
            access_token_hash=access_token_hash,
            follow_up_of=follow_up_of,
            sla=sla,
            **fields,
        )

    @staticmethod
    def check_opening(*, subject: str, description: str, branch: str | None,
                      order_ref: str | None, product_ref: str | None,
                      tags: Iterable[str]) -> dict[str, Any]:
        """The opening's free-text fields, normalised; every bad one reported at once."""
        return check_all({
            "subject": lambda: check_text("subject", subject, SUBJECT_MAX, single_line=True),
            "description": lambda: check_text("description", description, DESCRIPTION_MAX),
            "branch": lambda: check_branch("branch", branch),
            "order_ref": lambda: check_ref("order_ref", order_ref),
            "product_ref": lambda: check_ref("product_ref", product_ref),
            "tags": lambda: check_tags("tags", tags),
        })

    # -- checks -----------------------------------------------------------------------

    def check_not_deleted(self) -> None:
        """Deleted tickets keep their history but take no commands."""
        if self.deleted:
            raise TicketDeleted(self.number)

    def check_not_closed(self, what: str) -> None:
        """Closed is final: refuse ``what`` on a closed ticket."""
        if self.status is Status.CLOSED:
            raise Conflict(f"ticket {self.number} is closed; cannot {what}")

    def check_agent_or_system(self, actor: Actor, what: str) -> None:
        """Only agents and automations may ``what``."""
        if actor.kind is ActorKind.CUSTOMER:
            raise NotAllowed(f"customers cannot {what}")

    def _check_editable(self, actor: Actor, what: str) -> None:
        self.check_not_deleted()
        self.check_agent_or_system(actor, what)
        self.check_not_closed(what)

    # -- commands ---------------------------------------------------------------------

    def assign(self, agent_id: str, *, actor: Actor, at: datetime, reason: str = "") -> None:
        """Give the ticket to an agent; an open ticket moves to in_progress."""
        self._check_editable(actor, "assign tickets")
        if self.assignee == agent_id:
            return
        self.trigger_event(ev.Assigned, agent_id=agent_id, actor=actor, timestamp=at,
                           reason=check_reason(reason))
        if self.status is Status.OPEN:
            self.trigger_event(ev.StatusChanged, from_status=Status.OPEN,
                               to_status=Status.IN_PROGRESS, actor=Actor.system("assignment"),
                               timestamp=at, reason="assigned to an agent")

    def unassign(self, *, actor: Actor, at: datetime, reason: str = "") -> None:
        """Put the ticket back into the unassigned queue."""
        self._check_editable(actor, "unassign tickets")
        if self.assignee is None:
            return
        self.trigger_event(ev.Unassigned, agent_id=self.assignee, actor=actor, timestamp=at,
                           reason=check_reason(reason))

    def change_status(self, to: Status, *, actor: Actor, at: datetime, reason: str = "") -> None:
        """Move the ticket as the transition table allows for this actor."""
        self.check_not_deleted()
        check_can_transition(self.status, to, actor.kind)
        self.trigger_event(ev.StatusChanged, from_status=self.status, to_status=to, actor=actor,
                           timestamp=at, reason=check_reason(reason))

    def change_priority(self, to: Priority, *, actor: Actor, at: datetime, reason: str = "",
                        sla: SlaTerms | None = None) -> None:
        """Set a new priority (and the SLA terms that priority brings)."""
        self._check_editable(actor, "change the priority")
        if to is self.priority:
            return
        self.trigger_event(ev.PriorityChanged, from_priority=self.priority, to_priority=to,
                           actor=actor, timestamp=at, reason=check_reason(reason), sla=sla)

    def change_category(self, to: str, *, actor: Actor, at: datetime, reason: str = "",
                        sla: SlaTerms | None = None) -> None:
        """Move the ticket to another (existing, active) category and its SLA terms."""
        self._check_editable(actor, "change the category")
        if to == self.category:
            return
        self.trigger_event(ev.CategoryChanged, from_category=self.category, to_category=to,
                           actor=actor, timestamp=at, reason=check_reason(reason), sla=sla)

    def add_message(self, message_id: str, body: str, *, author: Actor, visibility: Visibility,
                    at: datetime, template: str | None = None) -> None:
        """Add to the conversation; a customer reply may reopen the ticket."""
        self.check_not_deleted()
        text = check_text("body", body, MESSAGE_MAX)
        if author.kind is ActorKind.CUSTOMER:
            if visibility is not Visibility.PUBLIC:
                raise InvalidInput.field("visibility", "customers can only write public replies")
            next_status = status_after_customer_reply(self.status, self.number)
        else:
            if visibility is Visibility.PUBLIC:
                self.check_not_closed("reply publicly (add an internal note instead)")
            next_status = self.status
        self.trigger_event(ev.MessageAdded, message_id=message_id, body=text,
                           visibility=visibility, template=template, actor=author, timestamp=at)
        if next_status is not self.status:
            self.trigger_event(ev.StatusChanged, from_status=self.status, to_status=next_status,
                               actor=author, timestamp=at, reason="customer replied")

    def tag(self, tags: Iterable[str], *, actor: Actor, at: datetime) -> None:
        """Add tags; tags already present are ignored."""
        self._check_editable(actor, "tag tickets")
        new = tuple(t for t in check_tags("tags", tags) if t not in self.tags)
        if new:
            check_tags("tags", (*self.tags, *new))
            self.trigger_event(ev.Tagged, tags=new, actor=actor, timestamp=at)

    def untag(self, tags: Iterable[str], *, actor: Actor, at: datetime) -> None:
        """Remove tags; tags not present are ignored."""
        self._check_editable(actor, "untag tickets")
        gone = tuple(t for t in check_tags("tags", tags) if t in self.tags)
        if gone:
            self.trigger_event(ev.Untagged, tags=gone, actor=actor, timestamp=at)

    def record_sla_breach(self, metric: SlaMetric, due_at: datetime, *, actor: Actor,
                          at: datetime) -> bool:
        """Record that ``metric`` was not met by ``due_at``; once per metric."""
        self.check_not_deleted()
        if metric in self.breached:
            return False
        self.trigger_event(ev.SlaBreached, metric=metric, due_at=due_at, actor=actor,
                           timestamp=at)
        return True

    def escalate(self, *, actor: Actor, at: datetime, reason: str = "",
                 sla: SlaTerms | None = None) -> None:
        """Raise the priority one level (urgent stays urgent) and mark the escalation;
        ``sla`` are the terms of the raised priority."""
        self._check_editable(actor, "escalate tickets")
        self.trigger_event(ev.Escalated, from_priority=self.priority,
                           to_priority=self.priority.raised(), actor=actor, timestamp=at,
                           reason=check_reason(reason), sla=sla)

    def delete(self, *, actor: Actor, at: datetime, reason: str = "") -> None:
        """Soft-delete: hidden from queues, history kept."""
        self.check_not_deleted()
        self.check_agent_or_system(actor, "delete tickets")
        self.trigger_event(ev.Deleted, actor=actor, timestamp=at, reason=check_reason(reason))

    def has_message(self, message_id: str) -> bool:
        """Whether the conversation already holds this message (idempotent automations)."""
        return any(m.id == message_id for m in self.messages)

    def link_follow_up(self, follow_up_number: str, *, actor: Actor, at: datetime) -> None:
        """Record that ``follow_up_number`` continues this closed ticket."""
        self.check_not_deleted()
        if self.status is not Status.CLOSED:
            raise Conflict(f"ticket {self.number} is not closed; reply on it instead")
        self.trigger_event(ev.FollowUpOpened, follow_up_number=follow_up_number, actor=actor,
                           timestamp=at)

    # -- derived ----------------------------------------------------------------------

    @property
    def opened_at(self) -> datetime:
        """When the ticket was opened."""
        return self.created_on

    def public_messages(self) -> list[Message]:
        """What the customer may see of the conversation."""
        return [m for m in self.messages if m.visibility is Visibility.PUBLIC]
