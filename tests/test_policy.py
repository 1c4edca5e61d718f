"""One policy: what follows an error, from its class alone, with numbers from the settings."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from config.settings import load_settings
from sync_worker import errors
from sync_worker.policy import Action, decide, verdict, wait_countdown


@pytest.fixture
def settings():
    return dataclasses.replace(
        load_settings(),
        retry_backoff_base_seconds=30,
        retry_backoff_max_seconds=900,
        wait_first_seconds=5,
        wait_max_seconds=300,
    )


@pytest.mark.parametrize(
    ("error", "action"),
    [
        (errors.ImportRunning("another import runs"), Action.SKIPPED),
        (errors.EntityBusy("busy"), Action.WAIT),
        (errors.WaitingForInvoice("invoice 10234 first"), Action.WAIT),
        (errors.TransientError("timeout"), Action.RETRY),
        (errors.RateLimited("429", retry_after=3), Action.RETRY),
        (errors.ExportRefused("no VAT code"), Action.FAILED),
        (errors.ApiRejected("400"), Action.FAILED),
        (errors.AuthenticationFailed("invalid_client"), Action.FAILED),
        (errors.InvalidMessage("bad"), Action.FAILED),
    ],
)
def test_the_class_alone_gives_the_verdict(error, action):
    assert verdict(error) is action


def test_every_error_the_system_raises_on_purpose_has_a_verdict_by_its_place_in_the_tree():
    classes = [
        value
        for value in vars(errors).values()
        if inspect.isclass(value) and issubclass(value, errors.SyncError)
    ]
    roots = (errors.Redundant, errors.TransientError, errors.PermanentError)
    assert all(cls is errors.SyncError or issubclass(cls, roots) for cls in classes)


def test_a_transient_error_retries_until_the_retries_are_used_up(settings):
    error = errors.TransientError("timeout")
    assert decide(error, attempt=3, max_retries=3, settings=settings).action is Action.RETRY
    assert decide(error, attempt=4, max_retries=3, settings=settings).action is Action.FAILED


def test_never_given_up_means_retry_for_ever(settings):
    decision = decide(
        errors.TransientError("smtp"), attempt=500, max_retries=None, settings=settings
    )
    assert decision.action is Action.RETRY and decision.runs_again


def test_a_retry_waits_at_least_what_powerofficego_asked(settings):
    decision = decide(
        errors.RateLimited("429", retry_after=40), attempt=1, max_retries=8, settings=settings
    )
    assert decision.countdown >= 40


def test_retries_back_off_exponentially_within_the_cap(settings):
    countdowns = [
        decide(errors.TransientError("x"), attempt=n, max_retries=None, settings=settings).countdown
        for n in (1, 2, 3, 10)
    ]
    assert 15 <= countdowns[0] <= 30
    assert 30 <= countdowns[1] <= 60
    assert 60 <= countdowns[2] <= 120
    assert countdowns[3] <= 900


def test_waiting_spends_no_retry_and_grows_to_its_longest(settings):
    waiting = errors.WaitingForInvoice("invoice first")
    first = decide(waiting, attempt=1, max_retries=0, settings=settings)
    later = decide(waiting, attempt=20, max_retries=0, settings=settings)

    assert first.action is later.action is Action.WAIT  # max_retries does not apply
    assert 4 <= first.countdown <= 5
    assert 240 <= later.countdown <= 300
    assert wait_countdown(2, settings) <= 10


def test_a_permanent_error_fails_at_once_and_a_redundant_one_is_skipped(settings):
    refused = decide(
        errors.ExportRefused("no VAT code"), attempt=1, max_retries=8, settings=settings
    )
    running = decide(errors.ImportRunning("runs"), attempt=1, max_retries=8, settings=settings)

    assert (refused.action, refused.reason, refused.runs_again) == (
        Action.FAILED,
        "no VAT code",
        False,
    )
    assert running.action is Action.SKIPPED and not running.runs_again
