"""Invoices and credit notes, end to end: voucher, lines, PDF, credit link, exactly once."""

from __future__ import annotations

import base64
from decimal import Decimal

from sync_worker.mapping.invoices import gross_amounts
from sync_worker.operations import history
from sync_worker.schemas.messages import parse_message
from tests.support.worker import wait_until


def published_invoice(tenant, **overrides) -> dict:
    customer = tenant.sample.customer()
    project = tenant.sample.project(customer)
    invoice = tenant.sample.invoice(customer, project, **overrides)
    return invoice


def voucher_of(tenant, number) -> dict:
    [voucher] = [v for v in tenant.vouchers() if str(v.get("InvoiceNo")) == str(number)]
    return voucher


def test_an_invoice_becomes_one_posted_voucher_with_its_lines_and_pdf(tenant):
    invoice = published_invoice(tenant)
    message = tenant.sample.message("invoice.finalized", invoice)
    tenant.publish(message)
    state = tenant.wait_for("invoice", invoice["number"])
    assert state.step == "attachment_uploaded"

    voucher = voucher_of(tenant, invoice["number"])
    assert voucher["Id"] == state.pogo_id
    assert voucher["VoucherDate"] == invoice["invoice_date"]
    assert voucher["DueDate"] == invoice["due_date"]
    assert voucher["Cid"] == invoice["kid"]
    assert voucher["CurrencyCode"] == "NOK"
    assert Decimal(str(voucher["CurrencyAmount"])) == Decimal(invoice["total_incl_vat"])
    assert voucher["Description"] == invoice["description"]
    customer = next(
        c for c in tenant.customers() if c["Number"] == int(invoice["customer"]["number"])
    )
    project = next(p for p in tenant.projects() if p["Code"] == invoice["project"]["number"])
    assert voucher["CustomerAccountId"] == customer["SubledgerAccountId"]
    assert voucher["ProjectId"] == project["Id"]
    lines = voucher["OutgoingInvoiceLines"]
    gross = [Decimal(str(line["CurrencyAmount"])) for line in lines]
    assert sum(gross) == Decimal(invoice["total_incl_vat"])  # gross lines, balanced
    rates = {code: Decimal(str(row["Rate"])) for code, row in vat_codes(tenant).items()}
    assert gross == list(gross_amounts(parse_message(message).data, rates).amounts)
    assert [line["Description"] for line in lines] == [
        line["description"] for line in invoice["lines"]
    ]
    [document] = tenant.admin.documents(tenant.client_key, include_bytes=True)
    assert document["content"] == base64.b64decode(invoice["attachment"]["content_base64"])


def vat_codes(tenant) -> dict:
    from sync_worker.poweroffice import PowerOfficeClient

    return PowerOfficeClient(tenant.client_key).vat_codes.by_code()


def test_accrual_periods_travel_on_their_lines(tenant):
    invoice = published_invoice(tenant)
    invoice["lines"][0]["accrual"] = {"from": "2026-12-01", "to": "2027-02-28"}
    tenant.publish(tenant.sample.message("invoice.finalized", invoice))
    tenant.wait_for("invoice", invoice["number"])
    line = voucher_of(tenant, invoice["number"])["OutgoingInvoiceLines"][0]
    assert line["Accrual"]["IsActive"] is True
    assert (line["Accrual"]["FromDate"], line["Accrual"]["ToDate"]) == ("2026-12-01", "2027-02-28")


def test_a_credit_note_is_linked_to_its_invoice(tenant):
    invoice = published_invoice(tenant)
    credit = tenant.sample.invoice(invoice["customer"], invoice["project"], credit_for=invoice)
    tenant.publish(
        tenant.sample.message("invoice.finalized", invoice),
        tenant.sample.message("credit_note.finalized", credit),
    )
    tenant.wait_for("credit_note", credit["number"])
    note = voucher_of(tenant, credit["number"])
    assert note["CustomMatchingReference"] == str(invoice["number"])
    assert str(invoice["number"]) in note["Description"]
    assert Decimal(str(note["CurrencyAmount"])) < 0


def test_a_credit_note_arriving_first_waits_for_its_invoice(tenant):
    invoice = published_invoice(tenant)
    credit = tenant.sample.invoice(invoice["customer"], invoice["project"], credit_for=invoice)
    tenant.publish(tenant.sample.message("credit_note.finalized", credit))
    wait_until(
        lambda: (s := tenant.state("credit_note", credit["number"])) and s.status == "waiting",
        what="the credit note to wait",
    )
    tenant.publish(tenant.sample.message("invoice.finalized", invoice))
    tenant.wait_for("credit_note", credit["number"], timeout=90)
    invoice_state = tenant.state("invoice", invoice["number"])
    credit_state = tenant.state("credit_note", credit["number"])
    posted = {str(v["InvoiceNo"]): v for v in tenant.vouchers()}
    assert set(posted) == {str(invoice["number"]), str(credit["number"])}
    assert invoice_state.transferred_at <= credit_state.transferred_at


def test_the_same_message_twice_is_one_voucher(tenant):
    invoice = published_invoice(tenant)
    message = tenant.sample.message("invoice.finalized", invoice)
    tenant.publish(message)
    tenant.publish(message)
    tenant.wait_for("invoice", invoice["number"])
    again = dict(message, message_id="5d1c5e0e-0000-4000-8000-000000000001")
    tenant.publish(again)  # a new message id for the same, already posted invoice
    tenant.wait_until_all_handled()
    assert len([v for v in tenant.vouchers() if str(v["InvoiceNo"]) == str(invoice["number"])]) == 1


