"""A task whose books cannot be written comes back later instead of being acknowledged; one
that ends failed is a failed task for Celery and Flower; a retry keeps its label."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry
from sqlalchemy.exc import OperationalError

from config.tasks import (
    IMPORT_EXPENSES,
    RECONCILE_TENANT,
    TRANSFER_CREDIT_NOTE,
    TRANSFER_CUSTOMER,
    TRANSFER_INVOICE,
    TRANSFER_PROJECT,
    UPLOAD_INVOICE_ATTACHMENT,
)
from sync_worker.policy import Action, Decision
from tasks import base


class FakeRequest:
    id = "task-1"
    retries = 2


class FakeTask:
    request = FakeRequest()

    def retry(self, countdown=None, exc=None, **_kwargs):
        self.countdown, self.exc = countdown, exc
        return Retry("retry", exc=exc, when=countdown)


def test_a_database_failure_outside_the_runner_retries_the_task(env, monkeypatch):
    def database_down(*_args, **_kwargs):
        raise OperationalError("select", {}, Exception("connection refused"))

    monkeypatch.setattr(base, "run_message", database_down)
    task = FakeTask()
    with pytest.raises(Retry):
        base.run_transfer(task, lambda *_: True, "message-1")
    assert task.countdown > 0 and isinstance(task.exc, OperationalError)


def test_any_failure_to_keep_the_books_backs_off_and_comes_back(env, monkeypatch):
    def bug(*_args, **_kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(base, "run_message", bug)
    task = FakeTask()
    with pytest.raises(Retry):
        base.run_transfer(task, lambda *_: True, "message-1")
    assert task.countdown >= 1 and isinstance(task.exc, RuntimeError)


def test_an_smtp_server_that_is_down_is_waited_out_with_a_warning_never_given_up(env, caplog):
    def smtp_down() -> str:
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    task = FakeTask()
    with caplog.at_level("WARNING"), pytest.raises(Retry):
        base.mail_never_given_up(task, smtp_down, "the error e-mail")

    assert task.countdown > 0 and isinstance(task.exc, ConnectionRefusedError)
    [record] = [r for r in caplog.records if r.name == base.log.name]
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith("the error e-mail could not be sent")


def test_an_e_mail_that_can_never_be_sent_ends_the_task_as_failed(env):
    def bug() -> str:
        raise TypeError("a bug")

    with pytest.raises(TypeError):
        base.mail_never_given_up(FakeTask(), bug, "the error e-mail")


def test_a_transfer_that_ends_failed_is_a_failed_task_with_its_reason(env, monkeypatch):
    reason = "line 1: no VAT code on account 3000"
    monkeypatch.setattr(base, "run_message", lambda *_a, **_k: Decision(Action.FAILED, 0, reason))
    with pytest.raises(base.WorkFailed, match=reason):
        base.run_transfer(FakeTask(), lambda *_: True, "message-1")


@pytest.mark.parametrize("action", [Action.DONE, Action.SKIPPED])
def test_a_transfer_that_ends_otherwise_returns_its_action(env, monkeypatch, action):
    monkeypatch.setattr(base, "run_message", lambda *_a, **_k: Decision(action))
    assert base.run_transfer(FakeTask(), lambda *_: True, "message-1") == action


def test_a_retry_keeps_the_label_flower_shows(env, monkeypatch):
    class Labelled(FakeTask):
        def retry(self, **options):
            self.options = options
            return Retry("retry", when=options["countdown"])

    Labelled.request = type("Request", (FakeRequest,), {"argsrepr": "acme invoice 10023"})()
    task = Labelled()
    monkeypatch.setattr(base, "run_message", lambda *_a, **_k: Decision(Action.RETRY, 5, "503"))
    with pytest.raises(Retry):
        base.run_transfer(task, lambda *_: True, "message-1")
    assert task.options["argsrepr"] == "acme invoice 10023"
    assert task.options["countdown"] == 5


def test_every_task_that_can_end_failed_says_so_and_is_acknowledged(env):
    from sync_worker.app import app

    app.loader.import_default_modules()
    failing = [
        TRANSFER_CUSTOMER,
        TRANSFER_PROJECT,
        TRANSFER_INVOICE,
        UPLOAD_INVOICE_ATTACHMENT,
        TRANSFER_CREDIT_NOTE,
        IMPORT_EXPENSES,
        RECONCILE_TENANT,
    ]
    for name in failing:
        task = app.tasks[name.name]
        assert base.WorkFailed in task.throws, name
        assert task.acks_late, name
    assert app.conf.task_acks_on_failure_or_timeout is True
