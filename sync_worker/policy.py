"""What happens after an error: one policy for transfers, imports and e-mails alike.

The decision rests on the error's class alone (`sync_worker.errors`):

    Redundant        skipped: the same work runs elsewhere right now
    Waiting          wait: other work must finish first; waits grow, and spend no retry
    TransientError   retry with capped, jittered backoff, until the retries are used up
    anything else    failed: a person is told by e-mail

Whoever runs the work keeps the count (`attempt`), in the database where it can: a
transfer's failures on its entity's state, its waits and an import's retries in the
attempt history; the e-mail task, which never gives up and has no book of its own, in
Celery's count. A transfer that finds its entity busy before it has begun waits the first
wait each time: the other worker's run is short, and the entity's books are that
worker's. Every number comes from the settings.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from config.settings import Settings, get_settings
from sync_worker.errors import RateLimited, Redundant, SyncError, TransientError, Waiting
from sync_worker.retry import max_countdown, retry_countdown


class Action(enum.StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    WAIT = "wait"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Decision:
    """What the task does next; `countdown` seconds before it runs again."""

    action: Action
    countdown: float = 0.0
    reason: str = ""

    @property
    def runs_again(self) -> bool:
        return self.action in (Action.WAIT, Action.RETRY)


def verdict(error: SyncError) -> Action:
    """What the error's class calls for, before any count is looked at."""
    if isinstance(error, Redundant):
        return Action.SKIPPED
    if isinstance(error, Waiting):
        return Action.WAIT
    if isinstance(error, TransientError):
        return Action.RETRY
    return Action.FAILED


def decide(
    error: SyncError,
    *,
    attempt: int,
    max_retries: int | None,
    settings: Settings | None = None,
) -> Decision:
    """The decision for `error`. `attempt` counts this work's earlier meetings with the
    same verdict, this one included: its waits for a `Waiting` error, its failures
    otherwise. `max_retries` None: retry for ever (an error e-mail is never given up)."""
    settings = settings or get_settings()
    action, reason = verdict(error), str(error)
    if action is Action.WAIT:
        return Decision(action, wait_countdown(attempt, settings), reason)
    if action is Action.RETRY and (max_retries is None or attempt <= max_retries):
        at_least = error.retry_after if isinstance(error, RateLimited) else 0.0
        return Decision(action, retry_countdown(attempt - 1, settings, at_least=at_least), reason)
    if action is Action.RETRY:
        action = Action.FAILED  # the retries are used up
    return Decision(action, reason=reason)


def wait_countdown(attempt: int, settings: Settings) -> float:
    """The `attempt`-th wait (from 1): doubling from the first wait up to the longest, so a
    long wait costs few look-ups; jittered, so waiters do not come back together."""
    longest = min(settings.wait_max_seconds, max_countdown(settings))
    grown = settings.wait_first_seconds * 2 ** min(attempt - 1, 30)
    return min(grown, longest) * random.uniform(0.8, 1.0)
