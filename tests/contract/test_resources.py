"""Each resource of the client against the simulator: what tests/poweroffice/
test_resources.py asserts with mocked answers holds with PowerOffice Go's (simulated) ones."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from sync_worker.errors import ExportRefused, NotFound
from sync_worker.poweroffice.limits import ATTACHMENT_BYTES
from sync_worker.poweroffice.resources import unpack_pdfs
from tests.contract.helpers import PDF, answered, create_customer, invoice_body, post_invoice


def test_find_customer_by_number(client):
    created = create_customer(client, 10042)

    found = client.customers.find_by_number(10042)

    assert found == created
    assert isinstance(found["SubledgerAccountId"], int)


@pytest.mark.parametrize("others", [[], [10043]], ids=["none at all (204)", "another one"])
def test_find_customer_by_number_finds_nothing(client, others):
    for number in others:
        create_customer(client, number)

    assert client.customers.find_by_number(10042) is None


def test_create_customer(client, admin, client_key):
    created = client.customers.create({"Name": "Acme AS", "Number": 10042})

    assert isinstance(created["Id"], int)
    assert created["Number"] == 10042
    assert [row["Id"] for row in admin.customers(client_key)] == [created["Id"]]


def test_find_project_by_its_exact_code(client):
    client.projects.create({"Name": "Main", "Code": "10"})
    wanted = client.projects.create({"Name": "Other", "Code": "10A"})

    assert client.projects.find_by_code("10A") == wanted
    assert client.projects.find_by_code("10B") is None


def test_find_project_by_code_ignores_case_as_the_api_does(client):
    """The simulator's filter and its uniqueness rule ignore case (docs/simulator.md, "Case"):
    "ab1" cannot be created next to "AB1", so looking for "ab1" must find "AB1"."""
    project = client.projects.create({"Name": "Main", "Code": "AB1"})

    assert client.projects.find_by_code("ab1") == project


def test_create_and_patch_project(client, admin, client_key):
    project = client.projects.create({"Name": "Old", "Code": "P1"})

    ops = [{"op": "replace", "path": "/Name", "value": "New"}]
    assert client.projects.patch(project["Id"], ops)["Name"] == "New"
    assert [row["Name"] for row in admin.projects(client_key)] == ["New"]


@pytest.mark.parametrize("address", ["kari.nordmann@acme.no", "  Kari.Nordmann@ACME.NO "])
def test_find_employee_by_email_ignores_case(client, address):
    assert client.employees.find_by_email(address)["Number"] == 1  # seeded: Kari Nordmann
    assert client.employees.find_by_email("nobody@acme.no") is None


def test_accounts_by_number_as_strings(client, admin, client_key):
    accounts = client.accounts.by_number()

    stored = {str(row["AccountNo"]): row["Id"] for row in admin.accounts(client_key)}
    assert {number: row["Id"] for number, row in accounts.items()} == stored
    assert accounts["3000"]["AccountNo"] == 3000


def test_vat_codes_by_code(client, admin, client_key):
    codes = client.vat_codes.by_code()

    stored = {row["Code"]: row["Id"] for row in admin.vat_codes(client_key)}
    assert {code: row["Id"] for code, row in codes.items()} == stored
    assert codes["3"]["IsActive"] is True


def test_departments_by_code(client, admin, client_key):
    admin.add_department(client_key, "40", "Salg", is_active=False)

    departments = client.departments.by_code()

    assert sorted(departments) == ["10", "20", "30", "40"]
    assert departments["40"]["IsActive"] is False


@pytest.mark.parametrize(
    ("lock_date", "expected"), [("2023-01-01", dt.date(2023, 1, 1)), (None, None)]
)
def test_lock_date(client, admin, client_key, lock_date, expected):
    admin.set_lock_date(client_key, lock_date)

    assert client.lock_date.get() == expected


@pytest.mark.parametrize("kind", ["invoice", "credit note"])
def test_post_and_read_vouchers_in_the_one_journal(client, kind):
    customer = create_customer(client, 10042)
    body = invoice_body(client, customer, "10042")
    if kind == "credit note":
        post_invoice(client, customer, "10041")
        body = invoice_body(client, customer, "10042", net="-1000", CustomMatchingReference="10041")

    created = client.outgoing_invoice_journals.create(body)

    assert uuid.UUID(created["Id"])
    assert created["VoucherNo"] is None  # numbered later, by PowerOffice Go's background job
    assert isinstance(client.outgoing_invoice_journals.get(created["Id"])["VoucherNo"], int)


def test_find_outgoing_invoice_by_number(client):
    customer = create_customer(client, 10042)
    invoice = post_invoice(client, customer, "10042")
    credit_note = post_invoice(
        client, customer, "10043", net="-100", CustomMatchingReference="10042"
    )

    assert client.outgoing_invoices.find_by_invoice_no("10042")["Id"] == invoice["Id"]
    assert client.outgoing_invoices.find_by_invoice_no(10043)["Id"] == credit_note["Id"]
    assert client.outgoing_invoices.find_by_invoice_no("10044") is None


@pytest.fixture
def voucher_id(client) -> str:
    return post_invoice(client, create_customer(client, 10042), "10042")["Id"]


def test_upload_pdf(client, admin, client_key, voucher_id):
    client.voucher_documentation.upload(voucher_id, "invoice-10042.pdf", PDF)

    (document,) = admin.documents(client_key, include_bytes=True)
    assert (document["voucher_id"], document["filename"]) == (voucher_id, "invoice-10042.pdf")
    assert document["content"] == PDF


def test_a_repeated_upload_replaces_the_pdf(client, admin, client_key, voucher_id):
    client.voucher_documentation.upload(voucher_id, "invoice-10042.pdf", PDF)
    client.voucher_documentation.upload(voucher_id, "invoice-10042.pdf", PDF + b"v2")

    assert [row["content"] for row in admin.documents(client_key, include_bytes=True)] == [
        PDF + b"v2"
    ]


@pytest.mark.parametrize(
    "pdf", [b"<html>not a pdf</html>", PDF + bytes(ATTACHMENT_BYTES)], ids=["not a PDF", "31 MB"]
)
def test_upload_refuses_what_poweroffice_go_would_refuse(client, admin, voucher_id, pdf):
    calls_before = client.calls

    with pytest.raises(ExportRefused, match=r"^PUT /VoucherDocumentation: invoice.pdf is "):
        client.voucher_documentation.upload(voucher_id, "invoice.pdf", pdf)

    assert client.calls == calls_before
    assert answered(admin, "PUT /v2/VoucherDocumentation") == {}


def test_list_voucher_documentation(client, voucher_id):
    def has_pdf() -> list[tuple[str, bool]]:
        rows = client.voucher_documentation.list(voucher_id)
        return [(row["VoucherId"], row["HasPdf"]) for row in rows]

    assert has_pdf() == [(voucher_id, False)]
    client.voucher_documentation.upload(voucher_id, "invoice-10042.pdf", PDF)
    assert has_pdf() == [(voucher_id, True)]


def test_download_and_unpack_the_pdf(client, voucher_id):
    client.voucher_documentation.upload(voucher_id, "invoice-10042.pdf", PDF)

    downloaded = client.voucher_documentation.download(voucher_id)

    assert unpack_pdfs(downloaded) == [("invoice-10042.pdf", PDF)]


def test_download_without_a_pdf_is_not_found(client, voucher_id):
    with pytest.raises(NotFound):
        client.voucher_documentation.download(voucher_id)


def supplier_voucher(admin, client_key: str, day: str, lines: list[dict]) -> dict:
    return admin.add_supplier_voucher(
        client_key, supplier_no=20003, voucher_date=day, lines=lines, pdf=PDF
    )


def test_account_transactions_for_a_period(client, admin, client_key):
    for code in ("P1", "P2", "P3"):
        client.projects.create({"Name": f"Prosjekt {code}", "Code": code})
    lines = [
        {"account_no": 6800, "net_amount": "100.00", "vat_code": "1", "project_code": "P1"},
        {"account_no": 4300, "net_amount": "200.00", "vat_code": "1", "project_code": "P2"},
        {"account_no": 6900, "net_amount": "300.00", "vat_code": "1", "project_code": "P3"},
        {"account_no": 4000, "net_amount": "400.00", "vat_code": "1", "project_code": "P1"},
    ]
    wanted = supplier_voucher(admin, client_key, "2025-01-15", lines)
    supplier_voucher(admin, client_key, "2025-02-01", lines[:1])  # after the period

    found = client.account_transactions.list(
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 31),
        account_nos="4001-",
        project_codes=["P1", "P2"],
        voucher_types=["IncomingInvoice", "IncomingCreditNote"],
    )

    assert [(row["AccountNo"], row["ProjectCode"]) for row in found] == [
        (6800, "P1"),
        (4300, "P2"),
    ]
    assert {row["VoucherId"] for row in found} == {wanted["Id"]}


def test_account_transactions_for_no_project_asks_nothing(client, admin):
    day = dt.date(2025, 1, 1)

    assert client.account_transactions.list(day, day, project_codes=[]) == []
    assert client.calls == 0
    assert admin.stats()["total_requests"] == 0


def test_suppliers_by_numbers(client):
    found = client.suppliers.by_numbers([20003, 20001, 20099, 20001])

    assert {number: row["Name"] for number, row in found.items()} == {
        20001: "Norwegian Air Shuttle ASA",
        20003: "Telenor Norge AS",
    }


def test_many_suppliers_are_asked_for_in_chunks(client, admin):
    numbers = range(19_901, 20_051)  # 150 numbers, the seeded 20001–20005 among them

    assert sorted(client.suppliers.by_numbers(numbers)) == [20001, 20002, 20003, 20004, 20005]
    assert answered(admin, "GET /v2/Suppliers") == {"204": 1, "200": 1}
    assert client.suppliers.by_numbers([]) == {}
    assert sum(answered(admin, "GET /v2/Suppliers").values()) == 2
