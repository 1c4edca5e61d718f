from __future__ import annotations

from dataclasses import replace

import pytest

from sync_worker.mapping import customer_create_body, customer_fields, json_patch
from tests.schemas.examples import entity

EXPECTED_FIELDS = {
    "Name": "Fjordkraft Konsulent AS",
    "Number": 10001,
    "OrganizationNumber": "923609016",
    "EmailAddress": "post@fjordkraft-konsulent.no",
    "InvoiceEmailAddress": "faktura@fjordkraft-konsulent.no",
    "MailAddress": {
        "AddressLine1": "Storgata 1",
        "AddressLine2": None,
        "ZipCode": "0155",
        "City": "Oslo",
        "CountryCode": "NO",
    },
}


def test_customer_fields():
    assert customer_fields(entity("customer.changed")) == EXPECTED_FIELDS


def test_a_customer_without_address_sends_none():
    customer = replace(entity("customer.changed"), address=None, organization_number=None)
    fields = customer_fields(customer)

    assert fields["OrganizationNumber"] is None
    assert "MailAddress" not in fields


@pytest.mark.parametrize("missing", ["postal_code", "city"])
def test_a_half_address_is_never_sent(missing):
    # ContactAddressPostDto requires both ZipCode and City.
    customer = entity("customer.changed")
    half = replace(customer, address=replace(customer.address, **{missing: None}))
    assert "MailAddress" not in customer_fields(half)


def test_an_address_with_postal_code_and_city_gets_the_default_country():
    customer = entity("customer.changed")
    plain = replace(customer, address=replace(customer.address, street2=None, country_code=None))
    assert customer_fields(plain)["MailAddress"]["CountryCode"] == "NO"


def test_a_foreign_customer_keeps_its_country():
    customer = entity("customer.changed")
    swedish = replace(customer, address=replace(customer.address, country_code="SE"))
    assert customer_fields(swedish)["MailAddress"]["CountryCode"] == "SE"


def test_create_body_adds_the_create_only_fields():
    body = customer_create_body(
        entity("customer.changed"), external_reference="moment:acme:customer:10001"
    )
    assert body == EXPECTED_FIELDS | {
        "InvoiceDeliveryType": "Print",
        "ExternalImportReference": "moment:acme:customer:10001",
    }


def test_create_body_takes_the_tenants_delivery_type():
    body = customer_create_body(
        entity("customer.changed"), delivery_type="PdfByEmail", external_reference="r"
    )
    assert body["InvoiceDeliveryType"] == "PdfByEmail"


def test_patch_against_a_powerofficego_customer_touches_only_what_changed():
    pogo_customer = EXPECTED_FIELDS | {
        "Id": 123456,
        "SubledgerAccountId": 987,
        "InvoiceDeliveryType": "Print",
        "MailAddress": EXPECTED_FIELDS["MailAddress"] | {"ExternalCode": None},
    }
    customer = entity("customer.changed")
    moved = replace(
        customer,
        invoice_email="ap@fjordkraft-konsulent.no",
        address=replace(customer.address, city="Bergen", postal_code="5003"),
    )

    assert json_patch(pogo_customer, customer_fields(moved)) == [
        {"op": "replace", "path": "/InvoiceEmailAddress", "value": "ap@fjordkraft-konsulent.no"},
        {"op": "replace", "path": "/MailAddress/ZipCode", "value": "5003"},
        {"op": "replace", "path": "/MailAddress/City", "value": "Bergen"},
    ]


def test_patch_against_the_stored_fields_is_empty_when_nothing_changed():
    customer = entity("customer.changed")
    stored = customer_fields(customer)
    assert json_patch(stored, customer_fields(replace(customer, state="inactive"))) == []
