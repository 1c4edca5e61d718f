"""The gateway's rate limit: at most N admitted requests per subscription key in any
sliding one-second window; the rest get 429.

Refused requests do not use up the window (a client that waits the advertised second gets
through), but every arrival is recorded by `stats`, which is what proves whether a
client's own limiter kept to the budget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from werkzeug.wrappers import Response

from sandbox.simulator.responses import gateway_error

DEFAULT_RATE_LIMIT = 10
WINDOW_SECONDS = 1.0


class SlidingWindowLimiter:
    """`per_second=None` admits everything."""

    def __init__(self, per_second: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._admitted: dict[str, deque[float]] = {}

    def admit(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            if self.per_second is None:
                return True
            window = self._admitted.setdefault(key, deque())
            while window and now - window[0] >= WINDOW_SECONDS:
                window.popleft()
            if len(window) >= self.per_second:
                return False
            window.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._admitted.clear()


def too_many_requests() -> Response:
    """PowerOffice Go's documented 429 (statusCode as a string, as in the documents)."""
    return gateway_error(
        429,
        "Rate limit is exceeded. Try again in 1 seconds.",
        status_as_text=True,
        headers={"Retry-After": "1"},
    )


def max_in_window(times: Sequence[float], window: float = WINDOW_SECONDS) -> int:
    """The most arrivals within any `window` seconds (half-open: [t, t + window))."""
    ordered = sorted(times)
    best = start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
