"""Each field limit the integration enforces is the published v2 OpenAPI's own."""

from __future__ import annotations

import json

import pytest

from sandbox.openapi.spec import FIXTURE
from sandbox.simulator.resources.documentation import MAX_PDF_BYTES
from sync_worker.norway import KID_MAX_LENGTH
from sync_worker.poweroffice import limits

SCHEMAS = json.loads(FIXTURE.read_text(encoding="utf-8"))["schemas"]


@pytest.mark.parametrize(
    ("limit", "schema", "field"),
    [
        (limits.ADDRESS_LINE_LENGTH, "ContactAddressPostDto", "AddressLine1"),
        (limits.ADDRESS_LINE_LENGTH, "ContactAddressPostDto", "AddressLine2"),
        (limits.CITY_LENGTH, "ContactAddressPostDto", "City"),
        (limits.ZIP_CODE_LENGTH, "ContactAddressPostDto", "ZipCode"),
        (KID_MAX_LENGTH, "OutgoingInvoiceVoucherDto", "Cid"),
        (limits.EXTERNAL_IMPORT_REFERENCE_LENGTH, "CustomerPostDto", "ExternalImportReference"),
    ],
)
def test_a_limit_is_the_specs_max_length(limit, schema, field):
    assert SCHEMAS[schema]["properties"][field]["maxLength"] == limit


def test_a_complete_address_is_what_the_spec_requires():
    assert set(SCHEMAS["ContactAddressPostDto"]["required"]) == {"ZipCode", "City"}


def test_the_attachment_limit_is_the_one_the_simulator_enforces():
    # Not in the schema (reference section 8): the simulator is the other record of it.
    assert limits.ATTACHMENT_BYTES == MAX_PDF_BYTES == 30 * 1024 * 1024
