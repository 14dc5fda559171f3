"""``helpdesk audit ...``: a ticket's history and past state, the queue at an instant, and
an SLA what-if, read from the event store only (nothing is written, not even defaults).

``--json`` prints what the API answers (``/api/v1/audit/...``); the SLA report has no
HTTP twin and prints its own document.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import msgspec

from api.audit_views import (
    event_out,
    projected_tickets,
    queue_page_as_of,
    ticket_as_of,
    ticket_history,
    verify_known_ticket,
    verify_ticket,
)
from application.service import Helpdesk
from domain.values import Priority, Status
from helpdesk.bootstrap import build_application, open_store
from helpdesk.settings import Settings
from projections.queries.tickets import SORTS, TicketFilter
from projections.sla_what_if import ALL, Compliance, WhatIfReport, sla_what_if
from projections.what_if_policy import SlaWhatIfPolicy


def _instant(text: str) -> datetime:
    """An ISO date-time (naive: UTC) or date (midnight UTC), for argparse."""
    try:
        moment = (datetime.combine(date.fromisoformat(text), time())
                  if len(text) == 10 else datetime.fromisoformat(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or date-time (e.g. 2026-03-02T09:00:00Z)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _positive(text: str) -> int:
    """A whole number from 1, for argparse."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1")
    return int(text)


def _open(settings: Settings) -> Helpdesk:
    """The application over the configured event store; audits never write."""
    return build_application(settings)


