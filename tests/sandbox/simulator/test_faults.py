"""Injected faults: latency, 5xx, 429 bursts, early token expiry, lost responses, a
gateway's HTML page and a body cut short."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.simulator import FaultConfig, SimulatorServer, jsonio
from tests.sandbox.simulator.builders import PDF, Ids, create_customer, invoice_body, post_invoice
from tests.sandbox.simulator.raw import token_response

INVOICES = "/Vouchers/OutgoingInvoiceJournals"


def test_latency_is_added(api, admin):
    admin.set_faults(latency_ms=150, latency_jitter_ms=20)

    started = time.perf_counter()
    api.get("/VatCodes")

    assert 0.15 <= time.perf_counter() - started < 1.0


def test_counted_errors_hit_the_next_requests(api, admin):
    admin.set_faults(error_count=2, error_statuses=[503])

    statuses = [api.get("/VatCodes").status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert admin.faults()["remaining"]["error_count"] == 0


def test_error_answer_is_problem_details(api, admin):
    admin.set_faults(error_count=1, error_statuses=[500])

    response = api.get("/VatCodes")

    assert response.status_code == 500
    assert response.json()["status"] == 500


def test_errors_only_on_chosen_paths_and_methods(api, admin):
    admin.set_faults(error_rate=1.0, error_paths=["/Customers"], error_methods=["POST"])

    assert api.get("/Customers").status_code == 204
    assert api.get("/VatCodes").status_code == 200
    assert api.post("/Customers", {"Name": "Acme AS"}).status_code in (500, 503)
    assert admin.customers(api.client_key) == []  # an injected error stores nothing


def test_error_rate_is_repeatable_with_a_seed(api, admin):
    runs = []
    for _ in range(2):
        admin.set_faults(error_rate=0.5, random_seed=7)
        runs.append([api.get("/VatCodes").status_code for _ in range(20)])

    assert runs[0] == runs[1]
    assert {200, 500, 503} >= set(runs[0]) > {200}
    assert 200 in runs[0]


def test_rate_limit_burst(api, admin):
    admin.set_faults(rate_limit_burst=2)

    statuses = [api.get("/VatCodes").status_code for _ in range(3)]

    assert statuses == [429, 429, 200]


def test_expire_all_tokens_now(api, admin):
    assert api.get("/VatCodes").status_code == 200

    admin.expire_tokens()

    assert api.get("/VatCodes").status_code == 401
    api.token = api.new_token()
    assert api.get("/VatCodes").status_code == 200


def test_tokens_die_before_their_advertised_lifetime(api, admin):
    admin.set_faults(token_lifetime_seconds=0.2)
    api.token = api.new_token()
    advertised = token_response(api.token_url, api.client_key).json()["expires_in"]

    time.sleep(0.25)

    assert advertised == 600
    assert api.get("/VatCodes").status_code == 401


def test_lost_response_after_the_write_landed(api, admin):
    ids, customer = Ids.of(api), create_customer(api)
    admin.set_faults(lose_responses=1, lose_response_path="/Vouchers")
    body = invoice_body(ids, customer, "10234")

    with pytest.raises(requests.ConnectionError):
        requests.post(
            api.base_url + INVOICES,
            data=jsonio.dumps(body),
            headers=api.headers(**{"Content-Type": "application/json"}),
            timeout=10,
        )

    vouchers = admin.vouchers(api.client_key)
    assert [voucher["InvoiceNo"] for voucher in vouchers] == ["10234"]
    retry = api.post(INVOICES, body)
    assert retry.status_code == 400
    assert "already in use" in retry.json()["detail"]
    stats = admin.stats()["by_endpoint"][f"POST /v2{INVOICES}"]
    assert stats == {"connection_closed": 1, "400": 1}


def test_lost_responses_spare_other_paths_and_failed_writes(api, admin):
    admin.set_faults(lose_responses=1, lose_response_path="/Vouchers")

    assert api.post("/Customers", {"Name": "Acme AS"}).status_code == 201
    assert api.post(INVOICES, {"InvoiceNo": "1"}).status_code == 400
    assert admin.faults()["remaining"]["lose_responses"] == 1


def test_faults_can_be_set_at_start():
    with SimulatorServer(faults=FaultConfig(error_count=1, error_statuses=(503,))) as server:
        server.admin.create_client("k")

        assert token_response(server.token_url, "k").status_code == 503
        assert token_response(server.token_url, "k").status_code == 200


def test_clear_faults(api, admin):
    admin.set_faults(error_rate=1.0)

    admin.clear_faults()

    assert api.get("/VatCodes").status_code == 200
    assert admin.faults()["config"]["error_rate"] == 0


@pytest.mark.parametrize("status", [502, 504, 200])
def test_a_gateway_page_answers_in_html_and_stores_nothing(api, admin, status):
    admin.set_faults(gateway_pages=1, gateway_page_status=status, gateway_page_paths=["/Customers"])

    answer = api.post("/Customers", {"Name": "Acme AS"})

    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.text.startswith("<!DOCTYPE html>")
    assert f"<title>{status} " in answer.text
    assert admin.customers(api.client_key) == []
    assert admin.stats()["by_endpoint"]["POST /v2/Customers"] == {"gateway_page": 1}
    assert admin.faults()["remaining"]["gateway_pages"] == 0
    assert api.post("/Customers", {"Name": "Acme AS"}).status_code == 201


def test_a_gateway_page_instead_of_a_pdf_upload_leaves_the_voucher_without_it(api, admin):
    voucher = post_invoice(api, invoice_body(Ids.of(api), create_customer(api)))
    admin.set_faults(gateway_pages=1, gateway_page_status=200, gateway_page_methods=["PUT"])

    answer = api.upload(voucher["Id"], PDF)

    assert (answer.status_code, answer.headers["Content-Type"][:9]) == (200, "text/html")
    assert [stored["HasPdf"] for stored in admin.vouchers(api.client_key)] == [False]
    assert api.upload(voucher["Id"], PDF).status_code == 204


def test_gateway_pages_spare_other_paths_and_methods(api, admin):
    admin.set_faults(
        gateway_pages=1, gateway_page_paths=["/Customers"], gateway_page_methods=["POST"]
    )

    assert api.get("/Customers").status_code == 204
    assert api.get("/VatCodes").status_code == 200
    assert admin.faults()["remaining"]["gateway_pages"] == 1


def test_a_truncated_body_is_cut_after_the_write_landed(api, admin):
    admin.set_faults(truncated_bodies=1, truncated_body_paths=["/Customers"])

    answer = api.post("/Customers", {"Name": "Acme AS", "Number": 10001})

    assert answer.status_code == 201
    assert answer.headers["Content-Type"].startswith("application/json")
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    with pytest.raises(ValueError):
        jsonio.loads(answer.content)
    whole = jsonio.dumps(admin.customers(api.client_key)[0])
    assert answer.content.startswith(b'{"') and len(answer.content) < len(whole)
    assert [customer["Number"] for customer in admin.customers(api.client_key)] == [10001]
    assert admin.stats()["by_endpoint"]["POST /v2/Customers"] == {"truncated": 1}


def test_truncation_spares_answers_without_a_body_and_failed_requests(api, admin):
    admin.set_faults(truncated_bodies=1)

    assert api.get("/Customers").status_code == 204  # nothing to cut
    assert api.post("/Customers", {}).status_code == 400
    assert admin.faults()["remaining"]["truncated_bodies"] == 1
    with pytest.raises(ValueError):
        jsonio.loads(api.get("/VatCodes").content)  # the next success with a body
    assert admin.faults()["remaining"]["truncated_bodies"] == 0


@pytest.mark.parametrize(
    "settings",
    [{"gateway_page_status": 404}, {"gateway_pages": -1}, {"truncated_bodies": -1}],
)
def test_new_fault_settings_are_checked(settings):
    with pytest.raises(ValueError):
        FaultConfig.from_dict(settings)
