"""``helpdesk audit history|state|queue|sla`` on a SQLite event store filled first with the
hand-computed story of ``what_if_story``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from api.audit_views import event_out
from application.service import Helpdesk
from domain.ticket import Ticket
from helpdesk.cli import main
from helpdesk.settings import persistence_env
from tests.conftest import FakeClock
from tests.integration.what_if_story import Story, play_story, policy_json


@pytest.fixture
def desk(tmp_path, monkeypatch) -> tuple[str, Story]:
    """The story recorded in a SQLite file that ``HELPDESK_DATABASE_URL`` names."""
    url = f"sqlite:///{tmp_path}/events.sqlite3"
    app = Helpdesk(persistence_env(url),
                   clock=FakeClock(datetime(2026, 3, 1, 10, 0, tzinfo=UTC)))
    app.ensure_defaults()
    story = play_story(app, app.clock)
    app.close()
    monkeypatch.setenv("HELPDESK_DATABASE_URL", url)
    return url, story


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_history_prints_each_event_with_time_actor_and_reason(desk, capsys):
    _, s = desk
    code, out, _ = run(capsys, "history", s.a.lower())
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == s.a
    assert lines[1].split() == ["version", "time", "type", "actor", "reason"]
    body = [line.split(None, 4) for line in lines[2:]]
    assert [(row[0], row[1], row[2]) for row in body] == [
        ("1", "2026-03-02T16:00:00Z", "Opened"),
        ("2", "2026-03-02T16:45:00Z", "MessageAdded"),
        ("3", "2026-03-02T16:50:00Z", "StatusChanged"),
        ("4", "2026-03-03T08:30:00Z", "MessageAdded"),
        ("5", "2026-03-03T08:30:00Z", "StatusChanged"),
        ("6", "2026-03-03T10:00:00Z", "StatusChanged")]
    assert body[2][3].startswith("agent:") and body[2][4] == "need the order"
    assert body[3][3].startswith("customer:") and body[4][4] == "customer replied"


def test_history_as_json_lines_has_the_apis_shape(desk, capsys):
    url, s = desk
    code, out, _ = run(capsys, "history", s.a, "--json")
    assert code == 0
    printed = [json.loads(line) for line in out.splitlines()]
    app = Helpdesk(persistence_env(url))
    try:
        expected = [json.loads(msgspec.json.encode(event_out(e)))
                    for e in app.events.get(Ticket.create_id(s.a))]
    finally:
        app.close()
    assert printed == expected
    assert printed[0]["payload"]["number"] == s.a
    assert "access_token_hash" not in printed[0]["payload"]
    assert printed[2]["payload"]["to_status"] == "waiting_customer"


def test_state_at_a_version_and_at_an_instant(desk, capsys):
    _, s = desk
    code, out, _ = run(capsys, "state", s.a, "--version", "3")
    assert code == 0
    assert out.splitlines()[0] == f"{s.a} as of version 3 (2026-03-02T16:50:00Z)"
    assert "status    waiting_customer" in out and "messages  1" in out
    code, out, _ = run(capsys, "state", s.a, "--at", "2026-03-03T09:00", "--json")
    assert code == 0
    state = json.loads(out)
    assert (state["as_of_version"], state["as_of_time"]) == (5, "2026-03-03T09:00:00Z")
    assert state["ticket"]["status"] == "open" and len(state["ticket"]["messages"]) == 2


def test_the_queue_at_an_instant(desk, capsys):
    _, s = desk
    code, out, _ = run(capsys, "queue", "--at", "2026-03-02T16:40:00Z")
    assert code == 0
    assert out.splitlines()[0] == "queue as of 2026-03-02T16:40:00Z: 3 tickets (open 3)"
    assert s.a in out and s.b in out and s.c not in out
    code, out, _ = run(capsys, "queue", "--at", "2026-03-03T10:30:00+01:00", "--json",
                       "--status", "open", "--status", "resolved", "--sort", "created_at")
    assert code == 0
    page = json.loads(out)
    assert page["as_of"] == "2026-03-03T09:30:00Z"
    assert page["counts"] == {"open": 3}  # D, A (reopened by the reply) and B
    assert [i["number"] for i in page["items"]][1:] == [s.a, s.b]
    code, out, _ = run(capsys, "queue", "--at", "2026-03-03T12:00:00Z", "--include-deleted",
                       "--limit", "2")
    assert code == 0 and "(only the first 2 shown: raise --limit)" in out
    assert "6 tickets" in out.splitlines()[0]


def test_the_sla_what_if_table(desk, capsys, tmp_path):
    _, s = desk
    policy = tmp_path / "policy.json"
    policy.write_text(policy_json(office_hours=True))
    code, out, _ = run(capsys, "sla", "--policy", str(policy), "--from", "2026-03-02T09:00",
                       "--to", "2026-03-03T12:00")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("SLA what-if 'Office hours' vs actual terms")
    table = {line.split()[0]: line for line in lines[2:7]}
    assert table["urgent"].split() == ["urgent", "1", "0/1", "0%", "1/1", "100%", "1/1",
                                       "100%", "1/1", "100%"]
    assert table["medium"].split() == ["medium", "1", "1/1", "100%", "0/1", "0%", "-", "-"]
    assert table["all"].split()[:4] == ["all", "3", "1/2", "50%"]
    assert "1 deleted tickets left out" in out
    code, out, _ = run(capsys, "sla", "--policy", str(policy), "--from", "2026-03-02",
                       "--to", "2026-03-03T12:00:00Z", "--json")
    report = json.loads(out)
    assert report["what_if"]["all"]["first_response_met"] == 1
    assert report["what_if"]["all"]["resolution_rate"] == 1.0
    assert report["actual"]["all"]["first_response_missed"] == 1
    assert [t["number"] for t in report["tickets"]] == [s.a, s.b, s.c]


@pytest.mark.parametrize(("argv", "message"), [
    (["history", "TKT-2026-999999"], "does not exist"),
    (["history", "nonsense"], "number"),
    (["state", "TKT-2026-000003", "--version", "99"], "has 6 versions"),
    (["state", "TKT-2026-000003", "--at", "2026-03-01T00:00:00Z"], "did not exist yet"),
    (["queue", "--at", "FUTURE"], "in the future"),
    (["sla", "--policy", "MISSING", "--from", "2026-03-02", "--to", "2026-03-03"],
     "cannot read the policy file"),
    (["sla", "--policy", "BAD", "--from", "2026-03-02", "--to", "2026-03-03"],
     "missing targets for: low"),
    (["sla", "--policy", "GOOD", "--from", "2026-03-03", "--to", "2026-03-02"], "empty"),
])
def test_errors_end_with_a_clear_message_and_code_2(desk, capsys, tmp_path, argv, message):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(policy_json(office_hours=False))
    document = json.loads(policy_json(office_hours=False))
    bad.write_text(json.dumps({**document, "targets": document["targets"][:3]}))
    future = (datetime.now(tz=UTC) + timedelta(days=1)).isoformat()
    replace = {"FUTURE": future, "MISSING": str(tmp_path / "nope.json"), "BAD": str(bad),
               "GOOD": str(good)}
    code, out, err = run(capsys, *(replace.get(a, a) for a in argv))
    assert code == 2 and out == ""
    assert err.startswith("helpdesk: ") and message in err, err


@pytest.mark.parametrize("argv", [
    ["state", "TKT-2026-000003"],
    ["state", "TKT-2026-000003", "--version", "1", "--at", "2026-03-02"],
    ["queue"],
    ["queue", "--at", "yesterday"],
    ["queue", "--at", "2026-03-02", "--limit", "0"],
])
def test_usage_errors_exit_with_code_2(desk, capsys, argv):
    with pytest.raises(SystemExit) as stopped:
        main(["audit", *argv])
    assert stopped.value.code == 2
    assert "usage: helpdesk audit" in capsys.readouterr().err
