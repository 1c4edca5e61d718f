"""Injected faults: latency (the answer time) and transit jitter (before the gateway counts
a request), 5xx answers, a burst of 429s, tokens that die early, writes that land while
their response is lost, and what a gateway in front of PowerOffice Go does: answer with
its own HTML page, or pass on a success's body cut short.

Counted faults ("the next N") are exact; shares ("error_rate") draw from a random
generator seeded by `random_seed`, so a run can be repeated. Paths are matched as
case-insensitive prefixes of the path after `/v2` (or the token path `/OAuth/Token`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from sandbox.simulator.routing import api_relative

# A proxy's page comes as a success (a maintenance or login page) or as a server error.
PAGE_STATUSES = frozenset(status.value for status in HTTPStatus if status.value // 100 in (2, 5))


@dataclass(frozen=True)
class FaultConfig:
    latency_ms: int = 0
    latency_jitter_ms: int = 0  # up to this much more, drawn per request
    # On the way in, before the gateway counts the request: the spread the client's own
    # limiter must absorb (latency is the answer time, after the gateway).
    transit_jitter_ms: int = 0
    error_rate: float = 0.0  # share of matching requests answered 5xx
    error_count: int = 0  # the next N matching requests are answered 5xx
    error_statuses: tuple[int, ...] = (500, 503)
    error_paths: tuple[str, ...] = ()  # empty: every path
    error_methods: tuple[str, ...] = ()  # empty: every method
    rate_limit_burst: int = 0  # the next N requests get 429
    lose_responses: int = 0  # the next N matching writes land, then the connection drops
    lose_response_path: str = ""  # empty: every path
    lose_response_methods: tuple[str, ...] = ("POST",)
    token_lifetime_seconds: float | None = None  # tokens die this soon (expires_in unchanged)
    gateway_pages: int = 0  # the next N matching requests get a proxy's HTML page …
    gateway_page_status: int = 502  # … with this status (2xx or 5xx); nothing is stored
    gateway_page_paths: tuple[str, ...] = ()  # empty: every path
    gateway_page_methods: tuple[str, ...] = ()  # empty: every method
    truncated_bodies: int = 0  # the next N matching successes with a body land, cut in half
    truncated_body_paths: tuple[str, ...] = ()  # empty: every path
    truncated_body_methods: tuple[str, ...] = ()  # empty: every method
    random_seed: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.error_rate <= 1:
            raise ValueError("error_rate must be between 0 and 1")
        counts = (
            self.latency_ms,
            self.latency_jitter_ms,
            self.transit_jitter_ms,
            self.error_count,
            self.rate_limit_burst,
            self.lose_responses,
            self.gateway_pages,
            self.truncated_bodies,
        )
        if min(counts) < 0:
            raise ValueError("latencies and counts must not be negative")
        if any(not 500 <= status <= 599 for status in self.error_statuses):
            raise ValueError("error_statuses must be 5xx")
        if (self.error_rate or self.error_count) and not self.error_statuses:
            raise ValueError("error_statuses must not be empty")
        if self.gateway_page_status not in PAGE_STATUSES:
            raise ValueError("gateway_page_status must be a 2xx or 5xx status")
        if self.token_lifetime_seconds is not None and self.token_lifetime_seconds < 0:
            raise ValueError("token_lifetime_seconds must not be negative")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultConfig:
        """From admin JSON; unknown names and wrong types raise ValueError."""
        known = {field.name for field in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values = {name: _plain(value) for name, value in data.items()}
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _plain(value: Any) -> Any:
    """Admin JSON → field value: arrays become tuples, Decimal numbers floats."""
    if isinstance(value, list):
        return tuple(value)
    return float(value) if isinstance(value, Decimal) else value


def _matches(path: str, method: str, prefixes: tuple[str, ...], methods: tuple[str, ...]) -> bool:
    path_ok = not prefixes or any(path.startswith(api_relative(p)) for p in prefixes)
    return path_ok and (not methods or method.upper() in {m.upper() for m in methods})


class FaultInjector:
    """The active faults and what is left of their counts."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._random = random.Random(config.random_seed)
            self._bursts_left = config.rate_limit_burst
            self._errors_left = config.error_count
            self._losses_left = config.lose_responses
            self._pages_left = config.gateway_pages
            self._truncations_left = config.truncated_bodies

    def remaining(self) -> dict[str, int]:
        with self._lock:
            return {
                "rate_limit_burst": self._bursts_left,
                "error_count": self._errors_left,
                "lose_responses": self._losses_left,
                "gateway_pages": self._pages_left,
                "truncated_bodies": self._truncations_left,
            }

    def delay_seconds(self) -> float:
        with self._lock:
            jitter_ms = self.config.latency_jitter_ms
            # No draw without jitter, so latency settings do not shift the 5xx sequence.
            jitter = self._random.uniform(0, jitter_ms) if jitter_ms else 0.0
            return (self.config.latency_ms + jitter) / 1000

    def transit_seconds(self) -> float:
        with self._lock:
            jitter_ms = self.config.transit_jitter_ms
            return self._random.uniform(0, jitter_ms) / 1000 if jitter_ms else 0.0

    def take_rate_limit_burst(self) -> bool:
        with self._lock:
            if self._bursts_left <= 0:
                return False
            self._bursts_left -= 1
            return True

    def take_error(self, method: str, path: str) -> int | None:
        """The 5xx status to answer with, or None."""
        with self._lock:
            config = self.config
            if not _matches(path, method, config.error_paths, config.error_methods):
                return None
            if self._errors_left > 0:
                self._errors_left -= 1
            elif not (config.error_rate and self._random.random() < config.error_rate):
                return None
            return self._random.choice(config.error_statuses)

    def take_lost_response(self, method: str, path: str) -> bool:
        with self._lock:
            config = self.config
            prefixes = (config.lose_response_path,) if config.lose_response_path else ()
            if self._losses_left <= 0 or not _matches(
                path, method, prefixes, config.lose_response_methods
            ):
                return False
            self._losses_left -= 1
            return True

    def take_gateway_page(self, method: str, path: str) -> int | None:
        """The status of the gateway's HTML page to answer with, or None."""
        with self._lock:
            config = self.config
            if self._pages_left <= 0 or not _matches(
                path, method, config.gateway_page_paths, config.gateway_page_methods
            ):
                return None
            self._pages_left -= 1
            return config.gateway_page_status

    def take_truncation(self, method: str, path: str) -> bool:
        """Whether this success's body is to be cut short (asked only of one with a body)."""
        with self._lock:
            config = self.config
            if self._truncations_left <= 0 or not _matches(
                path, method, config.truncated_body_paths, config.truncated_body_methods
            ):
                return False
            self._truncations_left -= 1
            return True