def test_a_lost_response_after_the_voucher_landed_leaves_one_voucher(tenant, simulator):
    invoice = published_invoice(tenant)
    simulator.admin.set_faults(lose_responses=1, lose_response_path="/Vouchers")
    try:
        tenant.publish(tenant.sample.message("invoice.finalized", invoice))
        state = tenant.wait_for("invoice", invoice["number"], timeout=90)
    finally:
        simulator.admin.clear_faults()
    vouchers = [v for v in tenant.vouchers() if str(v["InvoiceNo"]) == str(invoice["number"])]
    assert len(vouchers) == 1 and vouchers[0]["Id"] == state.pogo_id
    assert vouchers[0]["HasPdf"] is True
    _, attempts = history(tenant.code, "invoice", str(invoice["number"]))
    assert any(a.outcome == "retry" for a in attempts)
    assert any("earlier attempt" in (a.detail or "") for a in attempts)


def test_a_worker_killed_between_voucher_and_pdf_leaves_one_voucher_with_its_pdf(
    tenant, simulator, worker
):
    invoice = published_invoice(tenant)
    simulator.admin.set_faults(latency_ms=700)
    try:
        tenant.publish(tenant.sample.message("invoice.finalized", invoice))
        wait_until(
            lambda: (
                (s := tenant.state("invoice", invoice["number"])) and s.step == "voucher_posted"
            ),
            interval=0.05,
            what="the voucher to be posted",
        )
        worker.kill_children()  # SIGKILL, as the OOM killer would
    finally:
        simulator.admin.clear_faults()
    tenant.wait_for("invoice", invoice["number"], timeout=90)
    vouchers = [v for v in tenant.vouchers() if str(v["InvoiceNo"]) == str(invoice["number"])]
    assert len(vouchers) == 1
    assert vouchers[0]["HasPdf"] is True


def test_an_invoice_with_unchanged_customer_and_project_costs_two_calls(tenant, simulator):
    first = published_invoice(tenant)
    tenant.publish(tenant.sample.message("invoice.finalized", first))
    tenant.wait_for("invoice", first["number"])  # customer, project and look-ups now warm
    second = tenant.sample.invoice(first["customer"], first["project"])
    before = simulator.admin.stats()["by_endpoint"]
    tenant.publish(tenant.sample.message("invoice.finalized", second))
    tenant.wait_for("invoice", second["number"])
    after = simulator.admin.stats()["by_endpoint"]
    made = {
        endpoint: sum(after[endpoint].values()) - sum(before.get(endpoint, {}).values())
        for endpoint in after
    }
    made = {endpoint: count for endpoint, count in made.items() if count}
    assert made == {
        "POST /v2/Vouchers/OutgoingInvoiceJournals": 1,
        "PUT /v2/VoucherDocumentation": 1,
    }


def test_after_a_lost_answer_the_landed_voucher_is_found_before_the_rules_run(tenant, simulator):
    """The POST landed, its answer was lost, then the period was closed: the retry must
    find the voucher, not refuse the invoice as if nothing had been posted."""
    invoice = published_invoice(tenant)
    simulator.admin.set_faults(lose_responses=1, lose_response_path="/Vouchers")
    try:
        tenant.publish(tenant.sample.message("invoice.finalized", invoice))
        wait_until(
            lambda: any(
                str(v.get("InvoiceNo")) == str(invoice["number"]) for v in tenant.vouchers()
            ),
            interval=0.05,
            what="the voucher to land",
        )
        tenant.admin.set_lock_date(tenant.client_key, invoice["invoice_date"])
    finally:
        simulator.admin.clear_faults()
    state = tenant.wait_for("invoice", invoice["number"], timeout=90)
    assert voucher_of(tenant, invoice["number"])["Id"] == state.pogo_id
    assert voucher_of(tenant, invoice["number"])["HasPdf"] is True


def test_a_voucher_someone_else_posted_with_the_number_is_never_adopted(tenant, mailbox):
    from sync_worker.poweroffice import PowerOfficeClient

    invoice = published_invoice(tenant)
    tenant.publish(tenant.sample.message("customer.changed", invoice["customer"]))
    customer = tenant.wait_for("customer", invoice["customer"]["number"])
    client = PowerOfficeClient(tenant.client_key)
    account = client.accounts.by_number()["3000"]
    vat = client.vat_codes.by_code()["3"]
    client.outgoing_invoice_journals.create(
        {
            "InvoiceNo": str(invoice["number"]),
            "ExternalImportReference": "keyed-in-by-hand",
            "VoucherDate": invoice["invoice_date"],
            "DueDate": invoice["due_date"],
            "CustomerAccountId": int(customer.pogo_ledger_id),
            "CurrencyCode": "NOK",
            "CurrencyAmount": Decimal("125.00"),
            "OutgoingInvoiceLines": [
                {
                    "AccountId": account["Id"],
                    "VatId": vat["Id"],
                    "CurrencyAmount": Decimal("125.00"),
                }
            ],
        }
    )
    tenant.publish(tenant.sample.message("invoice.finalized", invoice))
    tenant.wait_for("invoice", invoice["number"], status="failed")
    [email] = tenant.wait_for_email(mailbox)
    assert "already used by voucher" in email.body
    assert "did not post" in email.body
    [voucher] = [v for v in tenant.vouchers() if str(v["InvoiceNo"]) == str(invoice["number"])]
    assert voucher["ExternalImportReference"] == "keyed-in-by-hand"
    assert voucher["HasPdf"] is False
