"""A success is only the answer PowerOffice Go gives for one: a gateway's HTML page, a body
cut short, an empty body or JSON without what a success carries is a `TransientError`
that names the operation, and neither the body nor a token."""

from __future__ import annotations

import pytest
import responses

from sync_worker.errors import TransientError
from tests.poweroffice.conftest import BASE, TOKEN_URL, api_calls

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
VOUCHER_ID = "38ecfc1a-bf51-448f-99a8-a61bc5771109"
JSON = "application/json; charset=utf-8"
# A gateway's error page: long, with markup and a title; none of it belongs in an e-mail.
PAGE_MARKER = "request-id-7d2f"
GATEWAY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    + f"<h1>502 Bad Gateway</h1><p>{PAGE_MARKER}</p>" * 200
    + "</body></html>"
)
NOT_THE_ANSWER = ", not PowerOffice Go's answer"


def transient(call) -> TransientError:
    with pytest.raises(TransientError) as caught:
        call()
    error = caught.value
    assert type(error) is TransientError, type(error).__name__
    assert PAGE_MARKER not in str(error) and "tok-" not in str(error)
    return error


# --- a 2xx that is not PowerOffice Go's answer ---------------------------------------------


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"body": GATEWAY_PAGE, "content_type": "text/html"}, "an HTML page instead of JSON"),
        ({"body": GATEWAY_PAGE, "content_type": ""}, "an HTML page instead of JSON"),
        (
            {"body": '{"Id": 42, "Name": "Acme', "content_type": JSON},
            "JSON that is cut off or malformed",
        ),
        (
            {"body": '{"Id": 42}', "content_type": "text/plain"},
            "a body of type text/plain instead of JSON",
        ),
        ({"body": "", "content_type": JSON}, "an empty body instead of an object"),
        ({"json": [{"Id": 42}]}, "a list of values instead of an object"),
        ({"json": {"Name": "Acme AS"}}, "an object without Id"),
    ],
)
def test_a_200_that_is_not_an_object_with_its_id_is_transient(
    client, rsps, token_endpoint, answer, what
):
    rsps.add(responses.GET, f"{BASE}/Customers/42", status=200, **answer)

    error = transient(lambda: client.customers.get(42))

    assert str(error) == f"GET /Customers/42: 200 with {what}{NOT_THE_ANSWER}"
    assert error.http_status == 200


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"json": {"VoucherNo": None, "InvoiceNo": "10042"}}, "an object without Id"),
        ({"body": "", "content_type": JSON}, "an empty body instead of an object"),
        ({"body": '{"Id": "38ecfc1a-bf51', "content_type": JSON}, "JSON that is cut off"),
        ({"body": GATEWAY_PAGE, "content_type": "text/html"}, "an HTML page instead of JSON"),
    ],
)
def test_a_posted_voucher_is_only_posted_with_its_id(client, rsps, token_endpoint, answer, what):
    rsps.add(responses.POST, f"{BASE}/Vouchers/OutgoingInvoiceJournals", status=201, **answer)

    error = transient(lambda: client.outgoing_invoice_journals.create({"InvoiceNo": "10042"}))

    assert str(error).startswith(f"POST /Vouchers/OutgoingInvoiceJournals: 201 with {what}")


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"body": GATEWAY_PAGE, "content_type": "text/html"}, "an HTML page instead of JSON"),
        ({"body": '[{"Id": 7, "Num', "content_type": JSON}, "JSON that is cut off or malformed"),
        ({"body": "", "content_type": JSON}, "an empty body instead of a list of rows"),
        ({"json": {"Id": 7}}, "an object instead of a list of rows"),
        ({"json": [7, 8]}, "a list of values instead of a list of rows"),
    ],
)
def test_a_list_that_is_not_a_list_of_rows_is_transient_not_empty(
    client, rsps, token_endpoint, answer, what
):
    # Taken for "no such customer", any of these would create the customer a second time.
    rsps.add(responses.GET, f"{BASE}/Customers", status=200, **answer)

    error = transient(lambda: client.customers.find_by_number(10042))

    assert str(error) == f"GET /Customers: 200 with {what}{NOT_THE_ANSWER}"


def test_an_empty_200_is_no_lock_date(client, rsps, token_endpoint):
    rsps.add(responses.GET, f"{BASE}/LockDateSettings", status=200, body="", content_type=JSON)

    error = transient(lambda: client.lock_date.get())

    assert str(error).startswith("GET /LockDateSettings: 200 with an empty body")


def test_a_page_from_the_token_endpoint_is_transient(client, rsps):
    rsps.add(responses.POST, TOKEN_URL, status=200, body=GATEWAY_PAGE, content_type="text/html")

    error = transient(lambda: client.customers.get(42))

    assert (
        str(error)
        == f"POST /Demo/OAuth/Token: 200 with an HTML page instead of JSON{NOT_THE_ANSWER}"
    )
    assert api_calls(rsps) == []


# --- the PDF upload: done only on 202 or 204 ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "answer", "what"),
    [
        (200, {"body": GATEWAY_PAGE, "content_type": "text/html"}, "200 with an HTML page"),
        (200, {"body": ""}, "200"),
        (200, {"json": {"Id": VOUCHER_ID}}, "200 with a body of type application/json"),
        (202, {"body": GATEWAY_PAGE, "content_type": "text/html"}, "202 with an HTML page"),
        (201, {"body": ""}, "201"),
    ],
)
def test_an_upload_is_done_only_on_the_answer_the_spec_gives(
    client, rsps, token_endpoint, status, answer, what
):
    rsps.add(responses.PUT, f"{BASE}/VoucherDocumentation", status=status, **answer)

    error = transient(lambda: client.voucher_documentation.upload(VOUCHER_ID, "i.pdf", PDF))

    assert str(error) == (
        f"PUT /VoucherDocumentation: {what}, not the 202 or 204 PowerOffice Go answers "
        "for a success"
    )


def test_a_page_instead_of_a_download_is_transient(client, rsps, token_endpoint):
    rsps.add(
        responses.GET,
        f"{BASE}/VoucherDocumentation/Download",
        status=200,
        body=GATEWAY_PAGE,
        content_type="text/html",
    )

    error = transient(lambda: client.voucher_documentation.download(VOUCHER_ID))

    assert str(error).startswith("GET /VoucherDocumentation/Download: 200 with an HTML page")


# --- error statuses from a gateway -----------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_error_page_is_transient_and_named_by_its_title(
    client, rsps, token_endpoint, status
):
    rsps.add(
        responses.GET, f"{BASE}/Customers/42", status=status, body=GATEWAY_PAGE, content_type=""
    )

    error = transient(lambda: client.customers.get(42))

    assert str(error) == (
        f"GET /Customers/42: {status} an HTML page, not PowerOffice Go's answer "
        '("502 Bad Gateway")'
    )
    assert error.http_status == status
    assert len(str(error)) < 200


def test_a_cut_off_problem_is_transient_without_its_body(client, rsps, token_endpoint):
    cut = '{"type": "https://tools.ietf.org/html/rfc9110#section-15.6.4", "title": "Serv'
    rsps.add(
        responses.POST,
        f"{BASE}/Customers",
        status=503,
        body=cut,
        content_type="application/problem+json",
    )

    error = transient(lambda: client.customers.create({"Name": "Acme AS"}))

    assert str(error) == "POST /Customers: 503 JSON that is cut off or malformed"
