"""PowerOffice Go's v2 conventions: paths, 201/204, ProblemDetails, paging and filters."""

from __future__ import annotations

import json

import requests

from tests.sandbox.simulator.raw import TIMEOUT, data

PROBLEM_KEYS = {"type", "title", "status", "detail", "traceId"}


def _numbers(response: requests.Response, field: str = "AccountNo") -> list:
    return [row[field] for row in data(response)]


def test_demo_prefix_and_casing_reach_the_same_api(simulator, api):
    for base in (simulator.url + "/Demo/v2", simulator.url + "/demo/V2"):
        response = requests.get(base + "/departments", headers=api.headers(), timeout=TIMEOUT)
        assert response.status_code == 200
        assert [row["Code"] for row in response.json()] == ["10", "20", "30"]


def test_empty_list_is_204_with_empty_body(api):
    response = api.get("/Customers")

    assert response.status_code == 204
    assert response.content == b""


def test_list_is_a_bare_array_in_pascal_case(api):
    rows = data(api.get("/Departments"))

    assert isinstance(rows, list)
    assert set(rows[0]) == {"Id", "Code", "Name", "IsActive"}


def test_not_found_is_problem_details(api):
    response = api.get("/Customers/42")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == 404
    assert "42" in body["detail"]


def test_unknown_endpoint_is_404_problem_details(api):
    response = api.get("/NoSuchThing")

    assert response.status_code == 404
    assert set(response.json()) == PROBLEM_KEYS


def test_post_must_be_json(api):
    response = requests.post(
        api.base_url + "/Customers",
        data="Name=Acme",
        headers=api.headers(**{"Content-Type": "application/x-www-form-urlencoded"}),
        timeout=TIMEOUT,
    )

    assert response.status_code == 415
    assert response.json()["status"] == 415


def test_malformed_json_is_400(api):
    response = requests.post(
        api.base_url + "/Customers",
        data=b'{"Name": ',
        headers=api.headers(**{"Content-Type": "application/json"}),
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert set(response.json()) == PROBLEM_KEYS


def test_wrong_json_type_names_the_field(api):
    response = api.post("/Customers", {"Name": "Acme AS", "Number": "10001"})

    assert response.status_code == 400
    assert "body.Number: '10001' is not of type 'integer'" in response.json()["detail"]


def test_paging_walks_with_next_page_link(api):
    total = len(data(api.get("/GeneralLedgerAccounts")))
    seen, url, pages = [], api.base_url + "/GeneralLedgerAccounts?PageSize=10", 0
    while url:
        response = requests.get(url, headers=api.headers(), timeout=TIMEOUT)
        assert response.status_code == 200
        seen += _numbers(response)
        pagination = json.loads(response.headers["X-Pagination"])
        url, pages = pagination.get("nextPageLink"), pages + 1

    assert pages == 3  # 25 accounts, 10 a page
    assert len(seen) == total == 25
    assert seen == sorted(seen)


def test_page_past_the_end_is_204(api):
    assert api.get("/GeneralLedgerAccounts", PageNumber=4, PageSize=10).status_code == 204


def test_last_page_has_no_next_page_link(api):
    response = api.get("/GeneralLedgerAccounts", PageNumber=3, PageSize=10)

    assert len(data(response)) == 5
    assert "nextPageLink" not in json.loads(response.headers["X-Pagination"])


def test_default_page_size_is_5000(api):
    pagination = json.loads(api.get("/VatCodes").headers["X-Pagination"])

    assert pagination["pageSize"] == 5000
    assert pagination["currentPage"] == 1


def test_page_size_above_maximum_is_cut_to_20000(api):
    pagination = json.loads(api.get("/VatCodes", PageSize=50000).headers["X-Pagination"])

    assert pagination["pageSize"] == 20000


def test_bad_paging_values_are_400(api):
    assert api.get("/VatCodes", PageNumber=0).status_code == 400
    assert api.get("/VatCodes", PageSize="ten").status_code == 400


def test_number_filter_takes_ranges_and_open_ends(api):
    response = api.get("/GeneralLedgerAccounts", accountNos="3000-3200, 7740, 8000-")

    assert _numbers(response) == [3000, 3100, 3200, 7740, 8150]


def test_number_filter_with_leading_open_range(api):
    assert _numbers(api.get("/GeneralLedgerAccounts", accountNos="-1920")) == [1500, 1920]


def test_number_filter_that_matches_nothing_is_204(api):
    assert api.get("/GeneralLedgerAccounts", accountNos="9000-9999").status_code == 204


def test_malformed_number_filter_is_400(api):
    response = api.get("/GeneralLedgerAccounts", accountNos="30x0")

    assert response.status_code == 400
    assert response.json()["title"] == "Invalid resourceParameter"


def test_code_filter_is_a_comma_list(api):
    response = api.get("/Departments", codes="10, 30")

    assert _numbers(response, "Code") == ["10", "30"]


def test_query_parameter_names_are_case_insensitive(api):
    assert _numbers(api.get("/Suppliers", SUPPLIERNOS="20002"), "Number") == [20002]


def test_repeated_filter_parameter_is_refused(api):
    response = requests.get(
        api.base_url + "/Suppliers?supplierNos=20001&supplierNos=20002",
        headers=api.headers(),
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert "supplierNos" in response.json()["detail"]
