"""Ticket commands: open, assign, change status, reply, tag, escalate, delete, follow up."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.base import Saved, pause_before_retry
from application.event_reads import Found
from application.hints import Hints
from application.opening import OpenedTicket, OpeningCommands, OpenRequest
from application.recorder import StaleRead
from application.ticket_changes import KEEP, TicketChanges
from application.tokens import hash_token, new_token, token_matches
from domain.access_link import AccessLink
from domain.agent import Agent
from domain.category import Category
from domain.customer import Customer
from domain.errors import Conflict, InvalidInput, NotFound, UnknownAgent, UnknownCategory
from domain.rules import NAME_MAX, check_all, check_email, check_text
from domain.sla import DEFAULT_POLICY, DEFAULT_TARGETS, SlaPolicy, SlaTerms
from domain.ticket import Ticket
from domain.values import (
    Actor,
    Channel,
    Priority,
    SlaMetric,
    Status,
    Visibility,
)

DEFAULT_CATEGORY = "general"
READ_ATTEMPTS = 20
"""How often an opening is decided anew after its save found what it read changed (with a
growing random pause in between, so that openings get through a burst of changes)."""


class TicketCommands(OpeningCommands):
    """One method per ticket command: get → aggregate method → save."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy_hints: Hints[str, str | None] = Hints()

    # -- lookups ----------------------------------------------------------------------

    def active_category(self, slug: str, field: str = "category") -> Category:
        """The category with this slug, if it exists and is active."""
        category = self.find(Category, Category.create_id(slug))
        if category is None or not category.active:
            raise UnknownCategory(slug, field)
        return category

    def active_agent(self, agent_id: str, field: str = "assignee") -> Agent:
        """The active agent with this id; ``UnknownAgent`` otherwise."""
        try:
            agent = self.get_agent(agent_id)
        except NotFound:
            raise UnknownAgent(str(agent_id), field) from None
        if not agent.active:
            raise UnknownAgent(agent_id, field)
        return agent

    def sla_terms(self, category: str, priority: Priority) -> SlaTerms:
        """The terms a ticket of ``category`` and ``priority`` is under now: the category's
        policy, else the default policy (else the built-in default targets, 24x7)."""
        found, read = self._read_category(category)
        return _terms(read, found, priority)

    def _read_category(self, slug: str, *also: tuple[type[Aggregate], UUID],
                       remembered: bool = False) -> tuple[Category | None, Found]:
        """The category with this slug (active or not), the SLA policies its terms may
        need, and ``also``: one statement, unless the category names a policy other than
        the one it named when this process last read it (then a second one). With
        ``remembered``, what the read cache holds is not read again (see ``find_many``)."""
        key = Category.create_id(slug)
        policies = {SlaPolicy.create_id(DEFAULT_POLICY)}
        hinted = self._policy_hints.get(slug)
        if hinted:
            policies.add(SlaPolicy.create_id(hinted))
        read = self.find_many((Category, key), *((SlaPolicy, p) for p in policies), *also,
                              remembered=remembered)
        category = read.get(Category, key)
        named = category.sla_policy if category is not None else None
        self._policy_hints.learn(slug, named)
        if named and SlaPolicy.create_id(named) not in read:
            read = read.merged(self.find_many((SlaPolicy, SlaPolicy.create_id(named)),
                                              remembered=remembered))
        return category, read

    # -- opening ----------------------------------------------------------------------

    def open_ticket(
        self,
        *,
        subject: str,
        description: str,
        customer_name: str,
        customer_email: str,
        channel: Channel = Channel.PORTAL,
        category: str | None = None,
        priority: Priority | None = None,
        actor: Actor | None = None,
        assignee: str | None = None,
        branch: str | None = None,
        order_ref: str | None = None,
        product_ref: str | None = None,
        tags: Iterable[str] = (),
        follow_up_of: str | None = None,
    ) -> OpenedTicket:
        """Open a ticket for a customer (registered on first contact) with the next number.

        The customer's access token is returned once; only its hash is stored.
        """
        contact = check_all({
            "email": lambda: check_email("email", customer_email),
            "name": lambda: check_text("name", customer_name, NAME_MAX, single_line=True),
        })
        fields = Ticket.check_opening(subject=subject, description=description, branch=branch,
                                      order_ref=order_ref, product_ref=product_ref, tags=tags)
        slug = category or DEFAULT_CATEGORY
        agent_id = _agent_key(assignee) if assignee else None
        if assignee and agent_id is None:
            self.active_category(slug)  # an unknown category is reported first
            raise UnknownAgent(str(assignee), "assignee")
        for attempt in range(READ_ATTEMPTS):
            # First from what this process remembers; if the save finds any of it changed
            # by another process, nothing was stored: read it all again and decide anew.
            request = self._opening_request(
                contact, fields, channel=channel, slug=slug, priority=priority, actor=actor,
                assignee=assignee, agent_id=agent_id, follow_up_of=follow_up_of,
                remembered=attempt == 0)
            try:
                return self._submit_opening(request)
            except StaleRead:
                if self.read_cache is not None:
                    self.read_cache.forget(oid for oid, _ in request.read_set)
                pause_before_retry(attempt)
        raise Conflict("what this ticket depends on keeps changing; try again")

    def _opening_request(self, contact: dict[str, str], fields: dict[str, Any], *,
                         channel: Channel, slug: str, priority: Priority | None,
                         actor: Actor | None, assignee: str | None, agent_id: UUID | None,
                         follow_up_of: str | None, remembered: bool) -> OpenRequest:
        """What to open, decided on the category, its policies, the customer and the
        assignee (read in one statement, or remembered)."""
        customer_id = Customer.create_id(contact["email"])
        also: list[tuple[type[Aggregate], UUID]] = [(Customer, customer_id)]
        if agent_id is not None:
            also.append((Agent, agent_id))
        chosen, read = self._read_category(slug, *also, remembered=remembered)
        if chosen is None or not chosen.active:
            raise UnknownCategory(slug, "category")
        agent = None
        if agent_id is not None:
            agent = read.get(Agent, agent_id)
            if agent is None or not agent.active:
                raise UnknownAgent(str(assignee), "assignee")
        chosen_priority = priority or chosen.default_priority
        return OpenRequest(
            email=contact["email"], name=contact["name"], fields=fields, channel=channel,
            category=chosen.slug, priority=chosen_priority,
            sla=_terms(read, chosen, chosen_priority), actor=actor, agent=agent,
            token=new_token(), follow_up_of=follow_up_of,
            customer=read.get(Customer, customer_id), customer_read=True,
            read_set=read.read_set() if self.read_cache is not None else [])

    def open_follow_up(self, original_number: str, *, subject: str, description: str,
                       actor: Actor | None = None) -> OpenedTicket:
        """Open a new ticket linked to a closed one, for the same customer."""
        original = self.get_ticket(original_number)
        return self.open_ticket(
            subject=subject, description=description, customer_name=original.customer.name,
            customer_email=original.customer.email, channel=original.channel,
            category=original.category, priority=original.priority, actor=actor,
            branch=original.branch, order_ref=original.order_ref,
            product_ref=original.product_ref, follow_up_of=original.number,
        )

    # -- changing ---------------------------------------------------------------------

    def _change(self, number: str, command: Callable[[Ticket], Any],
                expected_version: int | None) -> Saved[Ticket]:
        return self.update(lambda: self.get_ticket(number), command, expected_version)

    def assign(self, number: str, agent_id: str, *, actor: Actor, reason: str = "",
               expected_version: int | None = None) -> Saved[Ticket]:
        """Give the ticket to an active agent who may see its branch."""
        agent = self.active_agent(agent_id)

        def command(ticket: Ticket) -> None:
            if not agent.may_see_branch(ticket.branch):
                raise InvalidInput.field(
                    "assignee", f"{agent.name} does not work branch {ticket.branch!r}")
            ticket.assign(agent.agent_id, actor=actor, at=self.clock(), reason=reason)

        return self._change(number, command, expected_version)

    def unassign(self, number: str, *, actor: Actor, reason: str = "",
                 expected_version: int | None = None) -> Saved[Ticket]:
        """Put the ticket back into the unassigned queue."""
        return self._change(
            number, lambda t: t.unassign(actor=actor, at=self.clock(), reason=reason),
            expected_version)

    def change_status(self, number: str, status: Status, *, actor: Actor, reason: str = "",
                      expected_version: int | None = None) -> Saved[Ticket]:
        """Move the ticket as the transition table allows."""
        return self._change(
            number, lambda t: t.change_status(status, actor=actor, at=self.clock(),
                                              reason=reason),
            expected_version)

    def change_priority(self, number: str, priority: Priority, *, actor: Actor,
                        reason: str = "", expected_version: int | None = None) -> Saved[Ticket]:
        """Set a new priority."""
        return self._change(
            number, lambda t: t.change_priority(priority, actor=actor, at=self.clock(),
                                                reason=reason,
                                                sla=self.sla_terms(t.category, priority)),
            expected_version)

    def change_category(self, number: str, category: str, *, actor: Actor, reason: str = "",
                        expected_version: int | None = None) -> Saved[Ticket]:
        """Move the ticket to another active category."""
        slug = self.active_category(category).slug
        return self._change(
            number, lambda t: t.change_category(slug, actor=actor, at=self.clock(),
                                                reason=reason,
                                                sla=self.sla_terms(slug, t.priority)),
            expected_version)

    def add_message(self, number: str, body: str, *, author: Actor,
                    visibility: Visibility = Visibility.PUBLIC, template: str | None = None,
                    expected_version: int | None = None,
                    message_id: str | None = None) -> Saved[Ticket]:
        """Add a reply or an internal note; a customer reply may reopen the ticket.

        With ``message_id`` (automations derive it from the causing event) the command is
        idempotent: a message already in the conversation is not added again."""
        chosen_id = message_id or str(uuid.uuid4())

        def command(t: Ticket) -> None:
            if message_id is not None and t.has_message(message_id):
                return
            t.add_message(chosen_id, body, author=author, visibility=visibility,
                          at=self.clock(), template=template)

        return self._change(number, command, expected_version)

    def tag(self, number: str, tags: Iterable[str], *, actor: Actor,
            expected_version: int | None = None) -> Saved[Ticket]:
        """Add tags."""
        wanted = tuple(tags)
        return self._change(number, lambda t: t.tag(wanted, actor=actor, at=self.clock()),
                            expected_version)

    def untag(self, number: str, tags: Iterable[str], *, actor: Actor,
              expected_version: int | None = None) -> Saved[Ticket]:
        """Remove tags."""
        unwanted = tuple(tags)
        return self._change(number, lambda t: t.untag(unwanted, actor=actor, at=self.clock()),
                            expected_version)

    def record_sla_breach(self, number: str, metric: SlaMetric, due_at: datetime, *,
                          actor: Actor) -> Saved[Ticket]:
        """Record a missed SLA target (once per metric)."""
        return self._change(
            number, lambda t: t.record_sla_breach(metric, due_at, actor=actor, at=self.clock()),
            None)

    def escalate(self, number: str, *, actor: Actor, reason: str = "") -> Saved[Ticket]:
        """Raise the priority one level and mark the escalation."""
        return self._change(
            number, lambda t: t.escalate(actor=actor, at=self.clock(), reason=reason,
                                         sla=self.sla_terms(t.category, t.priority.raised())),
            None)

    def update_ticket(self, number: str, changes: TicketChanges, *, actor: Actor,
                      expected_version: int | None = None) -> Saved[Ticket]:
        """Apply several changes at once (category, priority, assignee, tags, then status),
        all or none, in one save."""
        if changes.is_empty:
            raise InvalidInput.field("body", "name at least one field to change")
        category = (self.active_category(changes.category).slug
                    if changes.category is not None else None)
        agent = (self.active_agent(changes.assignee)
                 if changes.assignee not in (KEEP, None) else None)
        wanted_tags = None if changes.tags is None else tuple(changes.tags)

        def command(t: Ticket) -> None:
            now, reason = self.clock(), changes.reason
            if category is not None:
                t.change_category(category, actor=actor, at=now, reason=reason,
                                  sla=self.sla_terms(category, t.priority))
            if changes.priority is not None:
                t.change_priority(changes.priority, actor=actor, at=now, reason=reason,
                                  sla=self.sla_terms(t.category, changes.priority))
            if agent is not None:
                if not agent.may_see_branch(t.branch):
                    raise InvalidInput.field(
                        "assignee", f"{agent.name} does not work branch {t.branch!r}")
                t.assign(agent.agent_id, actor=actor, at=now, reason=reason)
            elif changes.assignee is None:
                t.unassign(actor=actor, at=now, reason=reason)
            if wanted_tags is not None:
                t.untag([x for x in t.tags if x not in wanted_tags], actor=actor, at=now)
                t.tag(wanted_tags, actor=actor, at=now)
            if changes.status is not None and changes.status is not t.status:
                t.change_status(changes.status, actor=actor, at=now, reason=reason)

        return self._change(number, command, expected_version)

    def authenticate_customer(self, number: str, token: str) -> Ticket | None:
        """The ticket this access token opens, or None (never says whether it exists)."""
        try:
            ticket = self.get_ticket(number)
        except (NotFound, InvalidInput):
            return None
        if ticket.deleted:
            return None
        if token_matches(token, ticket.access_token_hash):
            return ticket
        link = self.find(AccessLink, AccessLink.create_id(hash_token(token)))
        return ticket if link is not None and link.number == ticket.number else None

    def is_customer_token(self, token: str) -> bool:
        """Whether ``token`` is a customer's access token (of any ticket)."""
        return self.find(AccessLink, AccessLink.create_id(hash_token(token))) is not None

    def issue_access_link(self, number: str) -> str:
        """A new private link token for the ticket's customer (for an e-mail), returned
        once; the ticket itself does not change."""
        ticket = self.get_ticket(number)
        token = new_token()
        self.save_all(AccessLink.issue(hash_token(token), ticket.number, at=self.clock()))
        return token

    def delete(self, number: str, *, actor: Actor, reason: str = "",
               expected_version: int | None = None) -> Saved[Ticket]:
        """Soft-delete the ticket."""
        return self._change(
            number, lambda t: t.delete(actor=actor, at=self.clock(), reason=reason),
            expected_version)


def _agent_key(agent_id: str) -> UUID | None:
    """The id of the agent aggregate ``agent_id`` names, or None if it names none."""
    try:
        return UUID(str(agent_id))
    except ValueError:
        return None


def _terms(read: Found, category: Category | None, priority: Priority) -> SlaTerms:
    """The terms under ``category``'s policy (read with it by ``_read_category``)."""
    slug = (category.sla_policy if category is not None else None) or DEFAULT_POLICY
    policy = read.get(SlaPolicy, SlaPolicy.create_id(slug)) or read.get(
        SlaPolicy, SlaPolicy.create_id(DEFAULT_POLICY))
    if policy is None:
        target = next(t for t in DEFAULT_TARGETS if t.priority is priority)
        return SlaTerms(DEFAULT_POLICY, target.first_response_minutes,
                        target.resolution_minutes)
    return policy.terms(priority)
