"""The operator's commands against the running pipeline: transfer, status, history, retry."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sync_worker.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_transfer_status_history_and_retry(tenant, mailbox):
    customer = tenant.sample.customer()
    invoice = tenant.sample.invoice(customer, None)
    invoice["lines"][0]["vat_code"] = None
    tenant.publish(
        tenant.sample.message("customer.changed", customer),
        tenant.sample.message("invoice.finalized", invoice),
    )
    failed = tenant.wait_for("invoice", invoice["number"], status="failed")

    result = run(
        "transfer", "customers", f"{customer['number']},", "424242", "--tenant", tenant.code
    )
    assert result.exit_code == 1  # one number was never received
    assert f"queued  customer {customer['number']}" in result.output
    assert "customer 424242: never received from Moment" in result.output

    status = run("status", "--tenant", tenant.code, "--status", "failed")
    header, *rows = status.output.splitlines()
    assert header.split() == ["ID", "KIND", "NUMBER", "STATUS", "STEP", "UPDATED", "REASON"]
    [row] = [line for line in rows if line.split()[:2] == [str(failed.id), "invoice"]]
    assert row.split()[3] == "failed"
    assert " ".join(failed.last_error.split()) in " ".join(status.output.split())  # all of it
    [shown] = json.loads(
        run("status", "--tenant", tenant.code, "--status", "failed", "--json").output
    )
    assert (shown["id"], shown["status"], shown["reason"]) == (
        failed.id,
        "failed",
        failed.last_error,
    )

    history = run("history", "invoice", str(invoice["number"]), "--tenant", tenant.code)
    assert "failed" in history.output and "no VAT code" in history.output
    assert "None" not in history.output

    retried = run("retry", f"{failed.id},", "999999", "--json")
    assert retried.exit_code == 1  # 999999 is no transfer
    assert [(r["id"], r["queued"]) for r in json.loads(retried.stdout)] == [
        (failed.id, True),
        (999999, False),
    ]
    tenant.wait_until_all_handled()
    assert tenant.state("invoice", invoice["number"]).status == "failed"  # still no VAT code
    assert run("retry", "999999").exit_code == 1
