"""Celery configured so that no task is lost or run twice."""

from __future__ import annotations

import random

import pytest

from config import tasks
from config.celery import QUEUES, celery_config
from config.settings import load_settings
from sync_worker.retry import max_countdown, retry_countdown


@pytest.fixture
def settings():
    return load_settings()


def test_tasks_are_acknowledged_after_they_ran(settings):
    config = celery_config(settings)
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1


def test_only_json_crosses_the_broker(settings):
    config = celery_config(settings)
    assert config["task_serializer"] == "json"
    assert config["accept_content"] == ["json"]
    assert config["result_accept_content"] == ["json"]


def test_time_limits_are_set(settings):
    config = celery_config(settings)
    assert 0 < config["task_soft_time_limit"] < config["task_time_limit"]


def test_the_three_queues_exist_and_tasks_are_routed(settings):
    config = celery_config(settings)
    assert {q.name for q in config["task_queues"]} == set(QUEUES)
    routes = config["task_routes"]
    assert routes[tasks.TRANSFER_INVOICE.name]["queue"] == "transfers"
    assert routes[tasks.UPLOAD_INVOICE_ATTACHMENT.name]["queue"] == "transfers"
    assert routes[tasks.IMPORT_EXPENSES.name]["queue"] == "imports"
    assert routes[tasks.SEND_ERROR_EMAIL.name]["queue"] == "notifications"


def test_every_task_in_the_table_is_registered_and_every_registered_task_is_in_it(env):
    # Under the test services' settings: the app, made on first import, keeps its broker.
    from sync_worker.app import app

    app.loader.import_default_modules()
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert registered == {task.name for task in tasks.ALL_TASKS}


def test_every_kind_is_transferred_by_a_task_in_the_table():
    from sync_worker import kinds

    assert {kind.task for kind in kinds.all_kinds()} <= set(tasks.ALL_TASKS)


def test_the_beat_schedule_names_tasks_from_the_table(settings):
    names = {task.name for task in tasks.ALL_TASKS}
    for entry in celery_config(settings)["beat_schedule"].values():
        assert entry["task"] in names
        assert (
            entry["options"]["queue"]
            == celery_config(settings)["task_routes"][entry["task"]]["queue"]
        )


def test_visibility_timeout_is_above_every_countdown(settings):
    timeout = celery_config(settings)["broker_transport_options"]["visibility_timeout"]
    rng = random.Random(7)
    countdowns = [
        retry_countdown(attempt, settings, at_least=at_least, rng=rng)
        for attempt in range(60)
        for at_least in (0, 1, 120, 10_000)
    ]
    assert max(countdowns) <= max_countdown(settings)
    assert max(countdowns) + settings.task_time_limit_seconds < timeout


def test_a_huge_retry_after_is_capped_in_code(settings):
    assert retry_countdown(0, settings, at_least=86_400) == max_countdown(settings)


def test_backoff_grows_and_keeps_jitter(settings):
    rng = random.Random(1)
    first = [retry_countdown(0, settings, rng=rng) for _ in range(50)]
    fourth = [retry_countdown(3, settings, rng=rng) for _ in range(50)]
    assert max(first) <= settings.retry_backoff_base_seconds < min(fourth)
    assert len(set(first)) > 40


def test_default_retries_last_about_an_hour(settings):
    # The longest each retry waits, added up: how long a transfer keeps trying at most.
    window = sum(
        min(settings.retry_backoff_base_seconds * 2**n, max_countdown(settings))
        for n in range(settings.transfer_max_retries)
    )
    assert 45 * 60 <= window <= 75 * 60


def test_app_loads_every_task_module(env):
    import importlib

    from sync_worker.app import TASK_MODULES

    for module in TASK_MODULES:
        importlib.import_module(module)


def test_transfer_tasks_leave_retry_counting_to_the_runner(env):
    """Celery's default of 3 retries would end a long wait or backoff unrecorded."""
    import tasks.credit_notes
    import tasks.customers
    import tasks.invoices
    import tasks.projects

    for task in (
        tasks.customers.transfer_customer,
        tasks.projects.transfer_project,
        tasks.invoices.transfer_invoice,
        tasks.invoices.upload_invoice_attachment,
        tasks.credit_notes.transfer_credit_note,
    ):
        assert task.max_retries is None, task.name
        assert task.acks_late is True, task.name
