"""Each field limit the integration enforces is the published v2 OpenAPI's own."""

from __future__ import annotations

import json

import pytest

from sandbox.openapi.spec import FIXTURE
from sync_worker.mapping import limits

SCHEMAS = json.loads(FIXTURE.read_text(encoding="utf-8"))["schemas"]


@pytest.mark.parametrize(
    ("limit", "schema", "field"),
    [
        (limits.ADDRESS_LINE_LENGTH, "ContactAddressPostDto", "AddressLine1"),
        (limits.ADDRESS_LINE_LENGTH, "ContactAddressPostDto", "AddressLine2"),
        (limits.CITY_LENGTH, "ContactAddressPostDto", "City"),
        (limits.ZIP_CODE_LENGTH, "ContactAddressPostDto", "ZipCode"),
        (limits.CID_LENGTH, "OutgoingInvoiceVoucherDto", "Cid"),
        (limits.EXTERNAL_IMPORT_REFERENCE_LENGTH, "CustomerPostDto", "ExternalImportReference"),
    ],
)
def test_a_limit_is_the_specs_max_length(limit, schema, field):
    assert SCHEMAS[schema]["properties"][field]["maxLength"] == limit


def test_a_complete_address_is_what_the_spec_requires():
    assert set(SCHEMAS["ContactAddressPostDto"]["required"]) == {"ZipCode", "City"}
