"""Every SQL query of docs/analytics.md, taken from the document itself, run against read
models projected from a scenario driven through the real application, on SQLite and
PostgreSQL, with the results worked out by hand from the scenario."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from application.service import Helpdesk
from domain.customer import Customer, Order
from domain.notification import Notification
from domain.values import Actor, Priority, Role, SlaMetric, Status, Visibility
from projections.migrate import upgrade
from projections.registry import build_read_models
from projections.runner import ProjectionRunner
from projections.store import ReadStore, open_read_store

DOC = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"
SETUP = Actor.system("test-setup")
ONLY = {"-- PostgreSQL only": "postgres", "-- SQLite only": "sqlite"}


@dataclass(frozen=True)
class Block:
    """One ```sql block of the document and the heading it stands under."""

    heading: str
    sql: str

    @property
    def key(self) -> str:
        """``Q1`` ... for the example queries, else the heading."""
        found = re.match(r"Q(\d+)\.", self.heading)
        return f"Q{found.group(1)}" if found else self.heading

    @property
    def backends(self) -> set[str]:
        """Where the block is meant to run (both unless its first line says otherwise)."""
        first = self.sql.lstrip().splitlines()[0]
        return {backend for marker, backend in ONLY.items() if first.startswith(marker)} or {
            "sqlite", "postgres"}


def doc_blocks() -> list[Block]:
    """Every ```sql block of docs/analytics.md, in order."""
    blocks: list[Block] = []
    heading, lines, inside = "", [], False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if inside:
            if line.strip() == "```":
                blocks.append(Block(heading, "\n".join(lines)))
                inside = False
            else:
                lines.append(line)
        elif line.strip() == "```sql":
            inside, lines = True, []
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    assert not inside, "unterminated ```sql block"
    return blocks


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026 (Monday the 2nd is the first day of the scenario)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


SINCE, UNTIL, NOW = at(3, 0), datetime(2026, 4, 2, tzinfo=UTC), at(6, 18)
CUSTOMERS = {"alice": "Alice", "bert": "Bert", "carla": "Carla", "dora": "Dora"}


def email(customer: str) -> str:
    return f"{customer}@example.com"


class Scenario:
    """Steps at absolute times, run in time order through the real application."""

    def __init__(self, app: Helpdesk, clock: Any) -> None:
        self.app, self.clock = app, clock
        self.steps: list[tuple[datetime, int, Callable[[], Any]]] = []
        self.numbers: dict[str, str] = {}
        self.agents: dict[str, str] = {}

    def when(self, moment: datetime, step: Callable[[], Any]) -> None:
        self.steps.append((moment, len(self.steps), step))

    def run(self) -> None:
        for moment, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            assert moment >= self.clock.now, "the scenario goes back in time"
            self.clock.now = moment
            step()

    def agent(self, name: str) -> Actor:
        return Actor.agent(self.agents[name])

    # -- ticket steps -----------------------------------------------------------------

    def opens(self, key: str, moment: datetime, customer: str, category: str,
              priority: Priority | None = None, tags: tuple[str, ...] = ()) -> None:
        def step() -> None:
            opened = self.app.open_ticket(
                subject=f"Ticket {key}", description="Something is wrong",
                customer_name=CUSTOMERS[customer], customer_email=email(customer),
                category=category, priority=priority, tags=tags)
            self.numbers[key] = opened.ticket.number
        self.when(moment, step)

    def assign(self, key: str, moment: datetime, agent: str) -> None:
        self.when(moment, lambda: self.app.assign(self.numbers[key], self.agents[agent],
                                                  actor=self.agent(agent)))

    def reply(self, key: str, moment: datetime, agent: str,
              visibility: Visibility = Visibility.PUBLIC) -> None:
        self.when(moment, lambda: self.app.add_message(
            self.numbers[key], "An answer", author=self.agent(agent), visibility=visibility))

    def customer_reply(self, key: str, moment: datetime, customer: str) -> None:
        author = Actor.customer(str(Customer.create_id(email(customer))))
        self.when(moment, lambda: self.app.add_message(self.numbers[key], "Thanks",
                                                       author=author))

    def status(self, key: str, moment: datetime, status: Status, agent: str) -> None:
        self.when(moment, lambda: self.app.change_status(self.numbers[key], status,
                                                         actor=self.agent(agent)))

    def breach(self, key: str, moment: datetime, metric: SlaMetric) -> None:
        self.when(moment, lambda: self.app.record_sla_breach(
            self.numbers[key], metric, moment, actor=Actor.system("sla-monitor")))


def build_scenario(app: Helpdesk, clock: Any) -> Scenario:
    """Twenty tickets from Monday 2 to Friday 6 March 2026 (default SLA policy, 24x7:
    medium 480/2880 min, high 240/1440, low 1440/5760, urgent 60/240)."""
    s = Scenario(app, clock)
    app.create_category("billing", name="Billing", actor=SETUP)
    app.create_category("shipping", name="Shipping", actor=SETUP)
    for name, capacity in (("Ann", 2), ("Bob", 10), ("Cy", 1)):
        s.agents[name] = app.create_agent(email=f"{name.lower()}@desk.example", name=name,
                                          role=Role.AGENT, actor=SETUP,
                                          capacity=capacity).agent.agent_id
    app.upsert_customer(email=email("alice"), name="Alice", orders=[
        Order("O-1", date(2026, 1, 10), Decimal("100.00")),
        Order("O-2", date(2026, 2, 1), Decimal("50.50"))])
    app.upsert_customer(email=email("bert"), name="Bert", orders=[
        Order("O-3", date(2026, 2, 3), Decimal("20.00")),
        Order("O-4", date(2026, 2, 4), Decimal("15.00"), currency="USD")])
    app.upsert_customer(email=email("carla"), name="Carla")  # Dora comes with a ticket

    low, high, urgent = Priority.LOW, Priority.HIGH, Priority.URGENT
    resolved, waiting = Status.RESOLVED, Status.WAITING_CUSTOMER
    # Monday 2 (before the period)
    s.opens("T1", at(2, 9), "alice", "billing")
    s.assign("T1", at(2, 9, 30), "Ann")
    s.reply("T1", at(2, 10), "Ann")
    s.status("T1", at(2, 11), resolved, "Ann")
    s.opens("T2", at(2, 10), "bert", "general", low)
    s.breach("T2", at(3, 10), SlaMetric.FIRST_RESPONSE)
    # Tuesday 3
    s.opens("T3", at(3, 9), "alice", "billing", tags=("invoice",))
    s.assign("T3", at(3, 9, 10), "Ann")
    s.reply("T3", at(3, 9, 40), "Ann")  # 2400 s
    s.status("T3", at(3, 10), waiting, "Ann")
    s.customer_reply("T3", at(3, 12), "alice")  # waited 7200 s
    s.status("T3", at(3, 13), resolved, "Ann")
    s.customer_reply("T3", at(3, 14), "alice")  # reopen
    s.status("T3", at(3, 15), resolved, "Ann")
    s.opens("T4", at(3, 10), "carla", "billing", high)
    s.assign("T4", at(3, 10), "Bob")
    s.reply("T4", at(3, 11), "Bob")  # 3600 s
    s.status("T4", at(3, 12), resolved, "Bob")
    s.status("T4", at(3, 13), Status.IN_PROGRESS, "Bob")  # reopen
    s.status("T4", at(3, 14), resolved, "Bob")
    s.opens("T5", at(3, 11), "bert", "shipping")
    s.assign("T5", at(3, 11, 30), "Bob")
    s.reply("T5", at(3, 11, 45), "Bob", Visibility.INTERNAL)
    s.reply("T5", at(3, 12, 30), "Bob")  # 5400 s
    s.when(at(3, 12, 45), lambda: app.tag(s.numbers["T5"], ["lost-parcel"],
                                          actor=s.agent("Bob")))
    s.status("T5", at(3, 13), waiting, "Bob")
    s.status("T5", at(3, 15), resolved, "Bob")  # waited 7200 s
    s.opens("T6", at(3, 12), "dora", "shipping", urgent)
    s.breach("T6", at(3, 13), SlaMetric.FIRST_RESPONSE)
    s.assign("T6", at(3, 13, 30), "Bob")
    s.reply("T6", at(3, 14), "Bob")  # 7200 s, late
    s.breach("T6", at(3, 16), SlaMetric.RESOLUTION)
    s.status("T6", at(3, 17), resolved, "Bob")  # late
    # Wednesday 4
    s.opens("T7", at(4, 9), "alice", "general")
    s.assign("T7", at(4, 9), "Ann")
    s.reply("T7", at(4, 9, 20), "Ann")  # 1200 s
    s.opens("T8", at(4, 9, 30), "carla", "general")
    s.assign("T8", at(4, 9, 30), "Ann")
    s.reply("T8", at(4, 10, 30), "Ann")  # 3600 s
    s.status("T8", at(4, 11), waiting, "Ann")  # still waiting at the end
    s.opens("T9", at(4, 10), "bert", "billing", low)
    s.assign("T9", at(4, 10), "Ann")
    s.opens("T10", at(4, 11), "dora", "shipping", high)
    s.assign("T10", at(4, 11), "Cy")
    s.reply("T10", at(4, 11, 10), "Cy")  # 600 s
    s.status("T10", at(4, 12), resolved, "Cy")
    s.status("T10", at(4, 13), Status.CLOSED, "Cy")
    s.opens("T11", at(4, 12), "alice", "shipping")
    s.assign("T11", at(4, 12), "Cy")
    s.reply("T11", at(4, 16), "Cy")  # 14400 s
    s.opens("T12", at(4, 13), "carla", "billing", urgent)
    s.assign("T12", at(4, 13), "Cy")
    s.breach("T12", at(4, 14), SlaMetric.FIRST_RESPONSE)
    # Thursday 5
    s.opens("T13", at(5, 9), "bert", "general")
    s.opens("T14", at(5, 10), "alice", "billing", tags=("invoice", "refund"))
    s.assign("T14", at(5, 10), "Bob")
    s.reply("T14", at(5, 10, 5), "Bob")  # 300 s
    s.status("T14", at(5, 11), resolved, "Bob")
    s.status("T14", at(5, 12), Status.CLOSED, "Bob")
    s.opens("T15", at(5, 11), "carla", "shipping", low)
    s.assign("T15", at(5, 11), "Bob")
    s.reply("T15", at(5, 11, 30), "Bob")  # 1800 s
    s.status("T15", at(5, 12), waiting, "Bob")
    s.customer_reply("T15", at(5, 15), "carla")  # waited 10800 s
    s.opens("T16", at(5, 12), "dora", "general", tags=("spam",))
    s.when(at(5, 12, 30), lambda: app.delete(s.numbers["T16"], actor=s.agent("Ann")))
    s.opens("T17", at(5, 13), "bert", "billing", high)
    s.status("T17", at(5, 14), Status.CLOSED, "Bob")  # closed without resolving
    # Friday 6
    s.opens("T18", at(6, 9), "alice", "general")
    s.assign("T18", at(6, 9), "Ann")
    s.reply("T18", at(6, 9, 30), "Ann")  # 1800 s
    s.status("T18", at(6, 10), resolved, "Ann")
    s.customer_reply("T18", at(6, 11), "alice")  # reopen
    s.reply("T18", at(6, 11, 30), "Ann")
    s.status("T18", at(6, 12), resolved, "Ann")
    s.opens("T19", at(6, 10), "bert", "shipping")
    s.assign("T19", at(6, 10), "Bob")
    s.when(at(6, 10, 30), lambda: app.escalate(s.numbers["T19"], actor=s.agent("Bob")))
    s.reply("T19", at(6, 11), "Bob")  # 3600 s
    s.opens("T20", at(6, 11), "carla", "billing")
    s.when(at(6, 12, 30), lambda: notify(s, "T3", "email", "550 5.1.1 mailbox unavailable",
                                         final=True))
    s.when(at(6, 12, 40), lambda: notify(s, "T18", "email", "connection timed out",
                                         final=False))
    s.when(at(6, 12, 50), lambda: notify(s, "T19", "in_app", None, final=False))
    s.when(NOW, lambda: None)
    s.run()
    return s


def notify(s: Scenario, key: str, channel: str, failure: str | None, *, final: bool) -> None:
    """A notification about ticket ``key``: failed (finally or not), else delivered."""
    notification = Notification.request(
        cause_event_id=f"event-{key}", recipient=email("alice"), recipient_kind="customer",
        channel=channel, kind="ticket_updated", subject=f"About {key}", body="Hello",
        ticket_number=s.numbers[key], at=s.clock.now)
    if failure is None:
        notification.delivered(at=s.clock.now)
    else:
        notification.failed(failure, final=final, at=s.clock.now)
    s.app.save(notification)


# -- reading results ----------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A backend-independent form of a result value: fractions as floats rounded to three
    places, times as UTC ``YYYY-MM-DD HH:MM`` text, dates as ISO text."""
    if isinstance(value, Decimal | float):
        return round(float(value), 3)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?", value):
        return value[:16]
    return value


