"""Customers: create, read, filter, JSON Patch, and the uniqueness rules."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.simulator.builders import create_customer
from tests.sandbox.simulator.raw import TIMEOUT, data

ACME = {
    "Name": "Acme AS",
    "Number": 10042,
    "OrganizationNumber": "912345678",
    "EmailAddress": "post@acme.no",
    "InvoiceEmailAddress": "faktura@acme.no",
    "InvoiceDeliveryType": "PdfByEmail",
    "ExternalImportReference": "crm-7f3c",
    "MailAddress": {"AddressLine1": "Storgata 1", "ZipCode": "0150", "City": "Oslo"},
}


def test_create_answers_201_with_ids(api):
    response = api.post("/Customers", ACME)

    assert response.status_code == 201
    customer = data(response)
    assert isinstance(customer["Id"], int)
    assert isinstance(customer["SubledgerAccountId"], int)
    assert customer["Number"] == 10042
    assert customer["MailAddress"] == {
        "AddressLine1": "Storgata 1",
        "AddressLine2": None,
        "ZipCode": "0150",
        "City": "Oslo",
        "CountryCode": "NO",
    }
    assert customer["IsArchived"] is False
    assert customer["LastChangedDateTimeOffset"]
    assert data(api.get(f"/Customers/{customer['Id']}")) == customer


def test_number_is_assigned_when_missing(api):
    first = create_customer(api, number=10005)
    second = data(api.post("/Customers", {"Name": "Uten nummer AS"}))

    assert second["Number"] == first["Number"] + 1


def test_name_is_required(api):
    response = api.post("/Customers", {"Number": 10001})

    assert response.status_code == 400
    assert response.json()["title"] == "Customer validation error(s)"
    assert "Name is required" in response.json()["detail"]


def test_duplicate_number_is_already_in_use(api):
    create_customer(api, number=10001)

    response = api.post("/Customers", {"Name": "Andre AS", "Number": 10001})

    assert response.status_code == 400
    assert "is already in use" in response.json()["detail"]
    assert "10001" in response.json()["detail"]


def test_duplicate_external_import_reference_is_already_in_use(api):
    create_customer(api, number=10001, ExternalImportReference="crm-1")

    response = api.post(
        "/Customers", {"Name": "Andre AS", "Number": 10002, "ExternalImportReference": "crm-1"}
    )

    assert response.status_code == 400
    assert "ExternalImportReference is already in use" in response.json()["detail"]


def test_unknown_department_code_is_refused(api):
    response = api.post("/Customers", {"Name": "Acme AS", "DepartmentCode": "99"})

    assert response.status_code == 404
    assert "'99'" in response.json()["detail"]


def test_filters_by_number_range_and_external_reference(api):
    for number in (10001, 10002, 10003):
        create_customer(api, number=number, ExternalImportReference=f"crm-{number}")

    by_numbers = data(api.get("/Customers", customerNos="10001, 10003-"))
    by_reference = data(api.get("/Customers", externalImportReference="crm-10002"))

    assert [row["Number"] for row in by_numbers] == [10001, 10003]
    assert [row["Number"] for row in by_reference] == [10002]


def test_patch_replaces_nested_fields_case_insensitively(api):
    customer = create_customer(api, **ACME)

    response = api.patch(
        f"/Customers/{customer['Id']}",
        [
            {"op": "replace", "path": "/InvoiceEmailAddress", "value": "ap@acme.no"},
            {"op": "replace", "path": "/mailAddress/city", "value": "Bergen"},
            {"op": "test", "path": "/name", "value": "Acme AS"},
        ],
    )

    assert response.status_code == 200
    patched = data(response)
    assert patched["InvoiceEmailAddress"] == "ap@acme.no"
    assert patched["MailAddress"]["City"] == "Bergen"
    assert patched["MailAddress"]["ZipCode"] == "0150"
    assert data(api.get(f"/Customers/{customer['Id']}")) == patched


def test_patch_add_and_remove(api):
    customer = create_customer(api, **ACME)

    patched = data(
        api.patch(
            f"/Customers/{customer['Id']}",
            [
                {"op": "add", "path": "/PhoneNumber", "value": "+47 22 00 00 00"},
                {"op": "remove", "path": "/OrganizationNumber"},
            ],
        )
    )

    assert patched["PhoneNumber"] == "+47 22 00 00 00"
    assert patched["OrganizationNumber"] is None


def test_patch_with_unknown_path_names_the_segment(api):
    customer = create_customer(api)

    response = api.patch(
        f"/Customers/{customer['Id']}", [{"op": "replace", "path": "/Nickname", "value": "x"}]
    )

    assert response.status_code == 400
    assert "'Nickname' was not found" in response.json()["detail"]


def test_patch_cannot_touch_read_only_fields(api):
    customer = create_customer(api)

    response = api.patch(
        f"/Customers/{customer['Id']}",
        [{"op": "replace", "path": "/SubledgerAccountId", "value": 1}],
    )

    assert response.status_code == 400


def test_failed_test_op_changes_nothing(api):
    customer = create_customer(api)

    response = api.patch(
        f"/Customers/{customer['Id']}",
        [
            {"op": "replace", "path": "/Name", "value": "Nytt navn AS"},
            {"op": "test", "path": "/Number", "value": 99999},
        ],
    )

    assert response.status_code == 400
    assert data(api.get(f"/Customers/{customer['Id']}"))["Name"] == customer["Name"]


def test_patch_to_a_number_in_use_is_refused(api):
    create_customer(api, number=10001)
    second = create_customer(api, number=10002)

    response = api.patch(
        f"/Customers/{second['Id']}", [{"op": "replace", "path": "/Number", "value": 10001}]
    )

    assert response.status_code == 400
    assert "already in use" in response.json()["detail"]


def test_patch_needs_json_patch_content_type(api):
    customer = create_customer(api)

    response = requests.patch(
        f"{api.base_url}/Customers/{customer['Id']}",
        json=[{"op": "replace", "path": "/Name", "value": "X"}],
        headers=api.headers(),
        timeout=TIMEOUT,
    )

    assert response.status_code == 415


def test_patch_of_unknown_customer_is_404(api):
    response = api.patch("/Customers/1", [{"op": "replace", "path": "/Name", "value": "X"}])

    assert response.status_code == 404


def test_the_customer_number_series_is_served_and_kept(api):
    [series] = data(api.get("/SubLedgerNumberSeries?subLedgerNumberSeriesType=Customer"))
    assert (series["FromInclusive"], series["ToInclusive"]) == (10000, 19999)

    outside = api.post("/Customers", {"Name": "Acme AS", "Number": 30001})

    assert outside.status_code == 400
    assert (
        "outside the customer sub-ledger's number series 10000-19999" in (outside.json()["detail"])
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"MailAddress": {"ZipCode": "0150"}}, "body.MailAddress: 'City' is a required property"),
        (
            {"MailAddress": {"ZipCode": "0150", "City": "O" * 101}},
            "body.MailAddress.City: longer than maxLength 100",
        ),
        ({"Nickname": "Acme"}, "Nickname"),
    ],
    ids=["a half address", "an over-long city name", "a field outside the DTO"],
)
def test_what_the_spec_refuses_is_refused_with_the_field_named(api, fields, problem):
    response = api.post("/Customers", {"Name": "Acme AS", "Number": 10001, **fields})

    assert response.status_code == 400
    assert problem in response.json()["detail"]
    assert api.get("/Customers").status_code == 204  # nothing half-written
