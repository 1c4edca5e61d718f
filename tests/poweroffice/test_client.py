"""One API call: headers, body encoding, counting and observing, Redis trouble."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import redis
import responses

from sync_worker.errors import NotFound, TransientError
from sync_worker.poweroffice import PowerOfficeClient
from tests.poweroffice.conftest import BASE, SUBSCRIPTION_KEY, api_calls

CUSTOMER = f"{BASE}/Customers/42"


def test_every_api_call_carries_bearer_and_subscription_key(client, rsps, token_endpoint):
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})
    rsps.add(responses.POST, f"{BASE}/Customers", status=201, json={"Id": 43})
    rsps.add(responses.PATCH, CUSTOMER, json={"Id": 42})
    rsps.add(responses.GET, f"{BASE}/Departments", status=204)

    client.customers.get(42)
    client.customers.create({"Name": "Acme AS"})
    client.customers.patch(42, [{"op": "replace", "path": "/Name", "value": "Acme"}])
    client.departments.by_code()

    for call in api_calls(rsps):
        assert call.request.headers["Authorization"] == "Bearer tok-1"
        assert call.request.headers["Ocp-Apim-Subscription-Key"] == SUBSCRIPTION_KEY
        assert call.request.headers["Accept"] == "application/json"
    assert len(api_calls(rsps)) == 4


def test_decimal_amounts_are_sent_exactly_and_read_back_as_decimal(client, rsps, token_endpoint):
    voucher = f"{BASE}/Vouchers/OutgoingInvoiceJournals"
    answer = '{"Id": "9f1c", "CurrencyAmount": 0.1}'
    rsps.add(responses.POST, voucher, status=201, body=answer, content_type="application/json")
    body = {
        "InvoiceNo": "10042",
        "VoucherDate": dt.date(2025, 1, 15),
        "CurrencyExchangeRate": Decimal("11.6215"),
        "CurrencyAmount": Decimal("1250.10"),
        "OutgoingInvoiceLines": [{"CurrencyAmount": Decimal("1E+3"), "Quantity": 10}],
    }

    created = client.outgoing_invoice_journals.create(body)

    request = api_calls(rsps)[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == (
        b'{"InvoiceNo":"10042","VoucherDate":"2025-01-15","CurrencyExchangeRate":11.6215,'
        b'"CurrencyAmount":1250.10,"OutgoingInvoiceLines":[{"CurrencyAmount":1000,"Quantity":10}]}'
    )
    assert created == {"Id": "9f1c", "CurrencyAmount": Decimal("0.1")}


def test_json_patch_is_sent_as_json_patch(client, rsps, token_endpoint):
    rsps.add(responses.PATCH, CUSTOMER, json={"Id": 42, "InvoiceEmailAddress": "ap@acme.no"})
    operations = [
        {"op": "replace", "path": "/InvoiceEmailAddress", "value": "ap@acme.no"},
        {"op": "replace", "path": "/MailAddress/City", "value": "Bergen"},
    ]

    updated = client.customers.patch(42, operations)

    request = api_calls(rsps)[0].request
    assert request.method == "PATCH"
    assert request.headers["Content-Type"] == "application/json-patch+json"
    assert json.loads(request.body) == operations
    assert updated["InvoiceEmailAddress"] == "ap@acme.no"


def test_query_values_are_written_the_way_the_api_reads_them(client, rsps, token_endpoint):
    rsps.add(responses.GET, f"{BASE}/OutgoingInvoices", status=204)

    client.outgoing_invoices.list(
        customerNos=[10042, 10043],
        fromDate=dt.date(2025, 1, 1),
        onlyUnpaidInvoices=True,
        projectCodes=None,
    )

    query = api_calls(rsps)[0].request.params
    assert query == {
        "customerNos": "10042,10043",
        "fromDate": "2025-01-01",
        "onlyUnpaidInvoices": "true",
        "PageNumber": "1",
        "PageSize": "5000",
    }


def test_calls_and_observer_see_every_request_token_included(make_client, rsps, token_endpoint):
    seen = []
    client = make_client(observer=lambda *args: seen.append(args))
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})
    rsps.add(responses.GET, f"{BASE}/Customers/43", status=404)

    client.customers.get(42)
    with pytest.raises(NotFound):
        client.customers.get(43)

    assert client.calls == 3
    assert [args[:3] for args in seen] == [
        ("POST", "/Demo/OAuth/Token", 200),
        ("GET", "/Customers/42", 200),
        ("GET", "/Customers/43", 404),
    ]
    assert all(isinstance(args[3], float) and args[3] >= 0 for args in seen)


def test_a_failing_observer_does_not_fail_the_call(make_client, rsps, token_endpoint, caplog):
    def broken(*_args) -> None:
        raise RuntimeError("audit log is down")

    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    assert make_client(observer=broken).customers.get(42) == {"Id": 42}
    assert "observer failed for GET /Customers/42" in caplog.text


def test_redis_trouble_is_transient(settings, rsps):
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    client = PowerOfficeClient("client-key", settings=settings, redis=unreachable)

    unavailable = r"^GET /Customers/42: Redis was unavailable \(ConnectionError\)$"
    with pytest.raises(TransientError, match=unavailable):
        client.customers.get(42)
    assert client.calls == 0