def _number(app: Helpdesk, ticket_id: Any) -> str:
    """A ticket's number from its first stored event (the read models did not know it)."""
    for event in app.events.get(ticket_id, lte=1):
        return str(getattr(event, "number", ticket_id))
    return str(ticket_id)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Recompute hash chains: exit 1 (and say where) when a history was altered."""
    app, store = _open(settings), open_store(settings)
    try:
        if args.all:  # the log's openings and the read models' list, each checks the other
            known = projected_tickets(store)
            ids = list(dict.fromkeys([*app.ticket_ids(), *known]))
            results = [verify_known_ticket(app, store, tid, known.get(tid) or _number(app, tid))
                       for tid in ids]
        else:
            results = [verify_ticket(app, store, args.number)]
    finally:
        store.dispose()
        app.close()
    bad = [r for r in results if not r.ok]
    if args.json:
        for result in results:
            _json(result)
    else:
        for result in bad if args.all else results:
            verdict = "intact" if result.ok else (
                f"ALTERED at version {result.first_bad_version}: {result.problem}")
            print(f"{result.number}: {result.checked} events, {verdict}")
        if args.all:
            print(f"{len(results)} tickets checked, {len(bad)} altered")
    return 1 if bad else 0


def _iso(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json(value: Any) -> None:
    print(msgspec.json.encode(value).decode())


def cmd_audit_history(settings: Settings, args: argparse.Namespace) -> int:
    """Print every stored event of a ticket: version, time, type, actor, reason."""
    app = _open(settings)
    try:
        clean, events = ticket_history(app, args.number)
    finally:
        app.close()
    shown = [event_out(event) for event in events]
    if args.json:
        for item in shown:
            _json(item)
        return 0
    rows = [(str(e.version), _iso(e.time), e.type,
             f"{e.actor.kind}:{e.actor.id}" if e.actor else "-", e.reason or "") for e in shown]
    _table(("version", "time", "type", "actor", "reason"), rows, title=clean)
    return 0


def cmd_audit_state(settings: Settings, args: argparse.Namespace) -> int:
    """Print a ticket as it was at a version or an instant."""
    app = _open(settings)
    try:
        clean, events = ticket_history(app, args.number)
        state = ticket_as_of(app, clean, events, version=args.version, at=args.at)
    finally:
        app.close()
    if args.json:
        _json(state)
        return 0
    t = state.ticket
    print(f"{t.number} as of version {state.as_of_version} ({_iso(state.as_of_time)})")
    sla = "-" if t.sla is None else (
        f"{t.sla.state} (policy {t.sla.policy}; first response due "
        f"{_iso(t.sla.first_response_due)}, resolution due {_iso(t.sla.resolution_due)})")
    for label, value in (
            ("subject", t.subject), ("status", t.status.value), ("priority", t.priority.value),
            ("category", t.category), ("assignee", t.assignee or "-"),
            ("branch", t.branch or "-"), ("tags", " ".join(t.tags) or "-"),
            ("customer", f"{t.customer.name} <{t.customer.email}>"), ("sla", sla),
            ("messages", str(len(t.messages)))):
        print(f"  {label:<9} {value}")
    for m in t.messages:
        body = m.body.splitlines()[0][:70] if m.body else ""
        print(f"    {_iso(m.created_at)} {m.author_kind}:{m.author_id} ({m.visibility}) {body}")
    return 0


def cmd_audit_queue(settings: Settings, args: argparse.Namespace) -> int:
    """Print the queue as it stood at an instant (same filters as the ticket list)."""
    wanted = TicketFilter(status=args.status or (), priority=args.priority or (),
                          assignee=None if args.assignee == "none" else args.assignee,
                          unassigned=args.assignee == "none", branch=args.branch,
                          include_deleted=args.include_deleted)
    app = _open(settings)
    try:
        page = queue_page_as_of(app, args.at, wanted, sort=args.sort, limit=args.limit)
    finally:
        app.close()
    if args.json:
        _json(page)
        return 0
    counts = ", ".join(f"{status} {n}" for status, n in sorted(page.counts.items()))
    rows = [(i.number, i.status, i.priority, i.assignee or "-", i.sla_state, i.subject[:50])
            for i in page.items]
    _table(("number", "status", "priority", "assignee", "sla", "subject"), rows,
           title=f"queue as of {_iso(page.as_of)}: {sum(page.counts.values())} tickets"
                 f"{f' ({counts})' if counts else ''}")
    if page.next_cursor:
        print(f"(only the first {args.limit} shown: raise --limit)")
    return 0


def cmd_audit_sla(settings: Settings, args: argparse.Namespace) -> int:
    """Judge the tickets opened in a period by another SLA policy, next to the actual."""
    try:
        text = Path(args.policy).read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read the policy file {args.policy}: {error.strerror}") from None
    policy = SlaWhatIfPolicy.from_json(text)
    app = _open(settings)
    try:
        report = sla_what_if(app, policy, args.start, args.end)
    finally:
        app.close()
    if args.json:
        _json(_report_document(report))
    else:
        _print_report(report)
    return 0


def _rate(met: int, missed: int) -> str:
    return "-" if not met + missed else f"{met}/{met + missed} {100 * met / (met + missed):.0f}%"


def _print_report(report: WhatIfReport) -> None:
    print(f"SLA what-if {report.policy!r} vs actual terms: tickets opened "
          f"{_iso(report.start)} .. {_iso(report.end)} ({len(report.tickets)} tickets; "
          f"clocks judged as of the end; met/counted)")
    rows = []
    for key in report.what_if:
        alt, real = report.what_if[key], report.actual[key]
        tickets = sum(1 for t in report.tickets if key == ALL or t.priority.value == key)
        rows.append((key, str(tickets),
                     _rate(alt.first_response_met, alt.first_response_missed),
                     _rate(real.first_response_met, real.first_response_missed),
                     _rate(alt.resolution_met, alt.resolution_missed),
                     _rate(real.resolution_met, real.resolution_missed)))
    _table(("priority", "tickets", "first response what-if", "actual",
            "resolution what-if", "actual"), rows)
    alt, real = report.what_if[ALL], report.actual[ALL]
    print(f"not yet due (not counted): what-if {alt.first_response_pending} first response, "
          f"{alt.resolution_pending} resolution; actual {real.first_response_pending} first "
          f"response, {real.resolution_pending} resolution")
    if report.without_terms or report.deleted:
        print(f"{report.without_terms} tickets had no recorded terms (what-if only); "
              f"{report.deleted} deleted tickets left out")


def _report_document(report: WhatIfReport) -> dict[str, Any]:
    def compliance(c: Compliance) -> dict[str, Any]:
        return {**msgspec.to_builtins(c), "first_response_rate": c.first_response_rate,
                "resolution_rate": c.resolution_rate}

    return {
        "policy": report.policy, "from": report.start, "to": report.end,
        "what_if": {k: compliance(c) for k, c in report.what_if.items()},
        "actual": {k: compliance(c) for k, c in report.actual.items()},
        "without_terms": report.without_terms, "deleted": report.deleted,
        "tickets": msgspec.to_builtins(report.tickets),
    }


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], title: str = "") -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    if title:
        print(title)
    for row in (header, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def add_audit_commands(commands: Any) -> None:
    """Register ``audit history|state|queue|sla`` on the CLI's sub-parsers."""
    audit = commands.add_parser("audit", help="what happened, read from the event store")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)

    history = audit_commands.add_parser("history", help=cmd_audit_history.__doc__)
    history.add_argument("number", help="a ticket number such as TKT-2026-000042")
    history.add_argument("--json", action="store_true", help="one JSON event per line")
    history.set_defaults(handler=cmd_audit_history)

    state = audit_commands.add_parser("state", help=cmd_audit_state.__doc__)
    state.add_argument("number", help="a ticket number such as TKT-2026-000042")
    when = state.add_mutually_exclusive_group(required=True)
    when.add_argument("--version", type=_positive, help="the version (1 = as opened)")
    when.add_argument("--at", type=_instant, help="an ISO date-time (UTC without offset)")
    state.add_argument("--json", action="store_true", help="print the API's JSON")
    state.set_defaults(handler=cmd_audit_state)

    queue = audit_commands.add_parser("queue", help=cmd_audit_queue.__doc__)
    queue.add_argument("--at", type=_instant, required=True,
                       help="an ISO date-time (UTC without offset), not in the future")
    queue.add_argument("--status", action="append", choices=[s.value for s in Status])
    queue.add_argument("--priority", action="append", choices=[p.value for p in Priority])
    queue.add_argument("--assignee", help="an agent id, or 'none' for unassigned")
    queue.add_argument("--branch")
    queue.add_argument("--include-deleted", action="store_true")
    queue.add_argument("--sort", choices=list(SORTS), default="priority")
    queue.add_argument("--limit", type=_positive, default=200, help="tickets shown (default 200)")
    queue.add_argument("--json", action="store_true", help="print the API's JSON")
    queue.set_defaults(handler=cmd_audit_queue)

    verify = audit_commands.add_parser("verify", help=cmd_audit_verify.__doc__)
    which = verify.add_mutually_exclusive_group(required=True)
    which.add_argument("number", nargs="?", help="a ticket number such as TKT-2026-000042")
    which.add_argument("--all", action="store_true", help="every ticket")
    verify.add_argument("--json", action="store_true", help="one JSON result per line")
    verify.set_defaults(handler=cmd_audit_verify)

    sla = audit_commands.add_parser("sla", help=cmd_audit_sla.__doc__)
    sla.add_argument("--policy", required=True, help="a JSON file with the policy to try")
    sla.add_argument("--from", dest="start", type=_instant, required=True,
                     help="first day (or instant) of the period, UTC")
    sla.add_argument("--to", dest="end", type=_instant, required=True,
                     help="end of the period (exclusive), UTC")
    sla.add_argument("--json", action="store_true", help="print the report as JSON")
    sla.set_defaults(handler=cmd_audit_sla)
