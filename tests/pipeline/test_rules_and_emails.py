"""Exports refused before anything is written, and failures that end in one error e-mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from sync_worker import operations
from sync_worker.db.models import Tenant as TenantRow
from sync_worker.db.session import session_scope
from sync_worker.errors import InvalidMessage
from sync_worker.operations import history
from sync_worker.producer import publish
from sync_worker.tenants import encrypt_client_key
from tests.support.worker import wait_until


def new_invoice(tenant, **overrides) -> dict:
    customer = tenant.sample.customer()
    return tenant.sample.invoice(customer, tenant.sample.project(customer), **overrides)


def refused(tenant, mailbox, invoice, kind="invoice"):
    """Publish, wait for the failure and its e-mail; nothing may have reached PowerOffice Go."""
    message_type = "invoice.finalized" if kind == "invoice" else "credit_note.finalized"
    tenant.publish(tenant.sample.message(message_type, invoice))
    tenant.wait_for(kind, invoice["number"], status="failed")
    [email] = tenant.wait_for_email(mailbox)
    assert str(invoice["number"]) in email.subject
    assert "Hva som var galt:" in email.body and "Hva du gjør:" in email.body
    assert '"voucher"' not in email.body and "attachment" not in email.body  # no step names
    assert [v for v in tenant.vouchers() if str(v["InvoiceNo"]) == str(invoice["number"])] == []
    return email


def test_a_line_without_vat_code_names_its_account(tenant, mailbox):
    invoice = new_invoice(tenant)
    invoice["lines"][1]["vat_code"] = None
    email = refused(tenant, mailbox, invoice)
    account = invoice["lines"][1]["account_code"]
    assert f"account {account}" in email.body
    assert "VAT code" in email.body and "send fakturaen på nytt fra Moment" in email.body
    assert "sync-worker retry" not in email.body  # a replay would fail again
    assert tenant.customers() == []  # checked before the customer was written


def test_moments_rounding_account_7746_is_explained(tenant, mailbox):
    invoice = new_invoice(tenant)
    invoice["lines"].append(
        {
            "description": "Øreavrunding",
            "account_code": "7746",
            "vat_code": "0",
            "quantity": "1",
            "unit_price": "0.00",
            "discount_percent": "0",
            "amount": "0.00",
        }
    )
    email = refused(tenant, mailbox, invoice)
    assert "7746" in email.body and "7740" in email.body


def test_an_invoice_in_a_closed_period_names_the_period(tenant, mailbox):
    tenant.admin.set_lock_date(tenant.client_key, "2026-10-31")
    invoice = new_invoice(tenant)
    invoice["lines"][0]["accrual"] = {"from": "2026-10-01", "to": "2026-10-31"}
    email = refused(tenant, mailbox, invoice)
    assert "2026-10-01" in email.body and "2026-10-31" in email.body
    assert "closed" in email.body
    assert "Vi prøver igjen automatisk hver time fram til" in email.body  # fixed there


def test_sums_that_do_not_add_up_show_both(tenant, mailbox):
    invoice = new_invoice(tenant)
    wrong = Decimal(invoice["total_incl_vat"]) + Decimal("10.00")
    invoice["total_incl_vat"] = str(wrong)
    email = refused(tenant, mailbox, invoice)
    assert str(wrong) in email.body
    assert str(wrong - Decimal("10.00")) in email.body


def test_a_credit_note_without_its_invoice_number_is_refused_at_the_door(tenant):
    invoice = new_invoice(tenant)
    credit = tenant.sample.invoice(invoice["customer"], invoice["project"], credit_for=invoice)
    credit["credited_invoice_number"] = None
    with pytest.raises(InvalidMessage, match=r"data\.credited_invoice_number: A credit note"):
        publish(tenant.sample.message("credit_note.finalized", credit))
    assert tenant.state("credit_note", str(credit["number"])) is None  # nothing stored


def test_a_credit_note_whose_invoice_is_unknown_everywhere_is_refused(tenant, mailbox):
    invoice = new_invoice(tenant)  # never published
    credit = tenant.sample.invoice(invoice["customer"], invoice["project"], credit_for=invoice)
    email = refused(tenant, mailbox, credit, kind="credit_note")
    assert str(invoice["number"]) in email.body


def test_retries_used_up_end_in_one_email_and_none_before(tenant, mailbox, simulator):
    invoice = new_invoice(tenant)
    simulator.admin.set_faults(error_rate=1.0, error_paths=["/Vouchers"])
    try:
        tenant.publish(tenant.sample.message("invoice.finalized", invoice))
        wait_until(
            lambda: (s := tenant.state("invoice", invoice["number"])) and s.status == "retrying",
            what="the first retry",
        )
        assert mailbox.to(tenant.error_email) == []  # no e-mail while retries remain
        tenant.wait_for("invoice", invoice["number"], status="failed", timeout=90)
    finally:
        simulator.admin.clear_faults()
    [email] = tenant.wait_for_email(mailbox)
    assert "ganger på rad" in email.body and "Ingenting er tapt" in email.body
    assert "HTTP 5" in email.body  # PowerOffice Go's own answer is quoted
    assert f"sync-worker retry {tenant.state('invoice', invoice['number']).id}" in email.body
    _, attempts = history(tenant.code, "invoice", str(invoice["number"]))
    assert [a.outcome for a in attempts].count("retry") == 3


def test_one_email_per_entity_and_error_within_the_hour(tenant, mailbox):
    invoice = new_invoice(tenant)
    invoice["lines"][0]["vat_code"] = None
    tenant.publish(tenant.sample.message("invoice.finalized", invoice))
    state = tenant.wait_for("invoice", invoice["number"], status="failed")
    tenant.wait_for_email(mailbox)
    operations.retry([state.id])
    wait_until(
        lambda: len(history(tenant.code, "invoice", str(invoice["number"]))[1]) >= 2,
        what="the retry to fail again",
    )
    tenant.wait_for("invoice", invoice["number"], status="failed")
    tenant.wait_until_all_handled()
    wait_until(lambda: True)
    assert len(mailbox.to(tenant.error_email)) == 1


def test_a_wrong_client_key_says_so(tenant, mailbox):
    with session_scope() as session:
        session.execute(
            update(TenantRow)
            .where(TenantRow.code == tenant.code)
            .values(client_key_encrypted=encrypt_client_key("not-the-key"), email_language="en")
        )
    customer = tenant.sample.customer()
    tenant.publish(tenant.sample.message("customer.changed", customer))
    tenant.wait_for("customer", customer["number"], status="failed")
    [email] = tenant.wait_for_email(mailbox)
    assert "was not transferred to PowerOffice Go" in email.subject  # the tenant's English
    assert "client key" in email.body
    assert "Settings > Extensions" in email.body
    assert f"sync-worker tenant update {tenant.code} --client-key" in email.body
    assert "not-the-key" not in email.body
