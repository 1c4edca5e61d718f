"""The runner's books and decisions for one message, without a worker: the handler is a
plain function, the database real."""

from __future__ import annotations

import functools

from sqlalchemy import select

from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL
from sync_worker.db.models import Attempt, Message, MessageStatus, OutboxEntry, SyncStatus
from sync_worker.db.session import session_scope
from sync_worker.errors import ExportRefused, TransientError, WaitingForInvoice
from sync_worker.locks import advisory_lock
from sync_worker.policy import Action
from sync_worker.producer import publish
from sync_worker.transfers import state as states
from sync_worker.transfers.runner import run_message
from tests.schemas.examples import message

NUMBER = "10001"  # the example customer's


def raising(error: Exception):
    def handler(_run, _state) -> bool:
        raise error

    return handler


def state():
    with session_scope() as session:
        return states.find_state(session, 1, "customer", NUMBER)


def outcomes() -> list[str]:
    with session_scope() as session:
        return list(session.scalars(select(Attempt.outcome).order_by(Attempt.id)))


def email_entries() -> list[OutboxEntry]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(OutboxEntry).where(OutboxEntry.task_name == SEND_ERROR_EMAIL.name)
            )
        )


def test_a_handled_message_is_done(message_id):
    decision = run_message(message_id, lambda _run, _state: True)

    assert decision.action is Action.DONE
    with session_scope() as session:
        assert session.get_one(Message, message_id).status == MessageStatus.DONE


def test_a_transient_error_counts_a_failure_and_retries(message_id):
    decision = run_message(message_id, raising(TransientError("timeout")), task_id="t-1")

    assert decision.action is Action.RETRY and decision.countdown >= 1
    assert (state().status, state().attempts) == (SyncStatus.RETRYING, 1)
    assert outcomes() == ["retry"]


def test_the_last_retry_fails_with_one_error_email(message_id):
    for _ in range(get_settings().transfer_max_retries):
        run_message(message_id, raising(TransientError("timeout")))
    decision = run_message(message_id, raising(TransientError("timeout")))

    assert decision.action is Action.FAILED
    assert outcomes() == ["retry"] * get_settings().transfer_max_retries + ["failed"]
    [entry] = email_entries()
    assert state().status == SyncStatus.FAILED
    with session_scope() as session:
        failed = session.scalars(select(Attempt).where(Attempt.outcome == "failed")).one()
    assert entry.args == {"attempt_id": failed.id}


def test_a_corrected_version_after_a_failure_gets_retries_of_its_own(message_id):
    for _ in range(get_settings().transfer_max_retries + 1):
        run_message(message_id, raising(TransientError("timeout")))
    assert state().status == SyncStatus.FAILED
    corrected = publish(
        message(
            "customer.changed",
            message_id="5d1e6c36-7f0a-4c1b-8f65-2a9d4a3c9e01",
            version=1764064800124,
        )
    ).message_id

    decision = run_message(corrected, raising(TransientError("timeout")))

    assert decision.action is Action.RETRY
    assert (state().status, state().attempts) == (SyncStatus.RETRYING, 1)


def test_a_permanent_error_fails_at_once(message_id):
    decision = run_message(message_id, raising(ExportRefused("Customer 10001: no name")))

    assert decision.action is Action.FAILED
    assert outcomes() == ["failed"]
    assert len(email_entries()) == 1


def test_waiting_for_other_work_spends_no_retry_and_waits_longer_each_time(message_id):
    first = run_message(message_id, raising(WaitingForInvoice("invoice 10234 first")))
    second = run_message(message_id, raising(WaitingForInvoice("invoice 10234 first")))

    assert first.action is second.action is Action.WAIT
    assert second.countdown > first.countdown
    assert (state().status, state().attempts) == (SyncStatus.WAITING, 0)
    assert outcomes() == ["waiting", "waiting"]
    assert email_entries() == []


def test_an_entity_another_worker_holds_is_waited_for_without_touching_its_state(
    message_id, monkeypatch
):
    # The runner waits 20 s for a held lock; the books are the same after a tenth of one.
    quick = functools.partial(advisory_lock, wait_seconds=0.1)
    monkeypatch.setattr("sync_worker.transfers.runner.advisory_lock", quick)
    with advisory_lock("entity", 1, f"customer:{NUMBER}"):
        decision = run_message(message_id, lambda _run, _state: True)

    assert decision.action is Action.WAIT
    assert outcomes() == []  # that worker's books, not ours
    assert (state().status, state().attempts) == (SyncStatus.PENDING, 0)


def test_an_unexpected_exception_is_a_permanent_failure_that_names_no_internals(message_id):
    decision = run_message(message_id, raising(KeyError("secret-detail")))

    assert decision.action is Action.FAILED
    assert "KeyError" in decision.reason and "secret-detail" not in decision.reason
