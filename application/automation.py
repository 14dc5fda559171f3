"""Commands the automations issue: SLA breaches with escalation, and auto-close. Each one
checks the ticket's own state first, so running it twice (or on a stale hint from a read
model) changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from application.base import HelpdeskBase, Saved
from application.tickets import TicketCommands
from domain.sla import AUTO_CLOSE_DAYS_DEFAULT, SlaPolicy
from domain.sla_clock import due_times
from domain.ticket import Ticket
from domain.values import Actor, SlaMetric, Status

SLA_MONITOR = Actor.system("sla-monitor")
AUTO_CLOSE = Actor.system("auto-close")
_DONE = (Status.RESOLVED, Status.CLOSED)


def overdue_metrics(ticket: Ticket, now: datetime) -> list[tuple[SlaMetric, datetime]]:
    """The SLA clocks of ``ticket`` that have run out by ``now`` and are not recorded yet."""
    if ticket.sla is None or ticket.deleted or ticket.status in _DONE:
        return []
    due = due_times(ticket.sla, ticket.created_on, ticket.sla_pause)
    overdue: list[tuple[SlaMetric, datetime]] = []
    if (ticket.first_response_at is None and now >= due.first_response_due
            and SlaMetric.FIRST_RESPONSE not in ticket.breached):
        overdue.append((SlaMetric.FIRST_RESPONSE, due.first_response_due))
    if (due.resolution_due is not None and now >= due.resolution_due
            and SlaMetric.RESOLUTION not in ticket.breached):
        overdue.append((SlaMetric.RESOLUTION, due.resolution_due))
    return overdue


class AutomationCommands(TicketCommands, HelpdeskBase):
    """What the SLA monitor and auto-close do."""

    def breach_overdue(self, number: str) -> Saved[Ticket]:
        """Record every newly overdue SLA clock and escalate once per breach, in one save."""

        def command(ticket: Ticket) -> None:
            now = self.clock()
            for metric, due_at in overdue_metrics(ticket, now):
                ticket.record_sla_breach(metric, due_at, actor=SLA_MONITOR, at=now)
                what = metric.value.replace("_", " ")
                # The SLA terms stay: a stricter target would breach again at once.
                ticket.escalate(actor=SLA_MONITOR, at=now,
                                reason=f"{what} was due {due_at:%Y-%m-%d %H:%M} UTC")

        return self._change(number, command, None)

    def auto_close_days(self, ticket: Ticket) -> int:
        """How long a resolved ticket waits for the customer before it closes."""
        slug = ticket.sla.policy if ticket.sla else None
        policy = self.find(SlaPolicy, SlaPolicy.create_id(slug)) if slug else None
        return policy.auto_close_days if policy else AUTO_CLOSE_DAYS_DEFAULT

    def auto_close_if_due(self, number: str) -> Saved[Ticket]:
        """Close a ticket resolved ``auto_close_days`` ago without a customer reply since."""

        def command(ticket: Ticket) -> None:
            if ticket.deleted or ticket.status is not Status.RESOLVED or not ticket.resolved_at:
                return
            days = self.auto_close_days(ticket)
            if self.clock() >= ticket.resolved_at + timedelta(days=days):
                ticket.change_status(Status.CLOSED, actor=AUTO_CLOSE, at=self.clock(),
                                     reason=f"no reply for {days} days after resolution")

        return self._change(number, command, None)
