"""Per-tenant cache of look-up tables that rarely change (accounts, VAT codes, …).

Kept in Redis as JSON, so every worker process shares it and a warm invoice transfer
costs no look-up calls. Values are PowerOffice Go's own rows, exactly as they came (amounts
as Decimal), so a cached answer and a fresh one are indistinguishable to the caller.

A missing or expired table is loaded by one caller per tenant at a time, holding a Redis
lock (SET NX PX), while the others poll the cache for its answer, as tokens are renewed
(`auth`). Without it every worker process that starts an invoice of the tenant in the same
moment loads the same tables: with four transfer processes, a burst of invoices after the
cache expired cost up to four calls per table instead of one, against the platform's
shared 10 requests per second (benchmarks/calls_per_invoice.py measured it).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import redis

from sync_worker.poweroffice import codec, keys

POLL_SECONDS = 0.05
_MISSING = object()  # a table may be cached as None (no lock date), so None cannot mean "absent"
DEFAULT_LOCK_SECONDS = 40.0  # a load that waits for rate-limit slots, pages, then answers

# Release the lock only if it is still ours (it may have expired and passed to another).
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class LookupCache:
    """Look-ups of one tenant, each kept `ttl_seconds` (0 turns caching off)."""

    def __init__(
        self,
        redis_client: redis.Redis,
        tenant: str,
        ttl_seconds: int,
        *,
        lock_seconds: float = DEFAULT_LOCK_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._redis = redis_client
        self._tenant = tenant
        self._ttl = ttl_seconds
        self._lock_ms = round(lock_seconds * 1000)
        self._max_polls = int((lock_seconds + 1) / POLL_SECONDS)
        self._sleep = sleep
        self._delete_if_equal = redis_client.register_script(_DELETE_IF_EQUAL)

    def __repr__(self) -> str:
        return f"LookupCache(tenant={self._tenant[:8]}, ttl={self._ttl})"

    def get(self, name: str, load: Callable[[], Any], *, refresh: bool = False) -> Any:
        """The cached table `name`; `load()` fills it when missing, expired or `refresh`."""
        if self._ttl <= 0:
            return load()
        key = keys.lookup(self._tenant, name)
        if refresh:
            return self._load(key, load)
        for _ in range(self._max_polls):
            cached = self._cached(key)
            if cached is not _MISSING:
                return cached
            loaded = self._load_if_first(key, keys.lookup_lock(self._tenant, name), load)
            if loaded is not _MISSING:
                return loaded
            self._sleep(POLL_SECONDS)  # another process is loading it: wait for its answer
        return self._load(key, load)  # its load outlived the lock: do it ourselves

    def _cached(self, key: str) -> Any:
        raw = self._redis.get(key)
        return _MISSING if raw is None else codec.decode(raw)

    def _load_if_first(self, key: str, lock: str, load: Callable[[], Any]) -> Any:
        """The table when this caller got the lock (loading it if need be), else _MISSING."""
        owner = secrets.token_hex(8)
        if not self._redis.set(lock, owner, nx=True, px=self._lock_ms):
            return _MISSING
        try:
            # The previous holder may have stored it between our read and our lock.
            cached = self._cached(key)
            return cached if cached is not _MISSING else self._load(key, load)
        finally:
            self._delete_if_equal(keys=[lock], args=[owner])

    def _load(self, key: str, load: Callable[[], Any]) -> Any:
        value = load()
        self._redis.set(key, codec.encode(value), ex=self._ttl)
        return value
