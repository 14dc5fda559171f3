"""Openings decide on aggregates the process remembers (category, SLA policies, customer,
assignee) without reading them again, and the event store refuses any save whose
``read_set`` changed meanwhile: nothing stored, read again, decide anew. Whatever another
process changes is never missed, even by openings racing the change."""

from __future__ import annotations

import threading
import time

import pytest

from application.read_cache import ReadCache
from application.recorder import StaleRead
from application.tickets import READ_ATTEMPTS
from domain.customer import Customer
from domain.errors import Conflict
from domain.sla import SlaTarget
from domain.values import Actor, Priority
from tests.integration.openings import drop_insert_function, open_ticket

ADMIN = Actor.system("test-admin")


# -- the cache itself -------------------------------------------------------------------


def test_the_read_cache_forgets_the_least_recently_used_first():
    cache = ReadCache(entries=2)
    a, b, c = (Customer.create_id(f"{n}@example.com") for n in "abc")
    cache.remember({a: "A", b: None})
    assert cache.recall([b, c]) == {b: None}  # None: known not to exist; c: unknown
    assert cache.recall([a]) == {a: "A"}  # a is now the most recently used
    cache.remember({c: "C"})
    assert cache.recall([a, b, c]) == {a: "A", c: "C"} and len(cache) == 2
    cache.forget([a, b])
    assert cache.recall([a, c]) == {c: "C"}
    with pytest.raises(ValueError, match="at least one"):
        ReadCache(entries=0)


def test_only_event_stores_that_check_reads_remember_them(make_app, sqlite_url, postgres_url):
    assert make_app(sqlite_url).read_cache is None
    assert make_app("memory://").read_cache is None
    assert make_app(postgres_url).read_cache is not None


# -- the event store's check ------------------------------------------------------------


@pytest.mark.parametrize("with_function", [True, False], ids=["function", "statements"])
def test_a_save_whose_read_set_changed_stores_nothing(make_app, postgres_url, with_function):
    app = make_app(postgres_url)
    if not with_function:
        drop_insert_function(app)
    bob = app.upsert_customer(email="bob@example.com", name="Bob").aggregate
    ann_id = Customer.create_id("ann@example.com")
    for stale in ([(bob.id, 0)], [(ann_id, 0), (bob.id, bob.version - 1)]):
        eve = Customer.register("eve@example.com", "Eve", at=app.clock())
        with pytest.raises(StaleRead):
            app.save(eve, read_set=stale)
        assert app.find(Customer, eve.id) is None
    eve = Customer.register("eve@example.com", "Eve", at=app.clock())
    app.save(eve, read_set=[(bob.id, bob.version), (ann_id, 0)])
    assert app.find(Customer, eve.id).name == "Eve"


# -- openings ----------------------------------------------------------------------------


def test_a_customer_renamed_elsewhere_is_read_again_before_the_opening_commits(
        make_app, postgres_url):
    api, other = make_app(postgres_url), make_app(postgres_url)
    open_ticket(api)  # Bob registered; api remembers him
    submitted = []
    original = api._submit_opening

    def spy(request):
        submitted.append(request.customer.name)
        return original(request)

    api._submit_opening = spy
    other.upsert_customer(email="bob@example.com", name="Robert Buyer")
    opened = open_ticket(api).ticket
    assert submitted == ["Bob Buyer", "Robert Buyer"]  # refused once, then read again
    assert opened.customer.name == "Robert Buyer"
    assert open_ticket(api).ticket.customer.name == "Robert Buyer"
    assert submitted[2:] == ["Robert Buyer"]  # and remembered as read


def test_an_opening_that_keeps_finding_its_category_changed_gives_up(make_app, postgres_url):
    api, admin = make_app(postgres_url), make_app(postgres_url)
    admin.create_category("billing", name="Billing", actor=ADMIN)
    open_ticket(api, category="billing")
    before = api.recorder.max_notification_id()
    original = api._submit_opening
    renames = iter(range(100))

    def change_then_submit(request):
        admin.update_category("billing", actor=ADMIN, name=f"Billing {next(renames)}")
        return original(request)

    api._submit_opening = change_then_submit
    with pytest.raises(Conflict, match="keeps changing"):
        open_ticket(api, category="billing")
    assert next(renames) == READ_ATTEMPTS  # every attempt refused
    assert api.recorder.max_notification_id() == before + READ_ATTEMPTS  # the renames only


def test_openings_racing_policy_changes_carry_the_terms_current_at_their_commit(
        make_app, postgres_url):
    """Eight threads in two processes open tickets while a third process keeps changing
    the policy they fall under: each ticket has the targets of the last change committed
    before it, never an older one."""
    apps = [make_app(postgres_url) for _ in range(2)]
    admin = make_app(postgres_url)
    admin.create_sla_policy("gold", name="Gold", actor=ADMIN,
                            targets=[SlaTarget(p, 1000, 2000) for p in Priority])
    admin.create_category("vip", name="VIP", actor=ADMIN, sla_policy="gold")
    changes = [(admin.recorder.max_notification_id(), 1000)]
    opened: list = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def client(app, n):
        try:
            for i in range(15):
                opened.append(open_ticket(app, email=f"c{n}-{i % 3}@example.com",
                                          category="vip"))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=client, args=(apps[n % 2], n)) for n in range(8)]
    for thread in threads:
        thread.start()
    minutes = 1000
    while any(t.is_alive() for t in threads) and not stop.is_set():
        minutes += 1
        saved = admin.update_sla_policy(
            "gold", actor=ADMIN, targets=[SlaTarget(p, minutes, 2000) for p in Priority])
        changes.append((saved.position, minutes))
        time.sleep(0.02)
    for thread in threads:
        thread.join()
    assert not failures
    assert len(opened) == 120 and len(changes) > 2
    for ticket in opened:
        expected = max((pos, m) for pos, m in changes if pos < ticket.position)[1]
        assert ticket.ticket.sla.first_response_minutes == expected
