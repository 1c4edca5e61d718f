"""Every answer PowerOffice Go can give maps to the right class of `sync_worker.errors`."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
import responses

from sync_worker.errors import (
    AlreadyExists,
    ApiRejected,
    AuthenticationFailed,
    NotFound,
    RateLimited,
    TransientError,
)
from sync_worker.poweroffice import transport
from tests.poweroffice.conftest import BASE, TOKEN_URL
from tests.support.poweroffice import assert_api_error, assert_wrong_client_key

CUSTOMER = f"{BASE}/Customers/42"


def raised_by(client, exception=Exception) -> Exception:
    with pytest.raises(exception) as caught:
        client.customers.get(42)
    return caught.value


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ConnectionError("connection refused"),
    ],
)
def test_no_answer_is_transient(client, rsps, token_endpoint, failure):
    rsps.add(responses.GET, CUSTOMER, body=failure)

    error = raised_by(client, TransientError)

    assert type(error) is TransientError
    assert str(error).startswith("GET /Customers/42: ")
    assert client.calls == 2  # the token, and the call that got no answer


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(client, rsps, token_endpoint, status):
    rsps.add(responses.GET, CUSTOMER, status=status, body="Service unavailable")

    error = raised_by(client, TransientError)

    assert type(error) is TransientError
    assert error.http_status == status
    assert str(error) == f"GET /Customers/42: {status} Service unavailable"


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Customer validation error(s)", "detail": "Name is required."},
        {"Title": "Customer validation error(s)", "Detail": "Name is required."},
    ],
)
def test_validation_problem_is_rejected_with_its_explanation(client, rsps, token_endpoint, body):
    rsps.add(responses.POST, f"{BASE}/Customers", status=400, json=body)

    with pytest.raises(ApiRejected) as caught:
        client.customers.create({"Number": 10042})

    error = caught.value
    assert_api_error(
        error, ApiRejected, operation="POST /Customers", status=400, detail="Name is required."
    )
    assert str(error) == "POST /Customers: 400 Customer validation error(s): Name is required."


def test_field_errors_are_part_of_the_detail(client, rsps, token_endpoint):
    body = {"title": "One or more validation errors occurred.", "errors": {"ZipCode": ["Required"]}}
    rsps.add(responses.POST, f"{BASE}/Customers", status=400, json=body)

    with pytest.raises(ApiRejected) as caught:
        client.customers.create({})

    assert caught.value.detail == "ZipCode: Required"


@pytest.mark.parametrize(
    "detail",
    [
        "ExternalImportReference is already in use. 'inv-10042' is used on (voucher) Id = 9.",
        "InvoiceNo 10042 is already in use.",
    ],
)
def test_repeated_reference_or_invoice_number_already_exists(client, rsps, token_endpoint, detail):
    body = {"title": "Voucher validation error(s)", "detail": detail}
    rsps.add(responses.POST, f"{BASE}/Vouchers/OutgoingInvoiceJournals", status=400, json=body)

    with pytest.raises(AlreadyExists) as caught:
        client.outgoing_invoice_journals.create({"InvoiceNo": "10042"})

    assert caught.value.detail == detail
    assert str(caught.value).startswith("POST /Vouchers/OutgoingInvoiceJournals: 400 ")


def test_404_is_not_found(client, rsps, token_endpoint):
    body = {"title": "Object(s) not found", "detail": "Customer with id = 42 was not found."}
    rsps.add(responses.GET, CUSTOMER, status=404, json=body)

    error = raised_by(client, NotFound)

    assert_api_error(
        error,
        NotFound,
        operation="GET /Customers/42",
        status=404,
        detail="Customer with id = 42 was not found.",
    )


@pytest.mark.parametrize("status", [403, 409, 422])
def test_other_client_errors_are_rejected(client, rsps, token_endpoint, status):
    rsps.add(responses.GET, CUSTOMER, status=status, json={"title": "Forbidden"})

    error = raised_by(client, ApiRejected)

    assert type(error) is ApiRejected
    assert error.http_status == status


def test_invalid_client_names_the_key_and_the_environment(client, rsps):
    body = {
        "error": "invalid_client",
        "error_description": "Client integration not found. Please ensure the provided keys "
        "are matching the desired environment.",
    }
    rsps.add(responses.POST, TOKEN_URL, status=400, json=body)

    error = raised_by(client, AuthenticationFailed)

    assert_wrong_client_key(error, token_path="/Demo/OAuth/Token", status=400)
    assert str(error).startswith("POST /Demo/OAuth/Token: 400 invalid_client: Client integration")
    assert not rsps.calls[-1].request.url.startswith(BASE)  # the API was never called


def test_401_from_the_token_endpoint_is_an_authentication_failure(client, rsps):
    rsps.add(responses.POST, TOKEN_URL, status=401, json={"statusCode": 401, "message": "Denied"})

    error = raised_by(client, AuthenticationFailed)

    assert_wrong_client_key(error, token_path="/Demo/OAuth/Token", status=401)


def test_token_endpoint_outage_is_transient(client, rsps):
    rsps.add(responses.POST, TOKEN_URL, status=503)

    assert type(raised_by(client, TransientError)) is TransientError


def test_429_without_retry_after_waits_one_second_each_time(client, rsps, token_endpoint, clock):
    rsps.add(responses.GET, CUSTOMER, status=429, json={"statusCode": "429"})

    error = raised_by(client, RateLimited)

    assert error.retry_after == 1.0
    assert clock.sleeps == [1.0, 1.0, 1.0]  # three waits, then the task decides
    assert len(rsps.calls) == 1 + 4


@pytest.mark.parametrize(("header", "waited"), [("3", 3.0), ("0", 1.0), ("0.2", 1.0)])
def test_429_waits_what_retry_after_says_but_at_least_one_second(
    client, rsps, token_endpoint, clock, header, waited
):
    rsps.add(responses.GET, CUSTOMER, status=429, headers={"Retry-After": header})
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    assert client.customers.get(42) == {"Id": 42}
    assert clock.sleeps == [waited]


def test_429_with_a_long_retry_after_goes_to_the_task_at_once(client, rsps, token_endpoint, clock):
    rsps.add(responses.GET, CUSTOMER, status=429, headers={"Retry-After": "60"})

    error = raised_by(client, RateLimited)

    assert error.retry_after == 60.0
    assert clock.sleeps == []


def test_429_from_the_token_endpoint_is_waited_out_too(client, rsps, clock):
    rsps.add(responses.POST, TOKEN_URL, status=429, headers={"Retry-After": "1"})
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": "tok", "expires_in": 600})
    rsps.add(responses.GET, CUSTOMER, json={"Id": 42})

    assert client.customers.get(42) == {"Id": 42}
    assert clock.sleeps == [1.0]


def test_retry_after_may_be_an_http_date():
    in_five = email.utils.formatdate(time.time() + 5, usegmt=True)

    assert 3.5 < transport.retry_after({"Retry-After": in_five}) <= 5.0
    assert transport.retry_after({"Retry-After": "soon"}) == 1.0
