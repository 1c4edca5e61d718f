"""What the simulator saw: requests by endpoint and status, and arrival times per
subscription key (for the busiest one-second window)."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sandbox.simulator.ratelimit import WINDOW_SECONDS, max_in_window

# A request whose write landed but whose connection was closed unanswered (fault).
CONNECTION_CLOSED = "connection_closed"
# A request a proxy's HTML page answered, whatever its status: nothing stored (fault).
GATEWAY_PAGE = "gateway_page"
# A success whose body was cut short on the way: what it did is stored (fault).
TRUNCATED = "truncated"


class RequestStats:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._results: Counter[tuple[str, str]] = Counter()
        self._arrivals: defaultdict[str, list[float]] = defaultdict(list)

    def arrived(self, subscription_key: str | None) -> None:
        """Note a request's arrival, before anything may refuse it."""
        now = self._clock()
        with self._lock:
            self._arrivals[subscription_key or ""].append(now)

    def answered(self, endpoint: str, status: int | str) -> None:
        with self._lock:
            self._results[(endpoint, str(status))] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            by_endpoint: defaultdict[str, dict[str, int]] = defaultdict(dict)
            by_status: Counter[str] = Counter()
            for (endpoint, status), count in sorted(self._results.items()):
                by_endpoint[endpoint][status] = count
                by_status[status] += count
            return {
                "total_requests": sum(by_status.values()),
                "by_endpoint": dict(by_endpoint),
                "by_status": dict(by_status),
                "window_seconds": WINDOW_SECONDS,
                "max_requests_per_window": {
                    key: max_in_window(times) for key, times in self._arrivals.items()
                },
            }

    def arrival_times(self, subscription_key: str) -> list[float]:
        """When each request with this key arrived (this process's monotonic clock): a
        benchmark in the simulator's process reads the load over any interval from it."""
        with self._lock:
            return list(self._arrivals.get(subscription_key, ()))

    def reset(self) -> None:
        with self._lock:
            self._results.clear()
            self._arrivals.clear()
