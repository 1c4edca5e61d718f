"""The validator against PowerOffice Go's v2 OpenAPI: each kind of problem, named by field."""

from __future__ import annotations

import json

import pytest

from sandbox.openapi import OUTSIDE_SPEC, validate_request, validate_response

VOUCHER_ID = "38ecfc1a-0000-4000-8000-000000000001"
ADDRESS = {"AddressLine1": "Storgata 1", "ZipCode": "0155", "City": "Oslo", "CountryCode": "NO"}


def post_customer(body: dict) -> list[str]:
    return validate_request("POST", "/Customers", {}, json.dumps(body), "application/json")


def patch_customer(operations: list[dict]) -> list[str]:
    body = json.dumps(operations)
    return validate_request("PATCH", "/Customers/5", {}, body, "application/json-patch+json")


def post_voucher(body: dict) -> list[str]:
    path = "/Vouchers/OutgoingInvoiceJournals"
    return validate_request("POST", path, {}, json.dumps(body), "application/json")


def test_a_valid_customer_passes():
    assert post_customer({"Name": "Fjordkraft AS", "Number": 10001, "MailAddress": ADDRESS}) == []


def test_an_unknown_field_is_named():
    assert post_customer({"Name": "Fjordkraft AS", "Colour": "blue"}) == [
        "body.Colour: not a property of the spec's schema"
    ]


def test_a_missing_required_field_is_named():
    problems = validate_request("POST", "/Projects", {}, json.dumps({"Code": "P1"}), "text/json")
    assert problems == ["body: 'Name' is a required property"]


def test_a_wrong_type_is_named():
    assert post_customer({"Name": "A", "Number": "10001"}) == [
        "body.Number: '10001' is not of type 'integer', 'null'"
    ]


def test_an_over_long_string_is_named():
    assert post_customer({"Name": "A", "MailAddress": {**ADDRESS, "City": "O" * 101}}) == [
        "body.MailAddress.City: longer than maxLength 100"
    ]


def test_a_half_address_is_refused():
    assert post_customer({"Name": "A", "MailAddress": {"ZipCode": "0155"}}) == [
        "body.MailAddress: 'City' is a required property"
    ]


def test_an_enum_member_is_checked_and_null_admitted_where_nullable():
    assert post_customer({"Name": "A", "InvoiceDeliveryType": "Fax"})[0].startswith(
        "body.InvoiceDeliveryType: 'Fax' is not one of"
    )
    assert post_customer({"Name": "A", "InvoiceDeliveryType": None, "Number": None}) == []


def test_formats_and_integer_widths_are_checked():
    assert post_customer({"Name": "A", "CustomerSince": "25.11.2026", "Number": 2**63}) == [
        "body.CustomerSince: '25.11.2026' is not a 'date'",
        f"body.Number: {2**63} is not a 'int64'",
    ]


def test_read_only_fields_are_refused_in_a_request_body():
    problems = post_voucher({"Id": VOUCHER_ID, "VoucherDate": "2026-11-25", "CurrencyAmount": 1})
    assert problems == ["body.Id: read-only (assigned by PowerOffice Go), not allowed in a request"]


def test_a_voucher_line_is_checked_by_its_index():
    line = {"AccountId": 1, "VatId": "3", "CurrencyAmount": 100}
    problems = post_voucher({"VoucherDate": "2026-11-25", "OutgoingInvoiceLines": [line]})
    assert problems == ["body.OutgoingInvoiceLines[0].VatId: '3' is not of type 'integer', 'null'"]


def test_an_unknown_query_parameter_is_named():
    problems = validate_request(
        "GET", "/Customers", {"foo": "1", "customerNos": "10001"}, None, None
    )
    assert problems == ["query: unknown parameter 'foo'"]


def test_paging_parameters_are_the_flattened_resource_parameter():
    query = {"PageNumber": "1", "PageSize": "5000", "Fields": "Id,Name", "OrderBy": "Name desc"}
    assert validate_request("GET", "/Customers", query, None, None) == []
    assert validate_request("GET", "/Customers", {"resourceParameter": "x"}, None, None) == [
        "query: unknown parameter 'resourceParameter'"
    ]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"fromDate": "2026-11-25"}, "query: required parameter 'toDate' is missing"),
        (
            {"fromDate": "2026-11-25", "toDate": "25.11.2026"},
            "query.toDate: '25.11.2026' is not a 'date'",
        ),
        (
            {"fromDate": "2026-11-25", "toDate": "2026-11-26", "includeSubProject": "yes"},
            "query.includeSubProject: 'yes' is not a boolean",
        ),
    ],
)
def test_query_values_parse_as_their_type(query, problem):
    assert validate_request("GET", "/AccountTransactions", query, None, None) == [problem]


