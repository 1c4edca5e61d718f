"""A task whose books cannot be written comes back later instead of being acknowledged."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry
from sqlalchemy.exc import OperationalError

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
