"""The help desk application: every command of the write side."""

from __future__ import annotations

from application.configuration import ConfigurationCommands
from application.tickets import TicketCommands


class Helpdesk(TicketCommands, ConfigurationCommands):
    """The event-sourced application: tickets and configuration share one event store and
    one notification log, which projections and workers follow."""
