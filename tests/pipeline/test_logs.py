"""The worker's log, as production writes it off a terminal: one JSON object per line, and
the line of a failed transfer says whose, what, which message and which task."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from sync_worker.db.models import Attempt
from sync_worker.db.session import session_scope
from tests.support.worker import wait_until

pytestmark = pytest.mark.pipeline


def json_lines(path: Path) -> Iterator[dict]:
    """The log's JSON lines; Celery's start-up banner, printed before logging, is not one."""
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            yield json.loads(line)


def refused_invoice(tenant) -> tuple[dict, dict]:
    """A customer and an invoice of theirs with a line without a VAT code, published."""
    customer = tenant.sample.customer()
    invoice = tenant.sample.invoice(customer, None)
    invoice["lines"][0]["vat_code"] = None
    message = tenant.sample.message("invoice.finalized", invoice)
    tenant.publish(tenant.sample.message("customer.changed", customer), message)
    return invoice, message


def test_a_failed_transfer_is_a_json_line_with_tenant_kind_number_message_and_task(
    tenant, pipeline
):
    invoice, message = refused_invoice(tenant)
    number = str(invoice["number"])
    tenant.wait_for("invoice", number, status="failed")
    with session_scope() as session:
        task_id = session.scalar(
            select(Attempt.task_id).where(
                Attempt.message_id == message["message_id"], Attempt.outcome == "failed"
            )
        )
    assert task_id

    def failure_lines() -> list[dict] | None:
        lines = [
            line
            for line in json_lines(pipeline.log_path)
            if line.get("task_id") == task_id and line.get("tenant") == tenant.code
        ]
        # Celery writes its line of the task's end just after the runner's: wait for both.
        return lines if any("raised expected" in line["message"] for line in lines) else None

    lines = wait_until(failure_lines, timeout=30, what="the failed transfer's log lines")
    [failed] = [
        line
        for line in lines
        if line["logger"] == "sync_worker.transfers.runner" and "failed" in line["message"]
    ]
    assert failed["level"] == "WARNING" and "VAT code" in failed["message"]
    assert (failed["tenant"], failed["kind"], failed["number"]) == (tenant.code, "invoice", number)
    assert failed["message_id"] == message["message_id"]
    assert failed["attempt"] >= 1 and failed["step"]

    # Celery's own line for the task's end goes through the same handler, in the same
    # context: a failure it expected, in one line without a traceback.
    [ended] = [line for line in lines if "raised expected" in line["message"]]
    assert "WorkFailed" in ended["message"] and "VAT code" in ended["message"]
    assert ended["message_id"] == message["message_id"] and ended["number"] == number
    assert "exc_info" not in ended and "traceback" not in ended.get("data", {})
