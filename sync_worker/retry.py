"""Retry timing for transient failures: exponential backoff with jitter, capped in code.

The cap matters beyond politeness: Redis hands an unacknowledged task to another
worker once the visibility timeout passes, so a countdown longer than that timeout
runs the same transfer twice (celery/celery#4991; codecov/umbrella PR #720).
"""

from __future__ import annotations

import random

from config.settings import Settings

SAFETY_MARGIN_SECONDS = 60


def max_countdown(settings: Settings) -> float:
    """The longest countdown any task may ask for under these settings."""
    ceiling = (
        settings.visibility_timeout_seconds
        - settings.task_time_limit_seconds
        - SAFETY_MARGIN_SECONDS
    )
    return float(max(1, min(settings.retry_backoff_max_seconds, ceiling)))


def retry_countdown(
    attempt: int, settings: Settings, *, at_least: float = 0.0, rng: random.Random | None = None
) -> float:
    """Seconds to wait before retry number `attempt` (0-based).

    Grows as base·2^attempt, with jitter in the upper half so that many tasks failing
    together do not come back together; never below `at_least` (a Retry-After), never
    above `max_countdown`.
    """
    rng = rng or random.Random()
    exponential = settings.retry_backoff_base_seconds * (2 ** min(attempt, 30))
    jittered = rng.uniform(0.5, 1.0) * min(exponential, settings.retry_backoff_max_seconds)
    return min(max(jittered, at_least, 1.0), max_countdown(settings))
