"""Each resource sends what PowerOffice Go expects and returns what the tasks need."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import responses
from responses import matchers

from sync_worker.errors import ExportRefused, TransientError
from sync_worker.poweroffice.limits import ATTACHMENT_BYTES
from sync_worker.poweroffice.resources import unpack_pdfs
from tests.poweroffice.conftest import BASE, api_calls

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"

VOUCHER_ID = "38ecfc1a-bf51-448f-99a8-a61bc5771109"  # voucher ids are uuids


def query(**params) -> list:
    return [matchers.query_param_matcher(params)]


def test_find_customer_by_number(client, rsps, token_endpoint):
    rows = [{"Id": 7, "Number": 10042, "SubledgerAccountId": 987}]
    rsps.add(responses.GET, f"{BASE}/Customers", json=rows, match=query(customerNos="10042"))

    assert client.customers.find_by_number(10042) == rows[0]


@pytest.mark.parametrize("answer", [{"status": 204}, {"json": [{"Id": 8, "Number": 10043}]}])
def test_find_customer_by_number_finds_nothing(client, rsps, token_endpoint, answer):
    rsps.add(responses.GET, f"{BASE}/Customers", **answer)

    assert client.customers.find_by_number(10042) is None


def test_create_customer(client, rsps, token_endpoint):
    rsps.add(responses.POST, f"{BASE}/Customers", status=201, json={"Id": 7, "Number": 10042})

    assert client.customers.create({"Name": "Acme AS", "Number": 10042})["Id"] == 7
    assert api_calls(rsps)[0].request.body == b'{"Name":"Acme AS","Number":10042}'


def test_find_sub_project_by_its_dotted_code(client, rsps, token_endpoint):
    rows = [{"Id": 1, "Code": "10"}, {"Id": 2, "Code": "10.2"}]
    rsps.add(responses.GET, f"{BASE}/Projects", json=rows, match=query(projectCodes="10.2"))

    assert client.projects.find_by_code("10.2") == rows[1]


def test_find_project_by_code_ignores_case(client, rsps, token_endpoint):
    rows = [{"Id": 1, "Code": "AB1"}]
    rsps.add(responses.GET, f"{BASE}/Projects", json=rows, match=query(projectCodes="ab1"))

    assert client.projects.find_by_code("ab1") == rows[0]


def test_create_and_patch_project(client, rsps, token_endpoint):
    rsps.add(responses.POST, f"{BASE}/Projects", status=201, json={"Id": 55, "Code": "P1"})
    rsps.add(responses.PATCH, f"{BASE}/Projects/55", json={"Id": 55, "Name": "New"})

    assert client.projects.create({"Name": "Old", "Code": "P1"})["Id"] == 55
    ops = [{"op": "replace", "path": "/Name", "value": "New"}]
    assert client.projects.patch(55, ops)["Name"] == "New"


@pytest.mark.parametrize("address", ["kari@firma.no", "  Kari@Firma.NO "])
def test_find_employee_by_email_ignores_case(client, rsps, token_endpoint, address):
    rows = [{"Id": 1, "EmailAddress": None}, {"Id": 2, "EmailAddress": "KARI@firma.no"}]
    rsps.add(responses.GET, f"{BASE}/Employees", json=rows)

    assert client.employees.find_by_email(address)["Id"] == 2
    assert client.employees.find_by_email("ola@firma.no") is None


def test_accounts_by_number_as_strings(client, rsps, token_endpoint):
    rows = [{"Id": 11, "AccountNo": 3000}, {"Id": 12, "AccountNo": 7740}]
    rsps.add(responses.GET, f"{BASE}/GeneralLedgerAccounts", json=rows)

    assert client.accounts.by_number() == {"3000": rows[0], "7740": rows[1]}


def test_vat_codes_by_code_prefer_the_active_one(client, rsps, token_endpoint):
    rows = [
        {"Id": 1, "Code": "3", "IsActive": True},
        {"Id": 2, "Code": "3", "IsActive": False},
        {"Id": 3, "Code": "C1", "IsActive": True},
    ]
    rsps.add(responses.GET, f"{BASE}/VatCodes", json=rows)

    assert {code: row["Id"] for code, row in client.vat_codes.by_code().items()} == {
        "3": 1,
        "C1": 3,
    }


def test_departments_by_code(client, rsps, token_endpoint):
    rows = [{"Id": 7, "Code": "200", "Name": "Oslo"}, {"Id": 8, "Code": None}]
    rsps.add(responses.GET, f"{BASE}/Departments", json=rows)

    assert client.departments.by_code() == {"200": rows[0]}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"json": {"LockDate": "2023-01-01"}}, dt.date(2023, 1, 1)),
        ({"json": {"LockDate": "2023-06-30T00:00:00"}}, dt.date(2023, 6, 30)),
        ({"json": {"LockDate": None}}, None),
        ({"status": 204}, None),
    ],
)
def test_lock_date(client, rsps, token_endpoint, answer, expected):
    rsps.add(responses.GET, f"{BASE}/LockDateSettings", **answer)

    assert client.lock_date.get() == expected


def test_post_and_read_vouchers(client, rsps, token_endpoint):
    path = "/Vouchers/OutgoingInvoiceJournals"  # invoices and credit notes alike
    voucher = {"Id": "38ecfc1a-0000-4000-8000-000000000001", "VoucherNo": None}
    rsps.add(responses.POST, f"{BASE}{path}", status=201, json=voucher)
    rsps.add(responses.GET, f"{BASE}{path}/{voucher['Id']}", json={**voucher, "VoucherNo": 15545})

    journal = client.outgoing_invoice_journals
    assert journal.create({"InvoiceNo": "10042"}) == voucher
    assert journal.get(voucher["Id"])["VoucherNo"] == 15545


def test_customer_number_series(client, rsps, token_endpoint):
    rows = [
        {"FromInclusive": 10000, "ToInclusive": 19999, "SubLedgerNumberSeriesType": "Customer"},
        {"FromInclusive": 50000, "ToInclusive": 50999, "SubLedgerNumberSeriesType": "Customer"},
    ]
    rsps.add(
        responses.GET,
        f"{BASE}/SubLedgerNumberSeries",
        json=rows,
        match=[
            matchers.query_param_matcher(
                {"subLedgerNumberSeriesType": "Customer"}, strict_match=False
            )
        ],
    )

    assert client.number_series.customer_numbers() == [range(10000, 20000), range(50000, 51000)]
    assert client.number_series.customer_numbers() == [range(10000, 20000), range(50000, 51000)]
    assert len(rsps.calls) == 2  # the token, then one look-up: the second came from the cache


def test_find_outgoing_invoice_by_number(client, rsps, token_endpoint):
    rows = [{"Id": VOUCHER_ID, "InvoiceNo": 10042}]
    rsps.add(responses.GET, f"{BASE}/OutgoingInvoices", json=rows, match=query(invoiceNos="10042"))

    assert client.outgoing_invoices.find_by_invoice_no("10042")["Id"] == VOUCHER_ID


@pytest.mark.parametrize("status", [202, 204])
def test_upload_pdf_as_multipart_file(client, rsps, token_endpoint, status):
    rsps.add(
        responses.PUT, f"{BASE}/VoucherDocumentation", status=status, match=query(id=VOUCHER_ID)
    )

    client.voucher_documentation.upload(VOUCHER_ID, "invoice-10042.pdf", PDF)

    request = api_calls(rsps)[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="invoice-10042.pdf"' in request.body
    assert b"Content-Type: application/pdf" in request.body
    assert PDF in request.body


@pytest.mark.parametrize("pdf", [b"<html>not a pdf</html>", PDF + bytes(ATTACHMENT_BYTES)])
def test_upload_refuses_what_poweroffice_go_would_refuse(client, rsps, token_endpoint, pdf):
    with pytest.raises(ExportRefused, match=r"^PUT /VoucherDocumentation: invoice.pdf is "):
        client.voucher_documentation.upload(VOUCHER_ID, "invoice.pdf", pdf)
    assert client.calls == 0


def test_upload_takes_a_pdf_at_the_limit_and_names_the_limit_past_it(client, rsps, token_endpoint):
    rsps.add(responses.PUT, f"{BASE}/VoucherDocumentation", status=204)
    at_limit = PDF + bytes(ATTACHMENT_BYTES - len(PDF))

    client.voucher_documentation.upload(VOUCHER_ID, "invoice.pdf", at_limit)
    with pytest.raises(ExportRefused) as caught:
        client.voucher_documentation.upload(VOUCHER_ID, "invoice.pdf", at_limit + b"0")

    assert str(caught.value) == (
        "PUT /VoucherDocumentation: invoice.pdf is 30.0 MB, PowerOffice Go takes up to 30 MB"
    )
    assert len(api_calls(rsps)) == 1


def test_list_voucher_documentation(client, rsps, token_endpoint):
    rows = [{"VoucherId": VOUCHER_ID, "HasPdf": True, "HasImages": False}]
    rsps.add(responses.GET, f"{BASE}/VoucherDocumentation", json=rows, match=query(id=VOUCHER_ID))

    assert client.voucher_documentation.list(VOUCHER_ID) == rows


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def test_download_and_unpack_the_pdfs(client, rsps, token_endpoint):
    archive = zip_of({"b/2.PDF": PDF + b"2", "page-0.jpg": b"\xff\xd8", "a/1.pdf": PDF + b"1"})
    rsps.add(
        responses.GET,
        f"{BASE}/VoucherDocumentation/Download",
        body=archive,
        content_type="application/zip",
        match=query(id=VOUCHER_ID, documentationType="Pdf"),
    )

    downloaded = client.voucher_documentation.download(VOUCHER_ID)

    assert downloaded == archive
    assert unpack_pdfs(downloaded) == [("1.pdf", PDF + b"1"), ("2.PDF", PDF + b"2")]


def test_unpack_an_empty_or_broken_archive():
    assert unpack_pdfs(b"") == []
    with pytest.raises(TransientError, match="not a zip"):
        unpack_pdfs(b"<html>oops</html>")


def test_many_incoming_invoices_are_asked_for_in_chunks(client, rsps, token_endpoint):
    rsps.add(responses.GET, f"{BASE}/IncomingInvoices", status=204)

    assert client.incoming_invoices.by_voucher_nos(range(1, 151)) == []
    asked = [call.request.params["voucherNos"].split(",") for call in api_calls(rsps)]
    assert [len(numbers) for numbers in asked] == [100, 50]
    assert client.incoming_invoices.by_voucher_nos([]) == []
    assert len(api_calls(rsps)) == 2


def test_account_transactions_for_a_period(client, rsps, token_endpoint):
    rows = [{"VoucherId": "v1", "AccountNo": 4300, "Amount": 100}]
    expected_query = query(
        fromDate="2025-01-01",
        toDate="2025-01-31",
        accountNos="4001-",
        projectCodes="P1,P2",
        voucherTypes="IncomingInvoice,IncomingCreditNote",
        PageNumber="1",
        PageSize="5000",
    )
    rsps.add(responses.GET, f"{BASE}/AccountTransactions", json=rows, match=expected_query)

    found = client.account_transactions.list(
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 31),
        account_nos="4001-",
        project_codes=["P1", "P2"],
        voucher_types=["IncomingInvoice", "IncomingCreditNote"],
    )

    assert found == rows


def test_account_transactions_for_no_project_asks_nothing(client, rsps, token_endpoint):
    day = dt.date(2025, 1, 1)

    assert client.account_transactions.list(day, day, project_codes=[]) == []
    assert client.calls == 0


def test_suppliers_by_numbers(client, rsps, token_endpoint):
    rows = [{"Id": 1, "Number": 20001, "Name": "Rema"}, {"Id": 2, "Number": 20003, "Name": "Kiwi"}]
    expected_query = query(supplierNos="20001,20002,20003", PageNumber="1", PageSize="5000")
    rsps.add(responses.GET, f"{BASE}/Suppliers", json=rows, match=expected_query)

    assert client.suppliers.by_numbers([20003, 20001, 20002, 20001]) == {
        20001: rows[0],
        20003: rows[1],
    }


def test_many_suppliers_are_asked_for_in_chunks(client, rsps, token_endpoint):
    rsps.add(responses.GET, f"{BASE}/Suppliers", status=204)

    assert client.suppliers.by_numbers(range(1, 151)) == {}
    asked = [call.request.params["supplierNos"].split(",") for call in api_calls(rsps)]
    assert [len(numbers) for numbers in asked] == [100, 50]
    assert client.suppliers.by_numbers([]) == {}
    assert len(api_calls(rsps)) == 2
