"""A failure of our own infrastructure inside a transfer step retries, with no e-mail; a bug
still fails at once, so that it surfaces. The runner and a real database, no worker."""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from config.tasks import SEND_ERROR_EMAIL
from sync_worker.db.models import Attempt, OutboxEntry, SyncStatus
from sync_worker.db.session import session_scope
from sync_worker.policy import Action
from sync_worker.transfers import state as states
from sync_worker.transfers.runner import run_message
from tests.conftest import _reset_caches

NUMBER = "10001"  # the example customer's
# Nothing listens on port 1: a connection is refused at once, as to a Redis that is down.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def failing_step(error: Exception):
    def handler(run, state) -> bool:
        with run.step_of(state.id, "customer"):
            raise error

    return handler


def books() -> tuple[SyncStatus, int, list[tuple[str, str]], int]:
    """The entity's status and failure count, its tries (step, outcome), its e-mails."""
    with session_scope() as session:
        state = states.find_state(session, 1, "customer", NUMBER)
        tries = session.execute(select(Attempt.step, Attempt.outcome).order_by(Attempt.id)).all()
        emails = session.scalars(
            select(OutboxEntry).where(OutboxEntry.task_name == SEND_ERROR_EMAIL.name)
        ).all()
        return state.status, state.attempts, [tuple(row) for row in tries], len(emails)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379"), "Redis"),
        (redis.exceptions.BusyLoadingError("loading the dataset in memory"), "Redis"),
        (
            OperationalError("SELECT 1", {}, Exception("server closed the connection")),
            "the database",
        ),
    ],
)
def test_our_infrastructure_failing_inside_a_step_is_retried_not_failed(message_id, error, reason):
    decision = run_message(message_id, failing_step(error))

    assert decision.action is Action.RETRY
    assert decision.reason == f"{reason} was unavailable ({type(error).__name__})"
    assert books() == (SyncStatus.RETRYING, 1, [("customer", "retry")], 0)


@pytest.mark.parametrize(
    "error",
    [
        TypeError("unsupported operand type(s) for +: 'int' and 'str'"),
        IntegrityError("INSERT …", {}, Exception("duplicate key value")),
    ],
)
def test_a_bug_inside_a_step_still_fails_at_once_with_its_email(message_id, error):
    decision = run_message(message_id, failing_step(error))

    assert decision.action is Action.FAILED
    assert decision.reason == f"an internal error stopped the transfer ({type(error).__name__})"
    assert books() == (SyncStatus.FAILED, 0, [("customer", "failed")], 1)


def test_the_lookup_cache_redis_down_is_retried(message_id, monkeypatch):
    # The look-up cache is read outside any HTTP call: its Redis failing used to reach the
    # runner as a raw ConnectionError, and fail the transfer for good.
    monkeypatch.setenv("SYNC_REDIS_URL", UNREACHABLE_REDIS)
    _reset_caches()

    def look_up_vat_codes(run, state) -> bool:
        with run.step_of(state.id, "customer"):
            return bool(run.client.vat_codes.by_code())

    decision = run_message(message_id, look_up_vat_codes)

    assert decision.action is Action.RETRY
    assert decision.reason == "Redis was unavailable (ConnectionError)"
    assert books() == (SyncStatus.RETRYING, 1, [("customer", "retry")], 0)
