"""The Redis connection shared by the token cache, the rate limiter and the locks.

`SYNC_REDIS_URL=memory://` gives an in-process Redis (fakeredis) so that the demo runs
the very same code paths without a Redis server; it is only correct inside one process.
"""

from __future__ import annotations

import redis

from config.settings import get_settings

_clients: dict[str, redis.Redis] = {}


def get_redis(url: str | None = None) -> redis.Redis:
    """The process's Redis client for `url` (default: SYNC_REDIS_URL)."""
    url = url or get_settings().redis_url
    if url not in _clients:
        _clients[url] = _connect(url)
    return _clients[url]


def _connect(url: str) -> redis.Redis:
    if url.startswith("memory://"):
        import fakeredis  # only the embedded demo needs it

        return fakeredis.FakeRedis()
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)


def reset_redis_clients() -> None:
    """Forget cached clients: after a fork, and when tests switch servers."""
    for client in _clients.values():
        client.close()
    _clients.clear()
