"""ONE rate limit for the whole platform, kept in Redis.

PowerOffice Go allows N requests per second per subscription key, and every tenant and
every worker process shares that key. Each caller therefore reserves a send time in a
Redis sorted set, atomically in a Lua script, before it sends:

* the set holds the reserved send times of the last window (microseconds);
* a new reservation is `now` when fewer than N are in the window, else the N-th most
  recent reservation plus one window. So any two reservations N apart are at least one
  window apart, and no window ever holds more than N sends: a strict sliding window, no
  burst allowance.
* the caller sleeps until its reserved time and then sends at once. Reserving (rather
  than polling until a slot is free) costs one Redis call per request and serves callers
  in arrival order.

The window is 1.05 s instead of 1 s: the time between the reservation and the request
reaching PowerOffice Go (Redis round trip, oversleeping, network jitter) varies by call,
and those 50 ms absorb that variation, so the server never counts N+1 in its own second.
The price is ~5 % throughput (N / 1.05 per second).

Time comes from Redis (`TIME`) so that workers on different hosts share one clock; tests
may pass their own clock instead. Both fakeredis (the `memory://` demo) and Redis run it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import redis

from sync_worker.poweroffice import keys

WINDOW_SECONDS = 1.05

_RESERVE = """
-- KEYS[1]: reserved send times (µs); ARGV: limit, window (µs), member, now (µs) or ''.
local function num(x) return string.format('%.0f', x) end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', num(now - window))
local at = now
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local nth = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  at = math.max(now, tonumber(nth[2]) + window)
end
redis.call('ZADD', KEYS[1], num(at), ARGV[3])
redis.call('PEXPIRE', KEYS[1], num(math.ceil((at - now + window) / 1000)))
return num(at - now)
"""


class RateLimiter:
    """Blocks each caller until sending one more request keeps within the shared limit."""

    def __init__(
        self,
        redis_client: redis.Redis,
        subscription_key: str,
        per_second: int,
        *,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._key = keys.rate_window(keys.fingerprint(subscription_key))
        self._limit = per_second
        self._window_us = round(window_seconds * 1_000_000)
        self._clock = clock  # None: Redis's clock, shared by every host
        self._sleep = sleep
        self._reserve = redis_client.register_script(_RESERVE)

    def __repr__(self) -> str:
        return f"RateLimiter(limit={self._limit}, key={self._key!r})"

    def acquire(self) -> float:
        """Wait for this caller's send slot; returns the seconds waited. Never gives up."""
        now = "" if self._clock is None else str(round(self._clock() * 1_000_000))
        args = [self._limit, self._window_us, uuid.uuid4().hex, now]
        waited = int(self._reserve(keys=[self._key], args=args)) / 1_000_000
        if waited > 0:
            self._sleep(waited)
        return waited
