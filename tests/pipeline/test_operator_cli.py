"""The operator's commands against the running pipeline: transfer, status, history, retry."""

from __future__ import annotations

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

    result = run("transfer", "customers", f"{customer['number']}, 424242", "--tenant", tenant.code)
    assert result.exit_code == 1  # one number was never received
    assert f"queued  customer {customer['number']}" in result.output
    assert "customer 424242: never received from Moment" in result.output

    status = run("status", "--tenant", tenant.code, "--status", "failed")
    assert f"{failed.id:>6} invoice" in status.output and "failed" in status.output

    shown = run("history", "invoice", str(invoice["number"]), "--tenant", tenant.code)
    assert "failed" in shown.output and "no VAT code" in shown.output

    retried = run("retry", str(failed.id))
    assert retried.exit_code == 0 and "resumes after step" in retried.output
    tenant.wait_until_all_handled()
    assert tenant.state("invoice", invoice["number"]).status == "failed"  # still no VAT code
    assert run("retry", "999999").exit_code == 1
