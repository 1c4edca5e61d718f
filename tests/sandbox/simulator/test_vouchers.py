"""Outgoing invoice and credit-note vouchers, one journal for both, and GET /OutgoingInvoices."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from tests.sandbox.simulator.builders import (
    Ids,
    create_customer,
    create_project,
    invoice_body,
    post_invoice,
)
from tests.sandbox.simulator.raw import data

INVOICES = "/Vouchers/OutgoingInvoiceJournals"


def _detail(response) -> str:
    assert response.status_code == 400, response.text
    return response.json()["detail"]


def test_post_answers_201_and_voucher_no_comes_later(api, ids, customer):
    created = post_invoice(api, invoice_body(ids, customer))

    assert uuid.UUID(created["Id"])
    assert created["VoucherNo"] is None
    assert created["IsReversed"] is False
    assert created["CreatedDateTimeOffset"]
    fetched = data(api.get(f"{INVOICES}/{created['Id']}"))
    assert isinstance(fetched["VoucherNo"], int)
    assert fetched["InvoiceNo"] == "10234"


def test_amounts_come_back_exactly(api, ids, customer):
    body = invoice_body(ids, customer, gross="1250.10")
    body["OutgoingInvoiceLines"][0]["CurrencyAmount"] = Decimal("1000.10")
    body["OutgoingInvoiceLines"].append(
        {"AccountId": ids.accounts[3000], "VatId": ids.vat_codes["3"], "CurrencyAmount": 250}
    )

    response = api.post(INVOICES, body)

    assert b'"CurrencyAmount":1250.10' in response.content
    assert b'"CurrencyAmount":1000.10' in response.content


def test_repeated_invoice_no_is_already_in_use(api, ids, customer):
    post_invoice(api, invoice_body(ids, customer, "10234"))
    repeat = invoice_body(ids, customer, "10234", ExternalImportReference="other-reference")

    assert "InvoiceNo is already in use" in _detail(api.post(INVOICES, repeat))


def test_invoice_no_is_unique_across_invoices_and_credit_notes(api, ids, customer):
    post_invoice(api, invoice_body(ids, customer, "10234"))
    credit = invoice_body(
        ids,
        customer,
        "10234",
        gross="-125.00",
        ExternalImportReference="x",
        CustomMatchingReference="10234",
    )

    assert "already in use" in _detail(api.post(INVOICES, credit))


def test_repeated_external_import_reference_is_already_in_use(api, ids, customer):
    post_invoice(api, invoice_body(ids, customer, "10234"))
    repeat = invoice_body(ids, customer, "10235", ExternalImportReference="acme:invoice:10234")

    assert "ExternalImportReference is already in use" in _detail(api.post(INVOICES, repeat))


def test_invoice_no_must_be_a_number(api, ids, customer):
    assert "InvoiceNo" in _detail(api.post(INVOICES, invoice_body(ids, customer, "F-10")))


def test_at_least_one_line(api, ids, customer):
    body = invoice_body(ids, customer, OutgoingInvoiceLines=[])

    assert "OutgoingInvoiceLines" in _detail(api.post(INVOICES, body))


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("AccountId", "general ledger account with Id = 424242"),
        ("VatId", "VAT code with Id = 424242"),
        ("ProjectId", "project with Id = 424242"),
        ("DepartmentId", "department with Id = 424242"),
    ],
)
def test_unknown_line_reference_is_named(api, ids, customer, field, named):
    body = invoice_body(ids, customer)
    body["OutgoingInvoiceLines"][0][field] = 424242

    detail = _detail(api.post(INVOICES, body))

    assert f"OutgoingInvoiceLines[0].{field}" in detail
    assert named in detail


def test_unknown_customer_account_is_named(api, ids, customer):
    body = invoice_body(ids, customer, CustomerAccountId=customer["Id"])

    assert f"Id = {customer['Id']}" in _detail(api.post(INVOICES, body))


def test_unknown_header_project_is_named(api, ids, customer):
    body = invoice_body(ids, customer, ProjectId=77)

    assert "ProjectId: project with Id = 77" in _detail(api.post(INVOICES, body))


def test_known_dimensions_are_accepted(api, ids, customer):
    project = create_project(api, CustomerNo=10001)
    body = invoice_body(ids, customer, ProjectId=project["Id"], DepartmentId=ids.departments["20"])
    body["OutgoingInvoiceLines"][0]["ProjectId"] = project["Id"]

    assert api.post(INVOICES, body).status_code == 201


def test_unknown_7746_rounding_account_is_refused(api, ids, customer):
    assert 7746 not in ids.accounts
    rounding = {"AccountId": 7746, "VatId": None, "CurrencyAmount": Decimal("0.40")}
    body = invoice_body(ids, customer, CurrencyAmount=Decimal("12500.40"))
    body["OutgoingInvoiceLines"].append(rounding)

    assert "OutgoingInvoiceLines[1].AccountId" in _detail(api.post(INVOICES, body))


def test_voucher_date_on_the_lock_date_is_refused(api, admin, ids, customer):
    admin.set_lock_date(api.client_key, "2026-10-31")

    detail = _detail(api.post(INVOICES, invoice_body(ids, customer, VoucherDate="2026-10-31")))

    assert "2026-10-31" in detail
    assert "lock date" in detail
    assert (
        api.post(INVOICES, invoice_body(ids, customer, VoucherDate="2026-11-01")).status_code == 201
    )


def test_accrual_from_the_closed_period_is_refused(api, admin, ids, customer):
    admin.set_lock_date(api.client_key, "2026-10-31")
    body = invoice_body(ids, customer)
    body["OutgoingInvoiceLines"][0]["Accrual"] = {
        "IsActive": True,
        "FromDate": "2026-10-01",
        "ToDate": "2026-12-31",
        "BalanceAccountNo": 2900,
    }

    detail = _detail(api.post(INVOICES, body))

    assert "Accrual.FromDate 2026-10-01" in detail
    assert "lock date is 2026-10-31" in detail


def test_accrual_needs_its_period(api, ids, customer):
    body = invoice_body(ids, customer)
    body["OutgoingInvoiceLines"][0]["Accrual"] = {"IsActive": True, "FromDate": "2026-11-01"}

    assert "ToDate is required" in _detail(api.post(INVOICES, body))


def test_a_negative_total_makes_a_credit_note(api, ids, customer):
    post_invoice(api, invoice_body(ids, customer, "10234", CustomMatchingReference="10234"))
    credit = invoice_body(ids, customer, "10300", gross="-125.00", CustomMatchingReference="10234")

    created = post_invoice(api, credit)

    row = data(api.get(f"/OutgoingInvoices/{created['Id']}"))
    assert row["VoucherType"] == "OutgoingCreditNote"
    assert row["TotalAmount"] == Decimal("-125.00")
    assert row["NetAmount"] == Decimal("-100.00")


def test_the_journal_serves_invoices_and_credit_notes_by_id(api, ids, customer):
    invoice = post_invoice(api, invoice_body(ids, customer, "10234"))
    credit = post_invoice(
        api, invoice_body(ids, customer, "10300", gross="-1", CustomMatchingReference="10234")
    )

    fetched = [data(api.get(f"{INVOICES}/{voucher['Id']}")) for voucher in (invoice, credit)]

    assert [voucher["InvoiceNo"] for voucher in fetched] == ["10234", "10300"]
    assert fetched[1]["CustomMatchingReference"] == "10234"
    assert fetched[1]["CurrencyAmount"] == -1
    assert api.get(f"{INVOICES}/{uuid.uuid4()}").status_code == 404


def test_there_is_no_credit_note_journal(api, ids, customer):
    post_invoice(api, invoice_body(ids, customer, "10234"))
    credit = invoice_body(ids, customer, "10300", gross="-1", CustomMatchingReference="10234")

    assert api.post("/Vouchers/OutgoingCreditNoteJournals", credit).status_code == 404


def test_a_zero_total_is_an_invoice(api, ids, customer):
    created = post_invoice(api, invoice_body(ids, customer, "10234", gross="0.00"))

    assert data(api.get(f"/OutgoingInvoices/{created['Id']}"))["VoucherType"] == "OutgoingInvoice"


def test_credit_note_for_unknown_invoice_is_refused(api, ids, customer):
    credit = invoice_body(ids, customer, "10300", gross="-125", CustomMatchingReference="10234")

    assert "credited invoice '10234' is unknown" in _detail(api.post(INVOICES, credit))


def test_a_credit_note_cannot_be_credited(api, ids, customer):
    post_invoice(api, invoice_body(ids, customer, "10234"))
    post_invoice(
        api, invoice_body(ids, customer, "10300", gross="-1", CustomMatchingReference="10234")
    )
    credit = invoice_body(ids, customer, "10301", gross="-1", CustomMatchingReference="10300")

    assert "unknown" in _detail(api.post(INVOICES, credit))


def test_a_reversed_invoice_cannot_be_credited(api, admin, ids, customer):
    invoice = post_invoice(api, invoice_body(ids, customer, "10234"))
    admin.reverse_voucher(api.client_key, invoice["Id"])
    credit = invoice_body(ids, customer, "10300", gross="-1", CustomMatchingReference="10234")

    assert "credited invoice '10234' is unknown" in _detail(api.post(INVOICES, credit))


def test_an_unbalanced_voucher_is_refused_naming_both_sums(api, ids, customer):
    body = invoice_body(ids, customer, CurrencyAmount=Decimal("12500.01"))

    detail = _detail(api.post(INVOICES, body))

    assert "does not balance" in detail
    assert "12500.00" in detail
    assert "12500.01" in detail


def test_net_lines_under_a_gross_total_are_refused(api, ids, customer):
    body = invoice_body(ids, customer, gross="10000.00", CurrencyAmount=Decimal("12500.00"))

    assert "sum to 10000.00, the header CurrencyAmount is 12500.00" in _detail(
        api.post(INVOICES, body)
    )


def test_balance_is_exact_whatever_the_digits(api, ids, customer):
    body = invoice_body(ids, customer, gross="1250.1", CurrencyAmount=Decimal("1250.100"))

    assert api.post(INVOICES, body).status_code == 201


def test_outgoing_invoices_list_one_row_per_voucher(api, ids, customer):
    invoice = post_invoice(api, invoice_body(ids, customer, "10234", gross="1250.00"))
    credit = post_invoice(
        api,
        invoice_body(ids, customer, "10300", gross="-250.00", CustomMatchingReference="10234"),
    )

    rows = {row["Id"]: row for row in data(api.get("/OutgoingInvoices"))}

    assert set(rows) == {invoice["Id"], credit["Id"]}
    row = rows[invoice["Id"]]
    assert row["InvoiceNo"] == 10234
    assert row["VoucherType"] == "OutgoingInvoice"
    assert row["CustomerNo"] == 10001
    assert row["NetAmount"] == Decimal("1000.00")
    assert row["TotalAmount"] == Decimal("1250.00")
    assert row["Cid"] == "0102343"
    assert row["ExternalImportReference"] == "acme:invoice:10234"
    assert isinstance(row["VoucherNo"], int)
    assert rows[credit["Id"]]["VoucherType"] == "OutgoingCreditNote"
    assert rows[credit["Id"]]["NetAmount"] == Decimal("-200.00")
    assert rows[credit["Id"]]["CustomMatchingReference"] == "10234"


def test_outgoing_invoices_show_the_header_project(api, ids, customer):
    project = create_project(api, "2026-017", CustomerNo=10001)
    post_invoice(api, invoice_body(ids, customer, "10234", ProjectId=project["Id"]))
    post_invoice(api, invoice_body(ids, customer, "10235"))

    rows = data(api.get("/OutgoingInvoices", projectCodes="2026-017"))

    assert [(row["InvoiceNo"], row["ProjectCode"]) for row in rows] == [(10234, "2026-017")]


def test_outgoing_invoices_filters(api, ids, customer):
    create_customer(api, number=10002)
    other = data(api.get("/Customers", customerNos="10002"))[0]
    post_invoice(api, invoice_body(ids, customer, "10234", VoucherDate="2026-11-01"))
    post_invoice(api, invoice_body(ids, other, "10235", VoucherDate="2026-11-15"))
    post_invoice(api, invoice_body(ids, customer, "10236", VoucherDate="2026-11-30"))

    def numbers(**params):
        return [row["InvoiceNo"] for row in data(api.get("/OutgoingInvoices", **params)) or []]

    assert numbers(invoiceNos="10235") == [10235]
    assert numbers(invoiceNos="10235-") == [10235, 10236]
    assert numbers(customerNos="10001") == [10234, 10236]
    assert numbers(fromDate="2026-11-15", toDate="2026-11-30") == [10235, 10236]
    assert api.get("/OutgoingInvoices", invoiceNos="99999").status_code == 204


def test_outgoing_invoice_by_id(api, ids, customer):
    created = post_invoice(api, invoice_body(ids, customer))

    row = data(api.get(f"/OutgoingInvoices/{created['Id']}"))

    assert row["Id"] == created["Id"]
    assert api.get(f"/OutgoingInvoices/{uuid.uuid4()}").status_code == 404


def test_concurrent_duplicates_land_once(api, admin, ids, customer):
    body = invoice_body(ids, customer, "10234")

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: api.post(INVOICES, body).status_code, range(8)))

    assert sorted(statuses) == [201] + [400] * 7
    assert len(admin.vouchers(api.client_key)) == 1


@pytest.mark.parametrize(
    ("setting", "refusal"),
    [
        ("is_project_required", "ProjectId: account 3090 requires a project."),
        ("is_department_required", "DepartmentId: account 3090 requires a department."),
        ("is_vat_code_locked", "VatId: account 3090 is locked to VAT code 31."),
    ],
)
def test_an_accounts_own_settings_refuse_a_line(api, admin, client_key, customer, setting, refusal):
    account = admin.add_account(client_key, 3090, "Salg, strengt", vat_code="31", **{setting: True})
    ids = Ids.of(api)
    body = invoice_body(ids, customer)
    body["OutgoingInvoiceLines"][0]["AccountId"] = account["Id"]

    assert refusal in _detail(api.post(INVOICES, body))
