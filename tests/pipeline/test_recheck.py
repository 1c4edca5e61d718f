"""Fixes that work, end to end: a fix in PowerOffice Go is found by the system's own
re-check, with no command run; a fix in Moment arrives as a newer version of the invoice.
Real worker, Redis, PostgreSQL, SMTP and the simulator."""

from __future__ import annotations

import base64
import copy

from config.tasks import RECHECK_FAILURES
from sync_worker.operations import history
from tests.support.worker import wait_until

MISSING_ACCOUNT = "3995"  # not in the simulator's seeded chart of accounts


def new_invoice(tenant) -> dict:
    customer = tenant.sample.customer()
    return tenant.sample.invoice(customer, tenant.sample.project(customer))


def posted_voucher(tenant, number) -> dict:
    [voucher] = [v for v in tenant.vouchers() if str(v.get("InvoiceNo")) == str(number)]
    return voucher


def recheck_as_beat_does() -> None:
    """Beat's entry, sent to the broker: the worker runs the re-check, not this process."""
    from sync_worker.app import app  # configured on first import: by now, for the pipeline

    app.send_task(RECHECK_FAILURES.name, queue=str(RECHECK_FAILURES.queue))


def test_an_account_added_in_poweroffice_go_is_found_by_the_recheck(tenant, mailbox):
    invoice = new_invoice(tenant)
    invoice["lines"][0]["account_code"] = MISSING_ACCOUNT
    tenant.publish(tenant.sample.message("invoice.finalized", invoice))
    state = tenant.wait_for("invoice", invoice["number"], status="failed")
    assert state.recheck_until is not None

    [email] = tenant.wait_for_email(mailbox)
    assert f"faktura {invoice['number']}" in email.subject
    assert f"Account {MISSING_ACCOUNT}" in email.body
    assert "Vi prøver igjen automatisk hver time fram til" in email.body
    assert "du trenger ikke gjøre noe mer i Moment" in email.body
    assert "sync-worker retry" not in email.body
    assert tenant.vouchers() == []

    # The re-check before the fix fails as before, and says nothing.
    recheck_as_beat_does()
    wait_until(
        lambda: (
            [a.step for a in history(tenant.code, "invoice", str(invoice["number"]))[1]][-2:]
            == ["recheck", "rules"]
        ),
        what="the first re-check to fail again",
    )
    tenant.wait_for("invoice", invoice["number"], status="failed")

    line = invoice["lines"][0]
    tenant.admin.add_account(
        tenant.client_key, int(MISSING_ACCOUNT), "Salgsinntekt, kurs", vat_code=line["vat_code"]
    )
    recheck_as_beat_does()

    done = tenant.wait_for("invoice", invoice["number"], status="done")
    assert done.step == "attachment_uploaded" and done.recheck_until is None
    voucher = posted_voucher(tenant, invoice["number"])
    assert voucher["HasPdf"] is True
    [document] = tenant.admin.documents(tenant.client_key, include_bytes=True)
    assert document["content"] == base64.b64decode(invoice["attachment"]["content_base64"])
    assert len(mailbox.to(tenant.error_email)) == 1  # the one e-mail, nothing after


def test_an_invoice_corrected_in_moment_is_posted_when_moment_sends_it_again(tenant, mailbox):
    invoice = new_invoice(tenant)
    corrected = copy.deepcopy(invoice)
    invoice["lines"][1]["vat_code"] = None
    first = tenant.sample.message("invoice.finalized", invoice)
    tenant.publish(first)
    state = tenant.wait_for("invoice", invoice["number"], status="failed")
    assert state.recheck_until is None  # only Moment can mend it: nothing to re-check

    [email] = tenant.wait_for_email(mailbox)
    assert "send fakturaen på nytt fra Moment" in email.body
    assert "sync-worker retry" not in email.body

    again = tenant.sample.message("invoice.finalized", corrected)
    assert again["version"] > first["version"]
    tenant.publish(again)

    done = tenant.wait_for("invoice", invoice["number"], status="done")
    assert done.transferred_version == again["version"]
    assert posted_voucher(tenant, invoice["number"])["HasPdf"] is True
