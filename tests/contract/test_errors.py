"""Every way the simulator answers maps to the class of `sync_worker.errors` the unit tests
(tests/poweroffice/test_errors.py) expect from the same answer."""

from __future__ import annotations

import pytest

from sandbox.simulator.app import TOKEN_PATH
from sync_worker.errors import (
    AlreadyExists,
    ApiRejected,
    AuthenticationFailed,
    NotFound,
    RateLimited,
    TransientError,
)
from tests.contract.helpers import (
    MISSING,
    RecordedSleep,
    answered,
    create_customer,
    invoice_body,
    post_invoice,
    with_settings,
)
from tests.support.poweroffice import assert_api_error, assert_wrong_client_key
from tests.support.worker import wait_until

VOUCHERS = "/Vouchers/OutgoingInvoiceJournals"
CUSTOMER = "GET /v2/Customers/{customer_id}"


@pytest.fixture
def customer(client) -> dict:
    return create_customer(client, 10042)


def test_a_lost_response_is_transient_and_the_write_landed(client, admin, client_key):
    admin.set_faults(lose_responses=1, lose_response_path="/Customers")

    with pytest.raises(TransientError) as caught:
        create_customer(client, 10042)

    assert type(caught.value) is TransientError
    assert str(caught.value).startswith("POST /Customers: connection failed")
    assert client.calls == 2  # the token, and the call that got no answer
    assert [row["Number"] for row in admin.customers(client_key)] == [10042]


def test_no_answer_in_time_is_transient(make_client, settings, admin, customer):
    impatient = make_client(settings=with_settings(settings, pogo_timeout_seconds=0.2))
    impatient.customers.get(customer["Id"])  # the token is cached before the delay starts
    admin.set_faults(latency_ms=600)

    with pytest.raises(TransientError) as caught:
        impatient.customers.get(customer["Id"])

    assert type(caught.value) is TransientError
    assert str(caught.value) == (
        f"GET /Customers/{customer['Id']}: no answer from PowerOffice Go in time"
    )
    # The simulator does answer, late: wait for it, so that the late answer is counted in
    # this test's statistics and not in the next test's.
    wait_until(lambda: answered(admin, CUSTOMER).get("200") == 2, timeout=5, what="the late answer")


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(client, admin, customer, status):
    admin.set_faults(error_count=1, error_statuses=[status])

    with pytest.raises(TransientError) as caught:
        client.customers.get(customer["Id"])

    assert_api_error(
        caught.value,
        TransientError,
        operation=f"GET /Customers/{customer['Id']}",
        status=status,
        detail="Injected fault: the simulator answers this request with a server error.",
    )


def test_validation_problem_is_rejected_with_its_explanation(client):
    with pytest.raises(ApiRejected) as caught:
        client.customers.create({"Number": 10042})

    assert_api_error(
        caught.value,
        ApiRejected,
        operation="POST /Customers",
        status=400,
        detail="Name is required.",
    )
    assert (
        str(caught.value) == "POST /Customers: 400 Customer validation error(s): Name is required."
    )


def test_repeated_invoice_number_already_exists(client, customer):
    first = post_invoice(client, customer, "10042")
    repeat = invoice_body(client, customer, "10042", ExternalImportReference="another-reference")

    with pytest.raises(AlreadyExists) as caught:
        client.outgoing_invoice_journals.create(repeat)

    detail = f"InvoiceNo is already in use. '10042' is used on (voucher) Id = {first['Id']}."
    assert_api_error(
        caught.value, AlreadyExists, operation=f"POST {VOUCHERS}", status=400, detail=detail
    )


def test_repeated_external_import_reference_already_exists(client, customer):
    first = post_invoice(client, customer, "10042", ExternalImportReference="moment:inv:10042")
    repeat = invoice_body(client, customer, "10043", ExternalImportReference="moment:inv:10042")

    with pytest.raises(AlreadyExists) as caught:
        client.outgoing_invoice_journals.create(repeat)

    detail = (
        "ExternalImportReference is already in use. 'moment:inv:10042' is used on "
        f"(voucher) Id = {first['Id']}."
    )
    assert_api_error(
        caught.value, AlreadyExists, operation=f"POST {VOUCHERS}", status=400, detail=detail
    )


def test_an_invoice_number_is_unique_across_invoices_and_credit_notes(client, customer):
    post_invoice(client, customer, "10042")
    credit_note = invoice_body(
        client, customer, "10042", net="-10", CustomMatchingReference="10042"
    )

    with pytest.raises(AlreadyExists):
        client.outgoing_invoice_journals.create(credit_note)