def run_query(store: ReadStore, backend: str, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` as a reader would, with the period and "now" bound as parameters."""
    params: dict[str, Any] = {"since": SINCE, "until": UNTIL, "now": NOW}
    if backend == "sqlite":  # the form the SQLite tables store times in (docs, section 3)
        params = {k: v.strftime("%Y-%m-%d %H:%M:%S") for k, v in params.items()}
    with store.reader.connect() as conn:
        if store.schema is not None:
            conn.exec_driver_sql(f'SET search_path TO "{store.schema}"')
        rows = conn.execute(text(sql), params).all()
        conn.rollback()
    return [tuple(plain(v) for v in row) for row in rows]


def test_the_document_has_the_example_queries():
    blocks = doc_blocks()
    keys = [b.key for b in blocks]
    assert {f"Q{n}" for n in range(1, 13)} <= set(keys)
    for key in set(keys):
        backends = set().union(*(b.backends for b in blocks if b.key == key))
        assert backends == {"sqlite", "postgres"}, f"{key} lacks a variant: {backends}"
    for block in blocks:
        assert "percentile_cont" not in block.sql.lower(), block.key
        assert "::" not in block.sql, f"{block.key}: use CAST(), not ::"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_documented_queries_answer_from_real_data(backend, request, make_app, clock):
    url = request.getfixturevalue(f"{backend}_url")
    app = make_app(url)
    s = build_scenario(app, clock)
    store = open_read_store(url)
    try:
        upgrade(store)
        ProjectionRunner(app, build_read_models(store)).catch_up()
        results: dict[str, list[list[tuple[Any, ...]]]] = {}
        for block in doc_blocks():
            if backend in block.backends:
                try:
                    rows = run_query(store, backend, block.sql)
                except Exception as error:  # pragma: no cover - the message is the point
                    pytest.fail(f"{block.key} failed on {backend}: {error}\n{block.sql}")
                results.setdefault(block.key, []).append(rows)
        check(results, s, app)
    finally:
        store.dispose()


def only(results: dict[str, list[list[tuple[Any, ...]]]], key: str) -> list[tuple[Any, ...]]:
    (rows,) = results[key]
    return rows


def check(results: dict[str, list[list[tuple[Any, ...]]]], s: Scenario, app: Helpdesk) -> None:
    n = s.numbers
    head = app.recorder.max_notification_id()
    positions = only(results, "2. Consistency: how current the tables are")
    assert [(name, position) for name, position, _ in positions] == [
        (name, head) for name in sorted(["agent_workload", "configuration", "customers",
                                         "daily_ticket_stats", "notifications",
                                         "ticket_messages", "ticket_metrics", "ticket_queue",
                                         "ticket_sla"])]

    # Q1: billing 300/2400/3600 s; general 1200/1800/3600; shipping 600/1800/3600/5400/
    # 7200/14400 (T1 opened before the period, T16 deleted, internal notes do not count).
    assert only(results, "Q1") == [("billing", 3, 40.0), ("general", 3, 30.0),
                                   ("shipping", 6, 75.0)]

    # Q2: resolutions per day count re-resolutions (T3, T4, T18) again; their reopens
    # (T3 and T4 on the 3rd, T18 on the 6th) are added back.
    assert only(results, "Q2") == [
        ("2026-03-02", 2, 1, 0, 1), ("2026-03-03", 4, 6, 2, 1), ("2026-03-04", 6, 1, 0, 6),
        ("2026-03-05", 5, 1, 0, 10), ("2026-03-06", 3, 2, 1, 12)]

    # Q3: Ann T3 T7 T8 T9 T18; Bob T4 T5 T6 T14 T15 T19 (T6 late twice); Cy T10 T11 T12
    # (T12 breached unanswered); unassigned T13 T17 (closed unresolved, in time) T20.
    assert only(results, "Q3") == [
        ("Ann", 5, 4, 4, 100.0, 2, 2, 100.0, 0),
        ("Bob", 6, 5, 6, 83.333, 3, 4, 75.0, 1),
        ("Cy", 3, 2, 2, 100.0, 1, 1, 100.0, 1),
        ("(unassigned)", 3, 0, 0, None, 1, 1, 100.0, 0)]

    # Q4: billing T3 T4 reopened, T14 and T17 not; general T18; shipping T5 T6 T10.
    assert only(results, "Q4") == [("billing", 4, 2, 2, 50.0), ("general", 1, 1, 1, 100.0),
                                   ("shipping", 3, 0, 0, 0.0)]

    # Q5 at Friday 18:00, in due order.
    assert [(r[0], r[2], r[5], r[6], r[7], r[8]) for r in only(results, "Q5")] == [
        (n["T2"], "open", "(unassigned)", "2026-03-03 05:12", "2026-03-03 10:00", "breached"),
        (n["T12"], "in_progress", "Cy", "2026-03-04 13:48", "2026-03-04 14:00", "breached"),
        (n["T9"], "in_progress", "Ann", "2026-03-05 05:12", "2026-03-05 10:00", "overdue"),
        (n["T13"], "open", "(unassigned)", "2026-03-05 15:24", "2026-03-05 17:00",
         "overdue"),
        (n["T7"], "in_progress", "Ann", "2026-03-05 23:24", "2026-03-06 09:00", "overdue"),
        (n["T11"], "in_progress", "Cy", "2026-03-06 02:24", "2026-03-06 12:00", "overdue"),
        (n["T20"], "open", "(unassigned)", "2026-03-06 17:24", "2026-03-06 19:00",
         "at risk")]

    # Q6: one ticket an hour, two on Wednesday at 9 (T16 deleted).
    (busiest,) = results["Q6"]
    assert busiest[0] == (3, 9, 2)
    assert busiest[1:] == [(day, hour, 1) for day, hours in (
        (2, (9, 10, 11, 12)), (3, (10, 11, 12, 13)), (4, (9, 10, 11, 13)), (5, (9, 10, 11)))
        for hour in hours]

    # Q7: Ann holds T7 T8 (waiting) T9; Cy T11 T12.
    assert only(results, "Q7") == [("Ann", "ann@desk.example", 2, 3, 1),
                                   ("Cy", "cy@desk.example", 1, 2, 1)]

    # Q8: totals per currency.
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in only(results, "Q8")] == [
        ("Alice", 6, "2026-03-06 09:00", 2, 150.5, "EUR"),
        ("Bert", 6, "2026-03-06 10:00", 1, 20.0, "EUR"),
        ("Bert", 6, "2026-03-06 10:00", 1, 15.0, "USD"),
        ("Carla", 5, "2026-03-06 11:00", 0, 0, None),
        ("Dora", 2, "2026-03-04 11:00", 0, 0, None)]

    # Q9: finished waits T3 2 h; T5 2 h and T15 3 h; T8 is still waiting (55 h by now).
    finished, current = results["Q9"]
    assert finished == [("billing", 7, 1, 2.0, 0.286, 0), ("general", 4, 0, None, 0.0, 1),
                        ("shipping", 6, 2, 2.5, 0.833, 0)]
    assert current == [("billing", 1, 2.0), ("general", 1, 55.0), ("shipping", 2, 2.5)]

    # Q10: T19 counts as high since its escalation; T6 and T12 breached.
    assert only(results, "Q10") == [("urgent", 2, 2, 100.0, 0), ("high", 4, 0, 0.0, 1),
                                     ("medium", 9, 0, 0.0, 2), ("low", 2, 0, 0.0, 1)]

    # Q11: the final failure and the one waiting for a retry, latest first.
    assert [r[1:] for r in only(results, "Q11")] == [
        ("pending", 1, "ticket_updated", "email", "alice@example.com", n["T18"],
         "connection timed out"),
        ("failed", 1, "ticket_updated", "email", "alice@example.com", n["T3"],
         "550 5.1.1 mailbox unavailable")]
    assert [r[0] for r in only(results, "Q11")] == ["2026-03-06 12:40", "2026-03-06 12:30"]

    # Q12: T16's tag went with it.
    assert only(results, "Q12") == [("invoice", 2), ("lost-parcel", 1), ("refund", 1)]
