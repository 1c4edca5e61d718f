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

The window is 1.02 s instead of 1 s: the time between the reservation and the request
reaching PowerOffice Go's gateway (Redis round trip, oversleeping, the network on the way
in) varies by call, and those 20 ms absorb that variation, so the gateway seldom counts
N+1 in its own second. The gateway counts a request when it arrives, so the answer time
(60-100 ms, varying far more) does not come into it. The price is 2 % of the budget
(N / 1.02 per second); a 429 past the margin is waited out by the client (`Retry-After`)
and costs that one request a second, never the transfer (benchmarks/month_end.py measures
both: the budget used and the 429s).

Time comes from Redis (`TIME`) so that workers on different hosts share one clock; tests
may pass their own clock instead. Both fakeredis (the `memory://` demo) and Redis run it.

Background callers (the expense import) never reserve ahead: they take a slot only when
it is free now, no transfer is waiting for a reserved slot, and the window holds fewer
than BACKGROUND_SHARE of the limit. Otherwise they wait and ask again. So a finalized
invoice never queues behind an import: imports only use what transfers leave unused.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import redis

from sync_worker import counters
from sync_worker.poweroffice import keys

WINDOW_SECONDS = 1.02
BACKGROUND_SHARE = 0.5  # of the limit, at most, for background callers
BACKGROUND_POLL_SECONDS = (0.02, 0.25)  # bounds of a background caller's wait between asks

# Both scripts: KEYS[1] holds the reserved send times (µs); ARGV: limit (or share),
# window (µs), member, now (µs, or '' for Redis's clock). Entries older than a window go.
_PRELUDE = """
local function num(x) return string.format('%.0f', x) end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', num(now - window))
"""

_RESERVE = (
    _PRELUDE
    + """
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
)


# Returns 0 when a slot was taken now, else the µs to wait before asking again.
_TAKE_IF_IDLE = (
    _PRELUDE
    + """
local share = limit
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) > now then
  return num(tonumber(newest[2]) - now)  -- a transfer is waiting for its slot: yield
end
local count = redis.call('ZCARD', KEYS[1])
if count >= share then
  local oldest = redis.call('ZRANGE', KEYS[1], count - share, count - share, 'WITHSCORES')
  return num(math.max(1, tonumber(oldest[2]) + window - now))
end
redis.call('ZADD', KEYS[1], num(now), ARGV[3])
redis.call('PEXPIRE', KEYS[1], num(math.ceil(window / 1000)))
return '0'
"""
)


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
        background: bool = False,
    ) -> None:
        self._key = keys.rate_window(keys.fingerprint(subscription_key))
        self._limit = per_second
        self._background = background
        self._share = max(1, int(per_second * BACKGROUND_SHARE))
        self._window_us = round(window_seconds * 1_000_000)
        self._clock = clock  # None: Redis's clock, shared by every host
        self._sleep = sleep
        self._reserve = redis_client.register_script(_RESERVE)
        self._take_if_idle = redis_client.register_script(_TAKE_IF_IDLE)

    def __repr__(self) -> str:
        kind = "background" if self._background else "foreground"
        return f"RateLimiter(limit={self._limit}, {kind}, key={self._key!r})"

    def acquire(self) -> float:
        """Wait for this caller's send slot; returns the seconds waited. Never gives up."""
        waited = self._acquire_when_idle() if self._background else self._acquire_reserved()
        counters.rate_limiter_waited(waited, background=self._background)
        return waited

    def _acquire_reserved(self) -> float:
        args = [self._limit, self._window_us, uuid.uuid4().hex, self._now()]
        waited = int(self._reserve(keys=[self._key], args=args)) / 1_000_000
        if waited > 0:
            self._sleep(waited)
        return waited

    def _acquire_when_idle(self) -> float:
        waited = 0.0
        low, high = BACKGROUND_POLL_SECONDS
        while True:
            args = [self._share, self._window_us, uuid.uuid4().hex, self._now()]
            wait = int(self._take_if_idle(keys=[self._key], args=args)) / 1_000_000
            if wait == 0:
                return waited
            pause = min(max(wait, low), high)
            self._sleep(pause)
            waited += pause

    def _now(self) -> str:
        return "" if self._clock is None else str(round(self._clock() * 1_000_000))
