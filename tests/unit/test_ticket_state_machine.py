"""Property test: any sequence of Ticket commands keeps the transition table, refused
commands change nothing, and the ticket rebuilt from its stored events (with and without
snapshots, at every version) equals the live one."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from application.service import Helpdesk
from domain.errors import DomainError
from domain.ticket import Ticket
from domain.transitions import AGENT_TRANSITIONS, ON_CUSTOMER_REPLY, SYSTEM_TRANSITIONS
from domain.values import Actor, ActorKind, Priority, SlaMetric, Status, Visibility
from tests.unit.ticket_factory import at, new_ticket

ACTORS = {
    ActorKind.AGENT: Actor.agent("a-1"),
    ActorKind.SYSTEM: Actor.system("sla-monitor"),
    ActorKind.CUSTOMER: Actor.customer("c-1"),
}
actor_kinds = st.sampled_from(list(ActorKind))


def state_of(ticket: Ticket) -> dict[str, Any]:
    return {k: v for k, v in copy.deepcopy(vars(ticket)).items() if k != "_pending_events"}


class TicketMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = Helpdesk({"PERSISTENCE_MODULE": "eventsourcing.popo"}, snapshot_interval=4)
        self.ticket = new_ticket()
        self.minute = 0
        self.history: dict[int, dict[str, Any]] = {}
        self._save()

    def teardown(self) -> None:
        self.app.close()

    def _now(self):
        self.minute += 7
        return at(self.minute)

    def _save(self) -> None:
        self.app.save(self.ticket)
        self.history[self.ticket.version] = state_of(self.ticket)

    def _attempt(self, command, allowed: bool) -> None:
        before = state_of(self.ticket)
        try:
            command()
        except DomainError:
            assert not allowed, "an allowed command was refused"
            assert state_of(self.ticket) == before, "a refused command changed the ticket"
            assert not self.ticket.pending_events
            return
        assert allowed, "a command outside the table was accepted"
        self._save()

    @rule(to=st.sampled_from(list(Status)), kind=actor_kinds)
    def change_status(self, to: Status, kind: ActorKind) -> None:
        current = self.ticket.status
        table = {ActorKind.AGENT: AGENT_TRANSITIONS, ActorKind.SYSTEM: SYSTEM_TRANSITIONS}
        allowed = (not self.ticket.deleted and kind in table
                   and to in table[kind].get(current, frozenset()))
        self._attempt(lambda: self.ticket.change_status(to, actor=ACTORS[kind],
                                                        at=self._now()), allowed)
        if allowed:
            assert self.ticket.status is to

    @rule(kind=actor_kinds, public=st.booleans())
    def add_message(self, kind: ActorKind, public: bool) -> None:
        current = self.ticket.status
        visibility = Visibility.PUBLIC if public else Visibility.INTERNAL
        if kind is ActorKind.CUSTOMER:
            allowed = public and current is not Status.CLOSED
        else:
            allowed = not (public and current is Status.CLOSED)
        allowed = allowed and not self.ticket.deleted
        self._attempt(lambda: self.ticket.add_message(
            f"m{self.minute}", "hello", author=ACTORS[kind], visibility=visibility,
            at=self._now()), allowed)
        if allowed and kind is ActorKind.CUSTOMER:
            assert self.ticket.status is ON_CUSTOMER_REPLY.get(current, current)

    @rule(agent=st.sampled_from(["a-1", "a-2"]), kind=actor_kinds)
    def assign(self, agent: str, kind: ActorKind) -> None:
        current, before = self.ticket.status, self.ticket.assignee
        editable = not self.ticket.deleted and current is not Status.CLOSED
        self._attempt(lambda: self.ticket.assign(agent, actor=ACTORS[kind], at=self._now()),
                      editable and kind is not ActorKind.CUSTOMER)
        if editable and kind is not ActorKind.CUSTOMER:
            assert self.ticket.assignee == agent
            # a new assignee starts work on an open ticket; re-assigning the same one is a
            # no-op
            moved = current is Status.OPEN and before != agent
            assert self.ticket.status is (Status.IN_PROGRESS if moved else current)

    @rule()
    def unassign(self) -> None:
        editable = not self.ticket.deleted and self.ticket.status is not Status.CLOSED
        self._attempt(lambda: self.ticket.unassign(actor=ACTORS[ActorKind.AGENT],
                                                   at=self._now()), editable)

    @rule(priority=st.sampled_from(list(Priority)))
    def change_priority(self, priority: Priority) -> None:
        editable = not self.ticket.deleted and self.ticket.status is not Status.CLOSED
        self._attempt(lambda: self.ticket.change_priority(
            priority, actor=ACTORS[ActorKind.AGENT], at=self._now()), editable)

    @rule(tags=st.lists(st.sampled_from(["vip", "late", "refund"]), max_size=2),
          add=st.booleans())
    def retag(self, tags: list[str], add: bool) -> None:
        editable = not self.ticket.deleted and self.ticket.status is not Status.CLOSED
        command = self.ticket.tag if add else self.ticket.untag
        self._attempt(lambda: command(tags, actor=ACTORS[ActorKind.AGENT], at=self._now()),
                      editable)

    @rule(metric=st.sampled_from(list(SlaMetric)))
    def breach(self, metric: SlaMetric) -> None:
        self._attempt(lambda: self.ticket.record_sla_breach(
            metric, at(0), actor=ACTORS[ActorKind.SYSTEM], at=self._now()),
            not self.ticket.deleted)

    @rule()
    def escalate(self) -> None:
        before = self.ticket.priority
        editable = not self.ticket.deleted and self.ticket.status is not Status.CLOSED
        self._attempt(lambda: self.ticket.escalate(actor=ACTORS[ActorKind.SYSTEM],
                                                   at=self._now()), editable)
        if editable:
            assert self.ticket.priority is before.raised()

    @precondition(lambda self: self.ticket.version > 6)
    @rule()
    def delete(self) -> None:
        self._attempt(lambda: self.ticket.delete(actor=ACTORS[ActorKind.AGENT],
                                                 at=self._now()), not self.ticket.deleted)

    @invariant()
    def stored_history_rebuilds_every_version(self) -> None:
        ticket_id = self.ticket.id
        assert state_of(self.app.repository.get(ticket_id)) == state_of(self.ticket)
        replayed: Ticket | None = None
        for event in self.app.events.get(ticket_id):
            replayed = event.mutate(replayed)
            version = event.originator_version
            if version in self.history:  # commands of two events skip a version
                assert state_of(replayed) == self.history[version], f"replay differs at {version}"
            with_snapshots = self.app.repository.get(ticket_id, version=version)
            assert state_of(with_snapshots) == state_of(replayed), (
                f"snapshot rebuild differs at {version}")


TicketMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25,
                                           deadline=None)
test_ticket_state_machine = TicketMachine.TestCase
