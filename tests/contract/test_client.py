"""One API call against the simulator: exact amounts both ways, JSON Patch, query values,
counting and observing (tests/poweroffice/test_client.py with real answers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sandbox.simulator.app import TOKEN_PATH
from sync_worker.errors import ApiRejected, NotFound
from tests.contract.helpers import MISSING, create_customer, invoice_body, post_invoice
from tests.support.poweroffice import assert_api_error


def test_decimal_amounts_are_sent_exactly_and_read_back_as_decimal(client, admin, client_key):
    customer = create_customer(client, 10042)
    body = invoice_body(
        client,
        customer,
        "10042",
        net="1000.08",  # gross 1250.1000: the header's 1250.10 must keep its trailing zero
        CurrencyCode="EUR",
        CurrencyExchangeRate=Decimal("11.6215"),
        CurrencyAmount=Decimal("1250.10"),
    )

    created = client.outgoing_invoice_journals.create(body)
    read = client.outgoing_invoice_journals.get(created["Id"])

    for voucher in (created, read, admin.vouchers(client_key)[0]):
        assert str(voucher["CurrencyAmount"]) == "1250.10"
        assert str(voucher["CurrencyExchangeRate"]) == "11.6215"
        assert voucher["OutgoingInvoiceLines"][0]["CurrencyAmount"] == Decimal("1250.10")
    assert isinstance(read["CurrencyAmount"], Decimal)


def test_json_patch_is_applied_as_json_patch(client, admin, client_key):
    customer = create_customer(client, 10042, MailAddress={"ZipCode": "0150", "City": "Oslo"})
    operations = [
        {"op": "replace", "path": "/InvoiceEmailAddress", "value": "ap@acme.no"},
        {"op": "replace", "path": "/MailAddress/City", "value": "Bergen"},
    ]

    updated = client.customers.patch(customer["Id"], operations)

    assert updated["InvoiceEmailAddress"] == "ap@acme.no"
    assert updated["MailAddress"]["City"] == "Bergen"
    assert admin.customers(client_key) == [updated]


def test_a_patch_of_a_field_the_dto_lacks_is_rejected_whole(client, admin, client_key):
    customer = create_customer(client, 10042)
    operations = [
        {"op": "replace", "path": "/Name", "value": "Renamed AS"},
        {"op": "replace", "path": "/NoSuchField", "value": 1},
    ]

    with pytest.raises(ApiRejected) as caught:
        client.customers.patch(customer["Id"], operations)

    assert_api_error(
        caught.value, ApiRejected, operation=f"PATCH /Customers/{customer['Id']}", status=400
    )
    assert "'NoSuchField' was not found" in caught.value.detail
    assert [row["Name"] for row in admin.customers(client_key)] == [customer["Name"]]


def test_query_values_are_written_the_way_the_api_reads_them(client):
    customers = {number: create_customer(client, number) for number in (10042, 10043, 10044)}
    post_invoice(client, customers[10042], "1", VoucherDate=dt.date(2025, 12, 31))
    for number, customer in customers.items():
        post_invoice(client, customer, str(number), VoucherDate=dt.date(2026, 1, 15))

    found = client.outgoing_invoices.list(
        customerNos=[10042, 10043],
        fromDate=dt.date(2026, 1, 1),
        onlyUnpaidInvoices=True,
        projectCodes=None,
    )

    assert sorted(row["InvoiceNo"] for row in found) == [10042, 10043]


def test_calls_and_observer_see_every_request_token_included(make_client):
    seen = []
    client = make_client(observer=lambda *args: seen.append(args))
    customer = create_customer(client, 10042)

    client.customers.get(customer["Id"])
    with pytest.raises(NotFound):
        client.customers.get(MISSING)

    assert client.calls == 4
    assert [args[:3] for args in seen] == [
        ("POST", TOKEN_PATH, 200),
        ("POST", "/Customers", 201),
        ("GET", f"/Customers/{customer['Id']}", 200),
        ("GET", f"/Customers/{MISSING}", 404),
    ]
    assert all(isinstance(args[3], float) and args[3] >= 0 for args in seen)
