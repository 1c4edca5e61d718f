"""Flower against the pipeline's real broker: it lists the worker, shows a small batch's
tasks by tenant and number, a refused invoice as failed with its reason, and nothing at
all without the credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

from config.flower import AUTH_VARIABLE
from tests.config.test_flower import CREDENTIALS, FlowerProcess, basic
from tests.support.worker import wait_until

pytestmark = pytest.mark.pipeline

PATHS = (
    "/",
    "/api/tasks",
    "/api/workers",
    "/metrics",
    "/healthcheck",
    "/tasks",
    "/workers",
    "/broker",
    "/api/task/info/no-such-task",
    "/a/random/path",
)


@pytest.fixture
def flower(pipeline, pipeline_settings, tmp_path) -> Iterator[FlowerProcess]:
    """Flower on the pipeline worker's broker, its key prefix included, listening before
    the batch is sent: it knows only what it saw happen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWER_")}
    env.update(pipeline_settings)
    env[AUTH_VARIABLE] = CREDENTIALS
    process = FlowerProcess(env, tmp_path / "flower.log")
    try:
        wait_until(process.answers, timeout=60, what="Flower to listen")
        wait_until(
            lambda: pipeline_worker(process, refresh=False),
            timeout=30,
            what="Flower to hear the worker's heartbeat",
        )
        yield process
    finally:
        process.stop()


def api(flower: FlowerProcess, path: str, **params) -> dict:
    answer = requests.get(flower.url + path, params=params, headers=basic(CREDENTIALS), timeout=30)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
    return answer.json()


def pipeline_worker(flower: FlowerProcess, *, refresh: bool) -> str | None:
    """The pipeline worker's name, once Flower has it: from the workers' answers to its
    inspection (`refresh`), or from the events it received (heartbeats)."""
    if refresh:
        workers = api(flower, "/api/workers", refresh=1)
    else:
        workers = {
            name: alive for name, alive in api(flower, "/api/workers", status=1).items() if alive
        }
    return next((name for name in workers if name.startswith("pipeline-")), None)


def test_flower_shows_the_worker_the_batch_by_tenant_and_number_and_the_refusal(tenant, flower):
    customers = [tenant.sample.customer(), tenant.sample.customer()]
    invoice = tenant.sample.invoice(customers[0], None)
    invoice["lines"][0]["vat_code"] = None
    tenant.publish(
        *(tenant.sample.message("customer.changed", customer) for customer in customers),
        tenant.sample.message("invoice.finalized", invoice),
    )
    tenant.wait_until_all_handled()

    assert pipeline_worker(flower, refresh=True)

    def batch() -> dict[str, dict] | None:
        """The batch's transfer tasks by label, once each has ended in Flower's eyes."""
        tasks = api(flower, "/api/tasks")
        ours = {
            task["args"]: task
            for task in tasks.values()
            if task.get("name", "").endswith(("transfer_customer", "transfer_invoice"))
            and tenant.code in (task.get("args") or "")
        }
        ended = all(task["state"] in ("SUCCESS", "FAILURE") for task in ours.values())
        return ours if len(ours) == 3 and ended else None

    tasks = wait_until(batch, timeout=30, what="Flower to see the batch's tasks end")
    for customer in customers:
        shown = tasks[f"{tenant.code} customer {customer['number']}"]
        assert shown["state"] == "SUCCESS"
        assert shown["kwargs"].startswith("{'message_id': ")  # ids only, never the payload
    refused = tasks[f"{tenant.code} invoice {invoice['number']}"]
    assert refused["state"] == "FAILURE"
    assert "WorkFailed" in refused["exception"] and "VAT code" in refused["exception"]

    every_task = api(flower, "/api/tasks")
    mail = [
        task
        for task in every_task.values()
        if task.get("args") == f"{tenant.code} error e-mail for invoice {invoice['number']}"
    ]
    assert len(mail) == 1


def test_flower_answers_401_on_every_path_without_the_credentials(flower):
    for path in PATHS:
        for headers in ({}, basic("operator:wrong"), {"Authorization": "Bearer not-a-password"}):
            answer = requests.get(flower.url + path, headers=headers, timeout=10)
            assert answer.status_code == 401, (path, headers, answer.status_code)
