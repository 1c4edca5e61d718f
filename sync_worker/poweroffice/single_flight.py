"""Single flight: one process does a shared, costly piece of work while the others wait.

A token renewal (`auth`) and a look-up table load (`cache`) are each needed by every worker
process of a tenant at the same moment, and each costs calls against the platform's shared
rate. The first caller takes a Redis lock (SET NX PX) and produces the value; the others
poll for the value it stores. The lock expires on its own, so a crashed holder only
delays the others, and it is released with a compare-and-delete, so a holder whose lock
expired and passed to another never deletes the new holder's lock.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis

T = TypeVar("T")

POLL_SECONDS = 0.05
MISSING: Any = object()  # what a reader returns when there is no value (None may be one)

# Delete a key only if it still holds what the caller saw: a lock we own, a token that
# failed. Without the check one worker would delete another's fresh value.
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class SingleFlight:
    """Produces a value by one caller per lock key at a time, across processes."""

    def __init__(
        self,
        redis_client: redis.Redis,
        *,
        lock_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._redis = redis_client
        self._lock_ms = round(lock_seconds * 1000)
        # Waiting past the lock's lifetime would only wait for a holder that is gone.
        self._max_polls = int((lock_seconds + 1) / POLL_SECONDS)
        self._sleep = sleep
        self._delete_if_equal = redis_client.register_script(_DELETE_IF_EQUAL)

    def get(
        self,
        lock: str,
        read: Callable[[], Any],
        produce: Callable[[], T],
        *,
        timed_out: Callable[[], T],
    ) -> T:
        """What `read()` finds, else what `produce()` returns, with `lock` held to produce.

        `read()` returns MISSING when there is no value yet; `produce()` stores the value
        where `read()` finds it. When another caller holds `lock` this one polls `read()`;
        once the lock's lifetime and a second have passed, it answers `timed_out()`.
        """
        for _ in range(self._max_polls):
            found = read()
            if found is not MISSING:
                return found
            produced = self._produce_if_first(lock, read, produce)
            if produced is not MISSING:
                return produced
            self._sleep(POLL_SECONDS)  # another process is producing it: wait for its value
        return timed_out()

    def delete_if_equal(self, key: str, value: bytes | str) -> bool:
        """Delete `key` only if it still holds `value`; whether it did."""
        return bool(self._delete_if_equal(keys=[key], args=[value]))

    def _produce_if_first(self, lock: str, read: Callable[[], Any], produce: Callable[[], T]) -> T:
        """The value when this caller got the lock (producing it if need be), else MISSING."""
        owner = secrets.token_hex(8)
        if not self._redis.set(lock, owner, nx=True, px=self._lock_ms):
            return MISSING
        try:
            # The previous holder may have stored it between our read and our lock.
            found = read()
            return found if found is not MISSING else produce()
        finally:
            self.delete_if_equal(lock, owner)