def test_query_enums_and_uuids_are_checked():
    query = {"id": "38ecfc1a", "documentationType": "Tiff"}
    problems = validate_request("GET", "/VoucherDocumentation/Download", query, None, None)
    assert problems[0] == "query.id: '38ecfc1a' is not a 'uuid'"
    assert problems[1].startswith("query.documentationType: 'Tiff' is not one of")


def test_path_templates_match_ignoring_case_and_check_their_types():
    assert validate_request("GET", "/customers/12", {}, None, None) == []
    assert validate_request("GET", "/Customers/abc", {}, None, None) == [
        "path.id: 'abc' is not an integer"
    ]
    assert validate_request("GET", f"/OUTGOINGINVOICES/{VOUCHER_ID}", {}, None, None) == []
    assert validate_request("GET", "/OutgoingInvoices/12", {}, None, None) == [
        "path.id: '12' is not a 'uuid'"
    ]


def test_an_unknown_path_is_no_such_operation():
    path = "/Vouchers/OutgoingCreditNoteJournals"
    assert validate_request("POST", path, {}, "{}", None) == [
        f"POST {path}: no such operation in PowerOffice Go's v2 OpenAPI"
    ]
    assert validate_request("DELETE", "/Customers/12", {}, None, None) == [
        "DELETE /Customers/12: no such operation in PowerOffice Go's v2 OpenAPI"
    ]


def test_only_the_documented_operations_are_allowed_outside_the_spec():
    assert [operation.label for operation in OUTSIDE_SPEC] == [
        "POST /Vouchers/OutgoingInvoiceJournals"
    ]
    assert all(operation.why and operation.request_body for operation in OUTSIDE_SPEC)


def test_a_body_needs_a_content_type_the_operation_takes():
    body = json.dumps({"Name": "A"})
    assert validate_request("POST", "/Customers", {}, body, "text/plain") == [
        "content type: 'text/plain' is not one of "
        "['application/*+json', 'application/json', 'application/json-patch+json', 'text/json']"
    ]
    assert validate_request("GET", "/Customers", {}, body, "application/json") == [
        "body: GET /Customers takes no request body"
    ]


def test_json_patch_paths_name_writable_properties_ignoring_case():
    assert patch_customer([{"op": "replace", "path": "/mailAddress/city", "value": "Bergen"}]) == []
    assert patch_customer([{"op": "add", "path": "/Colour", "value": "blue"}]) == [
        "body[0].path: '/Colour' the target location specified by path segment 'Colour' "
        "was not found (no property of CustomerPostDto)"
    ]


def test_json_patch_values_are_checked_against_the_property():
    assert patch_customer(
        [
            {"op": "replace", "path": "/Number", "value": "10001"},
            {"op": "add", "path": "/MailAddress", "value": {"ZipCode": "0155"}},
            {"op": "replace", "path": "/Name"},
            {"op": "rename", "path": "/Name"},
        ]
    ) == [
        "body[0].value: '10001' is not of type 'integer', 'null'",
        "body[1].value: 'City' is a required property",
        "body[2].value: required for 'replace'",
        "body[3].op: 'rename' is not one of ['add', 'remove', 'replace', 'move', 'copy', 'test']",
    ]


def _multipart(part_name: str) -> tuple[bytes, str]:
    body = (
        b"--xyz\r\n"
        b'Content-Disposition: form-data; name="' + part_name.encode() + b'"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--xyz--\r\n"
    )
    return body, "multipart/form-data; boundary=xyz"


def test_a_voucher_documentation_upload_needs_a_file_part():
    query = {"id": VOUCHER_ID}
    assert validate_request("PUT", "/VoucherDocumentation", query, *_multipart("file")) == []
    assert validate_request("PUT", "/VoucherDocumentation", query, *_multipart("pdf")) == [
        "body: unknown part 'pdf'",
        "body: the 'file' part is missing",
    ]


def test_a_response_is_checked_against_the_schema_of_its_status():
    assert validate_response("GET", "/LockDateSettings", 200, {"LockDate": "2025-12-31"}) == []
    assert validate_response("GET", "/LockDateSettings", 200, {"LockDate": "2025-12-31T00:00"}) == [
        "body.LockDate: '2025-12-31T00:00' is not a 'date'"
    ]
    assert validate_response("GET", "/Customers", 200, [{"Id": 1, "Colour": "blue"}]) == [
        "body[0].Colour: not a property of the spec's schema"
    ]


def test_a_response_may_carry_read_only_fields_and_problem_details():
    created = {"Id": VOUCHER_ID, "VoucherNo": None, "VoucherDate": "2026-11-25"}
    assert validate_response("POST", "/Vouchers/OutgoingInvoiceJournals", 201, created) == []
    problem = {"title": "Customer validation error(s)", "detail": "…", "status": 400}
    assert validate_response("POST", "/Customers", 400, problem) == []
    assert validate_response("GET", "/Customers", 204, None) == []
