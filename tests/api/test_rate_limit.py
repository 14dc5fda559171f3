"""The portal's rate limit (api/rate_limit.py): a count per client address and window, in
the process's memory or shared through Redis, with the documented ``RateLimit-*`` headers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar import Litestar, get, post
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.testing import TestClient

from api.problems import EXCEPTION_HANDLERS
from api.rate_limit import KEY_PREFIX, WINDOW_SECONDS, RateLimiter, Window
from tests.conftest import REDIS_URL, require_service


@post("/limited", opt={"rate_limited": True}, sync_to_thread=False, status_code=201)
def limited() -> dict[str, str]:
    return {"ok": "yes"}


@get("/free", sync_to_thread=False)
def free() -> dict[str, str]:
    return {"ok": "yes"}


def client_for(store: Store, limit: int) -> TestClient[Any]:
    app = Litestar([limited, free], middleware=[RateLimiter(limit, store).middleware],
                   exception_handlers=EXCEPTION_HANDLERS)
    return TestClient(app)


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A namespace of its own in the test Redis, emptied afterwards."""
    parts = urlsplit(REDIS_URL)
    require_service("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)
    namespace = f"test-rate-{uuid.uuid4().hex}"
    yield namespace
    with TestClient(Litestar([])) as client:  # an event loop to clean up in
        client.blocking_portal.call(redis_store(namespace).delete_all)


def redis_store(namespace: str) -> RedisStore:
    """A store with a client of its own, as each API process has."""
    return RedisStore.with_client(url=REDIS_URL, namespace=namespace)


def check_window(clients: list[TestClient[Any]]) -> None:
    """Two requests within a limit of 2 (from any of ``clients``), then a 429."""
    first = clients[0].post("/limited")
    assert first.status_code == 201
    assert first.headers["ratelimit-policy"] == f"2; w={WINDOW_SECONDS}"
    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-remaining"] == "1"
    assert 0 < int(first.headers["ratelimit-reset"]) <= WINDOW_SECONDS
    second = clients[-1].post("/limited")
    assert second.status_code == 201
    assert second.headers["ratelimit-remaining"] == "0"
    refused = clients[0].post("/limited")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 0 < int(refused.headers["retry-after"]) <= WINDOW_SECONDS
    assert clients[-1].post("/limited").status_code == 429


def test_a_window_in_memory_counts_and_refuses_with_headers():
    with client_for(MemoryStore(), 2) as client:
        check_window([client])


def test_routes_not_marked_are_neither_counted_nor_given_headers():
    with client_for(MemoryStore(), 1) as client:
        for _ in range(3):
            answer = client.get("/free")
            assert answer.status_code == 200
            assert "ratelimit-limit" not in answer.headers
        assert client.post("/limited").status_code == 201


def test_an_ended_or_unreadable_window_starts_afresh():
    assert Window.decode(b"5 1000", now=999) == Window(5, 1000)
    assert Window.decode(b"5 1000", now=1000) == Window(0, 1000 + WINDOW_SECONDS)
    assert Window.decode(b'{"history": [1, 2]}', now=10) == Window(0, 10 + WINDOW_SECONDS)
    assert Window.decode(None, now=10) == Window(0, 10 + WINDOW_SECONDS)


def test_an_unreadable_stored_value_does_not_break_the_route():
    store = MemoryStore()
    with client_for(store, 2) as client:
        client.blocking_portal.call(store.set, KEY_PREFIX + "testclient", b"garbage")
        answer = client.post("/limited")
        assert answer.status_code == 201
        assert answer.headers["ratelimit-remaining"] == "1"


@pytest.mark.redis
def test_api_processes_share_one_count_through_redis(redis_namespace):
    with client_for(redis_store(redis_namespace), 2) as one, \
            client_for(redis_store(redis_namespace), 2) as other:
        check_window([one, other])
