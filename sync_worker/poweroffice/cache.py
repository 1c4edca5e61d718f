"""Per-tenant cache of look-up tables that rarely change (accounts, VAT codes, …).

Kept in Redis as JSON, so every worker process shares it and a warm invoice transfer
costs no look-up calls. Values are PowerOffice Go's own rows, exactly as they came (amounts
as Decimal), so a cached answer and a fresh one are indistinguishable to the caller.

A missing or expired table is loaded by one caller per tenant at a time while the others
wait for its answer (`single_flight`), as tokens are renewed (`auth`). Without it every
worker process that starts an invoice of the tenant in the same moment loads the same
tables: with four transfer processes, a burst of invoices after the cache expired cost up
to four calls per table instead of one, against the platform's shared 10 requests per
second (benchmarks/calls_per_invoice.py measured it).

Tables are kept for hours (POGO_LOOKUP_CACHE_SECONDS): what changes in them is caught
without waiting for them to expire, as the export rules look again on fresh tables before
a refusal that rests on them stands. The warm-up (`warmup`) refreshes a table in use
before it expires, in the background lane, so that no transfer pays for loading it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import redis

from sync_worker.poweroffice import codec, keys
from sync_worker.poweroffice.single_flight import MISSING, SingleFlight


class LookupCache:
    """Look-ups of one tenant, each kept `ttl_seconds` (0 turns caching off)."""

    def __init__(
        self,
        redis_client: redis.Redis,
        tenant: str,
        ttl_seconds: int,
        *,
        lock_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._redis = redis_client
        self._tenant = tenant
        self._ttl = ttl_seconds
        self._flight = SingleFlight(redis_client, lock_seconds=lock_seconds, sleep=sleep)

    def __repr__(self) -> str:
        return f"LookupCache(tenant={self._tenant[:8]}, ttl={self._ttl})"

    def get(self, name: str, load: Callable[[], Any], *, refresh: bool = False) -> Any:
        """The cached table `name`; `load()` fills it when missing, expired or `refresh`."""
        if self._ttl <= 0:
            return load()
        key = keys.lookup(self._tenant, name)
        if refresh:
            return self._load(key, load)
        fill = partial(self._load, key, load)
        lock = keys.lookup_lock(self._tenant, name)
        # A load that outlived its lock is not waited for any longer: do it ourselves.
        return self._flight.get(lock, partial(self._cached, key), fill, timed_out=fill)

    def expires_in(self, name: str) -> float | None:
        """Seconds until the cached table `name` expires; None when it is not cached."""
        if self._ttl <= 0:
            return None
        milliseconds = self._redis.pttl(keys.lookup(self._tenant, name))
        # -2: no such key; -1 (no expiry) is never written here, and is not ours to renew.
        return milliseconds / 1000 if milliseconds >= 0 else None

    def _cached(self, key: str) -> Any:
        """The cached table, or MISSING (a table may be cached as None: no lock date)."""
        raw = self._redis.get(key)
        return MISSING if raw is None else codec.decode(raw)

    def _load(self, key: str, load: Callable[[], Any]) -> Any:
        value = load()
        self._redis.set(key, codec.encode(value), ex=self._ttl)
        return value
