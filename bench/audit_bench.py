"""5. Audit: the state of a ticket with 5,000 events at its last version, read by an
application that snapshots tickets every 50 events and by one that does not (same event
store, same events); ``Helpdesk.get_ticket``."""

from __future__ import annotations

import statistics
import uuid
from typing import Any

from application.service import Helpdesk
from bench.common import Figure, Results, log, make_app, percentile, pg_schema, timed
from domain.values import Actor, Channel, Priority, Visibility

SECTION = "5 audit"
SAVE_EVERY = 100


def build_long_ticket(app: Helpdesk, events: int) -> str:
    """A ticket with exactly ``events`` events: opened, then notes, tags and priority
    changes by an agent, saved ``SAVE_EVERY`` events at a time (snapshots are taken as the
    application takes them, every 50 versions)."""
    number = app.open_ticket(subject="A very long conversation", description="It goes on.",
                             customer_name="Patient Customer",
                             customer_email="patient@shop.example",
                             channel=Channel.PORTAL).ticket.number
    agent = Actor.agent(str(uuid.uuid4()))
    ticket = app.get_ticket(number)
    terms = {p: app.sla_terms(ticket.category, p) for p in (Priority.HIGH, Priority.MEDIUM)}
    step = 0
    while ticket.version < events:
        now = app.clock()
        kind = step % 4
        if kind == 0:
            ticket.add_message(str(uuid.uuid4()), f"Internal note number {step}.",
                               author=agent, visibility=Visibility.INTERNAL, at=now)
        elif kind == 1:
            ticket.tag(["followed"], actor=agent, at=now)
        elif kind == 2:
            ticket.untag(["followed"], actor=agent, at=now)
        else:
            to = Priority.HIGH if ticket.priority is not Priority.HIGH else Priority.MEDIUM
            ticket.change_priority(to, actor=agent, at=now, sla=terms[to])
        step += 1
        if len(ticket.pending_events) >= SAVE_EVERY or ticket.version >= events:
            app.save(ticket)
    return number


def run(results: Results, *, events: int, repeat: int = 15) -> None:
    with pg_schema("audit") as url:
        with_snapshots = make_app(url, snapshot_interval=50)
        without = make_app(url, snapshot_interval=0)
        try:
            _run(results, with_snapshots, without, events, repeat)
        finally:
            without.close()
            with_snapshots.close()


def _run(results: Results, snap: Helpdesk, plain: Helpdesk, events: int, repeat: int) -> None:
    log(f"audit: writing a ticket with {events:,} events")
    number = build_long_ticket(snap, events)
    assert plain.snapshots is None, "the plain application must not read snapshots"
    latest = plain.get_ticket(number)
    assert latest.version == events and snap.get_ticket(number).version == events
    log("audit: reading its last version with and without snapshots")
    details: dict[str, Any] = {"ticket": number, "events": events}
    without = timed(lambda: plain.get_ticket(number), repeat, warmup=2)
    at_last = timed(lambda: snap.get_ticket(number), repeat * 4, warmup=2)
    # One version before: the newest snapshot lies 49 events back (the worst case).
    before = timed(lambda: snap.get_ticket(number, version=events - 1), repeat * 4, warmup=2)
    for name, times in (("without_snapshots", without), ("snapshots_at_last", at_last),
                        ("snapshots_49_events_back", before)):
        details[name] = {"median_ms": round(statistics.median(times) * 1000, 3),
                         "p95_ms": round(percentile(times, 95) * 1000, 3), "n": len(times)}
    ticket = snap.get_ticket(number)
    assert snap.snapshots is not None
    newest = list(snap.snapshots.recorder.select_events(ticket.id, desc=True, limit=1))
    details["newest_snapshot"] = {"version": newest[0].originator_version,
                                  "bytes": len(newest[0].state)} if newest else None
    details["messages_in_state"] = len(ticket.messages)
    results.details["audit"] = details
    plain_ms = statistics.median(without) * 1000
    results.add(Figure(SECTION, f"get_ticket at v{events:,}, snapshots every 50 (snapshot "
                       "at that version)", statistics.median(at_last) * 1000, "ms",
                       "no snapshots (replays every event)", plain_ms))
    results.add(Figure(SECTION, f"get_ticket at v{events - 1:,}, snapshots every 50 (49 "
                       "events on the snapshot)", statistics.median(before) * 1000, "ms",
                       "no snapshots (replays every event)", plain_ms))