def test_a_repeat_after_a_lost_response_is_already_exists(client, admin, client_key, customer):
    """The duplicate-invoice case: the voucher landed, the answer did not."""
    body = invoice_body(client, customer, "10042")
    admin.set_faults(lose_responses=1, lose_response_path="/Vouchers")

    with pytest.raises(TransientError):
        client.outgoing_invoice_journals.create(body)
    with pytest.raises(AlreadyExists):
        client.outgoing_invoice_journals.create(body)

    landed = client.outgoing_invoices.find_by_invoice_no("10042")
    assert [voucher["Id"] for voucher in admin.vouchers(client_key)] == [landed["Id"]]


def test_404_is_not_found(client):
    with pytest.raises(NotFound) as caught:
        client.customers.get(MISSING)

    assert_api_error(
        caught.value,
        NotFound,
        operation=f"GET /Customers/{MISSING}",
        status=404,
        detail=f"Customer with id = {MISSING} was not found.",
    )


@pytest.mark.parametrize(
    ("case", "detail_starts"),
    [
        ("unknown account", "OutgoingInvoiceLines[0].AccountId: general ledger account with Id"),
        ("closed period", "VoucherDate 2026-11-25 is in a closed period"),
        ("unknown credited invoice", "The credited invoice '10041' is unknown"),
    ],
)
def test_refused_vouchers_are_rejected_with_the_reason(
    client, admin, client_key, customer, case, detail_starts
):
    body = invoice_body(client, customer, "10042")
    journal = client.outgoing_invoice_journals
    if case == "unknown account":
        body["OutgoingInvoiceLines"][0]["AccountId"] = MISSING
    elif case == "closed period":
        admin.set_lock_date(client_key, "2026-12-31")
    else:
        body = invoice_body(client, customer, "10042", net="-1", CustomMatchingReference="10041")

    with pytest.raises(ApiRejected) as caught:
        journal.create(body)

    assert_api_error(caught.value, ApiRejected, operation=f"POST {journal.path}", status=400)
    assert caught.value.detail.startswith(detail_starts)


def test_invalid_client_names_the_key_and_the_environment(make_client, admin):
    client = make_client("a-key-the-simulator-does-not-know")

    with pytest.raises(AuthenticationFailed) as caught:
        client.customers.get(42)

    assert_wrong_client_key(caught.value, token_path=TOKEN_PATH, status=400)
    assert str(caught.value).startswith(
        f"POST {TOKEN_PATH}: 400 invalid_client: Client integration not found."
    )
    assert admin.stats()["by_endpoint"] == {f"POST {TOKEN_PATH}": {"400": 1}}  # API untouched


def test_a_wrong_subscription_key_is_an_authentication_failure(make_client, settings):
    client = make_client(settings=with_settings(settings, pogo_subscription_key="not-ours"))

    with pytest.raises(AuthenticationFailed) as caught:
        client.customers.get(42)

    assert_wrong_client_key(caught.value, token_path=TOKEN_PATH, status=401)
    assert "invalid subscription key" in str(caught.value)


def test_token_endpoint_outage_is_transient(client, admin):
    admin.set_faults(error_count=1, error_statuses=[503], error_paths=[TOKEN_PATH])

    with pytest.raises(TransientError) as caught:
        client.customers.get(42)

    assert_api_error(caught.value, TransientError, operation=f"POST {TOKEN_PATH}", status=503)


def test_429_waits_retry_after_and_tries_again(make_client, admin, customer):
    sleep = RecordedSleep()
    client = make_client(sleep=sleep)
    client.customers.get(customer["Id"])  # token first: the burst is for the API call
    admin.set_faults(rate_limit_burst=1)

    assert client.customers.get(customer["Id"])["Id"] == customer["Id"]
    assert sleep.sleeps == [1.0]  # the simulator's Retry-After: 1
    assert answered(admin, CUSTOMER) == {"200": 2, "429": 1}


def test_429_three_times_waited_then_the_task_decides(make_client, admin, customer):
    sleep = RecordedSleep()
    client = make_client(sleep=sleep)
    client.customers.get(customer["Id"])
    admin.set_faults(rate_limit_burst=4)

    with pytest.raises(RateLimited) as caught:
        client.customers.get(customer["Id"])

    assert caught.value.retry_after == 1.0
    assert sleep.sleeps == [1.0, 1.0, 1.0]
    assert answered(admin, CUSTOMER) == {"200": 1, "429": 4}


def test_429_from_the_token_endpoint_is_waited_out_too(make_client, admin):
    sleep = RecordedSleep()
    client = make_client(sleep=sleep)  # a cold tenant: its first request is for a token
    admin.set_faults(rate_limit_burst=1)

    assert client.customers.find_by_number(10042) is None
    assert sleep.sleeps == [1.0]
    assert answered(admin, f"POST {TOKEN_PATH}") == {"429": 1, "200": 1}
