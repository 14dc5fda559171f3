"""The portal's rate limit: a fixed window per client address, counted in a Litestar store.

It answers what Litestar's ``RateLimitMiddleware`` answered (the same ``RateLimit-*``
headers, the same 429) but keeps a count, not a list with one timestamp per request in the
window: that list was read, decoded, re-encoded and written back on every counted request,
so its cost grew with the traffic of the minute (tens of kilobytes per request under load).
Routes without ``opt={"rate_limited": True}`` pass straight through.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

WINDOW_SECONDS = 60
KEY_PREFIX = "portal-rate::"
OPT_KEY = "rate_limited"


@dataclass
class Window:
    """The requests counted in the current window and when it ends (epoch seconds)."""

    count: int
    reset: int

    def encode(self) -> bytes:
        return f"{self.count} {self.reset}".encode()

    @classmethod
    def decode(cls, raw: bytes | None, now: int) -> Window:
        """The stored window, or a new one when there is none, it ended or is unreadable."""
        try:
            count, reset = (int(part) for part in (raw or b"").split())
        except ValueError:
            return cls(0, now + WINDOW_SECONDS)
        return cls(count, reset) if reset > now else cls(0, now + WINDOW_SECONDS)


COUNT_IN_REDIS = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
"""Count a request and read the window's remaining seconds in one atomic round trip."""


class RateLimiter:
    """At most ``limit`` requests per client address per window.

    Every request to a limited route is counted, refused ones too (a refusal neither ends
    nor extends the window, so this changes no answer); one over the limit gets 429. In a
    ``RedisStore`` (shared by the API processes) the count is one atomic Lua call; in any
    other store a read and a write under this process's lock.
    """

    def __init__(self, limit: int, store: Store) -> None:
        self.limit = limit
        self.store = store
        self._lock = asyncio.Lock()
        # RedisStore keeps its client and key prefix private; the atomic count needs both.
        self._script = (store._redis.register_script(COUNT_IN_REDIS)
                        if isinstance(store, RedisStore) else None)

    async def count(self, client: str) -> Window:
        """Count one request of ``client``; 429 when it is over the limit."""
        key = KEY_PREFIX + client
        if self._script is not None:
            assert isinstance(self.store, RedisStore)
            count, ttl = await self._script(keys=[self.store._make_key(key)],
                                            args=[WINDOW_SECONDS])
            window = Window(int(count), int(time.time()) + max(int(ttl), 0))
        else:
            async with self._lock:  # read-modify-write: keep this process's requests in order
                now = int(time.time())
                window = Window.decode(await self.store.get(key), now)
                window.count += 1
                await self.store.set(key, window.encode(),
                                     expires_in=max(window.reset - now, 1))
        if window.count > self.limit:
            raise TooManyRequestsException(headers=self.headers(window))
        return window

    def headers(self, window: Window) -> dict[str, str]:
        """The draft-IETF ``RateLimit-*`` headers of a window."""
        return {
            "RateLimit-Policy": f"{self.limit}; w={WINDOW_SECONDS}",
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(self.limit - window.count, 0)),
            "RateLimit-Reset": str(window.reset - int(time.time())),
        }

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """ASGI middleware counting requests to routes marked ``rate_limited``."""

        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            handler = scope.get("route_handler")
            if handler is None or not handler.opt.get(OPT_KEY) or scope["type"] != "http":
                await app(scope, receive, send)
                return
            client = scope.get("client")
            window = await self.count(client[0] if client else "127.0.0.1")

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    headers = MutableScopeHeaders(message)
                    for name, value in self.headers(window).items():
                        headers[name] = value
                await send(message)

            await app(scope, receive, send_with_headers)

        return limited
