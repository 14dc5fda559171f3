"""Log lines as text or JSON."""

from __future__ import annotations

import json
import logging

import pytest

from helpdesk.logs import JsonLines
from helpdesk.settings import Settings, SettingsError


def test_json_lines_carry_time_level_logger_and_message():
    record = logging.LogRecord("helpdesk.workers", logging.WARNING, __file__, 1,
                               "giving up on %s", ("bob@example.com",), None)
    entry = json.loads(JsonLines().format(record))
    assert entry["level"] == "warning" and entry["logger"] == "helpdesk.workers"
    assert entry["message"] == "giving up on bob@example.com" and entry["time"].endswith("+00:00")


def test_the_log_format_and_pool_settings_are_checked():
    settings = Settings.from_env({"HELPDESK_LOG_FORMAT": "json", "HELPDESK_DB_POOL_SIZE": "12"})
    assert (settings.log_format, settings.db_pool_size) == ("json", 12)
    with pytest.raises(SettingsError, match="HELPDESK_LOG_FORMAT"):
        Settings.from_env({"HELPDESK_LOG_FORMAT": "xml"})
