"""The help desk application: every command of the write side."""

from __future__ import annotations

from application.audit import AuditCommands
from application.automation import AutomationCommands
from application.configuration import ConfigurationCommands
from application.notifications import NotificationCommands
from application.tickets import TicketCommands


class Helpdesk(AutomationCommands, TicketCommands, ConfigurationCommands,
               NotificationCommands, AuditCommands):
    """The event-sourced application: tickets and configuration share one event store and
    one notification log, which projections and workers follow."""
