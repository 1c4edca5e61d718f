"""Per-tenant cache of look-up tables that rarely change (accounts, VAT codes, …).

Kept in Redis as JSON, so every worker process shares it and a warm invoice transfer
costs no look-up calls. Values are PowerOffice Go's own rows, exactly as they came (amounts
as Decimal), so a cached answer and a fresh one are indistinguishable to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from sync_worker.poweroffice import codec, keys


class LookupCache:
    """Look-ups of one tenant, each kept `ttl_seconds` (0 turns caching off)."""

    def __init__(self, redis_client: redis.Redis, tenant: str, ttl_seconds: int) -> None:
        self._redis = redis_client
        self._tenant = tenant
        self._ttl = ttl_seconds

    def __repr__(self) -> str:
        return f"LookupCache(tenant={self._tenant[:8]}, ttl={self._ttl})"

    def get(self, name: str, load: Callable[[], Any], *, refresh: bool = False) -> Any:
        """The cached table `name`; `load()` fills it when missing, expired or `refresh`."""
        key = keys.lookup(self._tenant, name)
        if not refresh and self._ttl > 0:
            raw = self._redis.get(key)
            if raw is not None:
                return codec.decode(raw)
        value = load()
        if self._ttl > 0:
            self._redis.set(key, codec.encode(value), ex=self._ttl)
        return value
