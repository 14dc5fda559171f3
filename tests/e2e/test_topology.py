"""The production topology end to end, with real processes (tests/e2e/topology.py):
``helpdesk migrate``, two ``helpdesk api`` replicas, ``project``, ``dispatch`` and ``worker``
on PostgreSQL, a PRIVATE ``redis-server`` and a loopback SMTP server.

* A ticket's life across processes: opened through the portal on replica A, routed by the
  worker, changed by its agent on replica B, mailed through SMTP, listed by both replicas;
  every process stops cleanly on SIGTERM.
* The projector SIGKILLed in the middle of a stream of ~2,000 events: restarted, it reaches
  the head, and every read table equals a fresh rebuild of the same log.
* ``/readyz`` follows the database: 503 while the (private) PostgreSQL cluster is down,
  200 again once it is back, without restarting the API.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from application.service import Helpdesk
from application.ticket_changes import TicketChanges
from domain.values import Actor, Priority, Role, Status, Visibility
from projections.read_side import projected_position
from projections.registry import READ_MODELS, build_read_models
from projections.runner import ProjectionRunner
from projections.store import ReadStore, open_read_store
from projections.tables import metadata, projection_positions
from tests.e2e.topology import (
    PrivatePostgres,
    PrivateRedis,
    Proc,
    Topology,
    require_binary,
    wait_until,
)
from tests.integration.read_side_harness import table_rows
from tests.smtp_server import SmtpSink

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]

READ_MODEL_NAMES = [cls.name for cls in READ_MODELS]


class NotFailingFast(AssertionError):
    """The API does not answer quickly while the database is down (a known bug)."""


class ExitedBySignal(AssertionError):
    """A process died of the SIGTERM meant to stop it instead of exiting 0 (a known bug)."""


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(require_binary("redis-server"), tmp_path)
    yield server.start()
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        yield cluster.create()
    finally:
        cluster.destroy()


@pytest.fixture
def make_topology(tmp_path) -> Iterator[Any]:
    made: list[Topology] = []

    def make(database_url: str, **options: Any) -> Topology:
        topology = Topology(database_url, tmp_path, **options)
        made.append(topology)
        topology.migrate()
        return topology

    yield make
    for topology in made:  # before the schema (or cluster) goes away
        topology.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- a ticket across processes ---------------------------------------------------------------


@pytest.mark.redis
def test_a_ticket_travels_through_every_process_and_each_stops_cleanly(
        postgres_url, private_redis, make_topology):
    with SmtpSink() as sink:
        topology: Topology = make_topology(postgres_url, redis_url=private_redis.url,
                                           smtp_url=sink.url)
        agent_id, agent_token = topology.create_agent(
            "Ann Agent", "ann@desk.test", "--skills", "general")
        admin_id, admin_token = topology.create_agent(
            "Ada Admin", "ada@desk.test", "--role", "admin", "--capacity", "0")
        started = time.monotonic()
        topology.start_all()
        replica_a = topology.start_api("api-a")
        replica_b = topology.start_api("api-b", "--workers", "2")
        print(f"\nthe topology started in {time.monotonic() - started:.1f}s")

        opened = httpx.post(f"{replica_a.url}/api/v1/portal/tickets", timeout=10, json={
            "name": "Carla Customer", "email": "carla@example.com",
            "subject": "Printer on fire", "description": "It smells of toner."})
        assert opened.status_code == 201, opened.text
        number = opened.json()["number"]

        def routed() -> bool:
            shown = httpx.get(f"{replica_b.url}/api/v1/tickets/{number}",
                              headers=bearer(agent_token), timeout=10)
            assert shown.status_code == 200, shown.text
            return shown.json()["assignee"] == agent_id
        opened_at = time.monotonic()
        wait_until(routed, 30, f"{number} to be routed to the agent", topology.logs, 0.2)
        print(f"routed {time.monotonic() - opened_at:.1f}s after the portal answered")

        shown = httpx.get(f"{replica_b.url}/api/v1/tickets/{number}",
                          headers=bearer(agent_token), timeout=10)
        assert shown.json()["status"] == Status.IN_PROGRESS
        changed = httpx.patch(f"{replica_b.url}/api/v1/tickets/{number}", timeout=10,
                              headers={**bearer(agent_token), "If-Match": shown.headers["ETag"]},
                              json={"priority": "high", "reason": "smoke"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["priority"] == Priority.HIGH
        assert changed.headers["ETag"] != shown.headers["ETag"]
        stale = httpx.patch(f"{replica_a.url}/api/v1/tickets/{number}", timeout=10,
                            headers={**bearer(agent_token), "If-Match": shown.headers["ETag"]},
                            json={"priority": "low"})
        assert stale.status_code == 409, stale.text  # the other replica sees the new version
        position = changed.json()["position"]
        assert position > 0

        sink.wait_for(2, timeout=30)
        time.sleep(1.0)  # a duplicate or an unexpected mail would show up now
        mails = sorted((envelope.rcpt_tos, str(message["Subject"]))
                       for envelope, message in zip(list(sink.envelopes), list(sink.messages),
                                                    strict=True))
        assert mails == [(("ann@desk.test",), f"[{number}] Assigned to you: Printer on fire"),
                         (("carla@example.com",), f"[{number}] We received your request")], (
            f"{mails}\n{topology.logs()}")

        for replica, token in ((replica_a, agent_token), (replica_b, admin_token)):
            listed = httpx.get(f"{replica.url}/api/v1/tickets", headers=bearer(token),
                               params={"min_position": position}, timeout=10)
            assert listed.status_code == 200, f"{replica.name}: {listed.text}"
            rows = [(t["number"], t["priority"], t["assignee"], t["status"])
                    for t in listed.json()["items"]]
            assert rows == [(number, "high", agent_id, "in_progress")], replica.name
        assert admin_id != agent_id

        codes = topology.stop_all()
        print(f"exit codes after SIGTERM: {codes}")
        others = {name: code for name, code in codes.items() if name != replica_a.name}
        assert others == dict.fromkeys(others, 0), f"{codes}\n{topology.logs()}"
        if codes[replica_a.name] != 0:
            raise ExitedBySignal(f"{replica_a.name} (helpdesk api, one process) exited with "
                                 f"{codes[replica_a.name]} on SIGTERM; the others: {others}")


# --- the projector killed mid-stream ---------------------------------------------------------


def write_events(app: Helpdesk, agents: list[str], count: int, writers: int = 4) -> int:
    """About ``count`` events of every kind the read models see, from ``writers`` threads;
    the head afterwards."""
    target = (app.recorder.max_notification_id() or 0) + count
    errors: list[BaseException] = []

    def one_ticket(w: int, i: int) -> None:
        customer = f"customer{(w * 7 + i) % 23}@example.com"
        opened = app.open_ticket(subject=f"Problem {w}-{i}", description="It does not work",
                                 customer_name=f"Customer {(w * 7 + i) % 23}",
                                 customer_email=customer,
                                 priority=[Priority.LOW, Priority.MEDIUM, Priority.HIGH][i % 3])
        number = opened.ticket.number
        agent = agents[i % len(agents)]
        app.update_ticket(number, TicketChanges(assignee=agent, tags=[f"t{i % 4}"]),
                          actor=Actor.system("test"))
        app.add_message(number, "We are on it.", author=Actor.agent(agent))
        app.add_message(number, "A note.", author=Actor.agent(agent),
                        visibility=Visibility.INTERNAL)
        app.add_message(number, "Thanks!", author=Actor.customer(opened.ticket.customer.id))
        if i % 2:
            app.update_ticket(number, TicketChanges(status=Status.RESOLVED,
                                                    priority=Priority.URGENT),
                              actor=Actor.agent(agent))

    def writer(w: int) -> None:
        try:
            i = 0
            while (app.recorder.max_notification_id() or 0) < target:
                one_ticket(w, i)
                i += 1
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return app.recorder.max_notification_id() or 0


def positions(store: ReadStore) -> dict[str, int]:
    with store.reader.connect() as conn:
        return {name: int(position) for name, position in conn.execute(
            select(projection_positions.c.name, projection_positions.c.position)).all()
            if name in READ_MODEL_NAMES}


def test_a_projector_killed_mid_stream_resumes_and_matches_a_fresh_rebuild(
        postgres_url, make_topology):
    topology: Topology = make_topology(postgres_url)
    app = topology.application()
    agents = [app.create_agent(email=f"agent{i}@desk.test", name=f"Agent {i}", role=Role.AGENT,
                               actor=Actor.system("test"), skills=["general"]
                               ).agent.agent_id for i in range(3)]
    store = open_read_store(postgres_url)
    fresh_schema = f"{postgres_url.split('schema=')[1]}_fresh{uuid.uuid4().hex[:6]}"
    fresh = open_read_store(f"{postgres_url}&read_schema={fresh_schema}")
    try:
        projector = topology.start("project", ready="projecting")
        started = time.monotonic()
        head_box: list[int] = []
        writing = threading.Thread(
            target=lambda: head_box.append(write_events(app, agents, 2000)), daemon=True)
        writing.start()

        def mid_stream() -> bool:
            seen = positions(store)
            head = app.recorder.max_notification_id() or 0
            return (len(seen) == len(READ_MODEL_NAMES) and min(seen.values()) > 0
                    and min(seen.values()) < head and head > 600)
        wait_until(mid_stream, 60, "the projector to be mid-stream", topology.logs, 0.02)
        projector.process.send_signal(signal.SIGKILL)
        projector.process.wait(10)
        killed_at = positions(store)
        print(f"\nSIGKILL at positions {sorted(set(killed_at.values()))} "
              f"({time.monotonic() - started:.1f}s into the stream)")

        writing.join(120)
        assert head_box, "the writers did not finish"
        head = head_box[0]
        written = time.monotonic() - started
        assert head >= 2000
        assert max(positions(store).values()) < head, "the projector was not interrupted"

        topology.start("project", ready="projecting")
        resumed = time.monotonic()
        wait_until(lambda: projected_position(store, READ_MODEL_NAMES) >= head, 60,
                   f"every read model to reach {head}", topology.logs, 0.1)
        print(f"{head} events written in {written:.1f}s; the restarted projector caught up "
              f"in {time.monotonic() - resumed:.1f}s")
        assert positions(store) == dict.fromkeys(READ_MODEL_NAMES, head)

        with fresh.writer.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{fresh_schema}"')
        metadata.create_all(fresh.writer)
        fresh_models = build_read_models(fresh)
        rebuild_started = time.monotonic()
        ProjectionRunner(app, fresh_models).catch_up()
        print(f"fresh rebuild in {time.monotonic() - rebuild_started:.1f}s")
        assert positions(fresh) == dict.fromkeys(READ_MODEL_NAMES, head)

        live_rows = table_rows(store, build_read_models(store))
        fresh_rows = table_rows(fresh, fresh_models)
        assert set(live_rows) == set(fresh_rows)
        assert sum(len(rows) for rows in live_rows.values()) > 2000
        different = [name for name in sorted(live_rows) if live_rows[name] != fresh_rows[name]]
        assert not different, "\n".join(
            f"{name}: {len(live_rows[name])} live rows, {len(fresh_rows[name])} rebuilt; "
            f"only live: {sorted(set(live_rows[name]) - set(fresh_rows[name]), key=repr)[:3]}; "
            f"only rebuilt: {sorted(set(fresh_rows[name]) - set(live_rows[name]), key=repr)[:3]}"
            for name in different)

        codes = topology.stop_all()
        assert codes == dict.fromkeys(codes, 0), f"{codes}\n{topology.logs()}"
    finally:
        topology.close()
        with fresh.writer.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{fresh_schema}" CASCADE')
        fresh.dispose()
        store.dispose()


# --- /readyz follows the database ------------------------------------------------------------


def readyz(api: Proc, timeout: float = 70) -> tuple[int | str, float]:
    """The status of ``/readyz`` (or the transport error's name) and how long it took."""
    began = time.monotonic()
    try:
        status: int | str = httpx.get(f"{api.url}/readyz", timeout=timeout).status_code
    except httpx.HTTPError as error:
        status = type(error).__name__
    return status, time.monotonic() - began


def test_readyz_turns_503_while_the_database_is_down_and_200_when_it_is_back(
        private_postgres, make_topology):
    topology: Topology = make_topology(private_postgres.url)
    api = topology.start_api()
    assert readyz(api)[0] == 200

    private_postgres.stop()
    down = time.monotonic()
    answers: list[tuple[int | str, float]] = []
    while time.monotonic() - down < 60:
        answers.append(readyz(api))
        if answers[-1][0] == 503:
            break
        time.sleep(0.2)
    first_503 = time.monotonic() - down
    body = httpx.get(f"{api.url}/healthz", timeout=5)
    assert body.status_code == 200  # the process itself is alive all along

    private_postgres.start()
    back = time.monotonic()
    wait_until(lambda: readyz(api, 30)[0] == 200, 60, "/readyz to answer 200 again",
               topology.logs, 0.2)
    print(f"\n/readyz during the outage: {answers}; 200 again "
          f"{time.monotonic() - back:.1f}s after the database came back")
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {200, 503}, answers  # never a 500 or a dropped connection
    assert 503 in statuses, f"/readyz never answered 503 during a {first_503:.0f}s outage"
    assert api.process.poll() is None  # recovered without a restart
    slowest = max(took for _, took in answers)
    if slowest > 10:
        raise NotFailingFast(f"/readyz took {slowest:.1f}s to answer while the database was "
                             f"down (answers: {answers})")
