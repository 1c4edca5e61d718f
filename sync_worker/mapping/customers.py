"""Customers: Moment's customer as PowerOffice Go's `Customer` fields.

Moment is the master of the fields below: they are written on create and patched on every
change (`json_patch(previous, customer_fields(customer))`). An empty value is sent as null,
so a value removed in Moment is removed in PowerOffice Go too. Every other field of the
PowerOffice Go customer is left to the people who use PowerOffice Go.

The address is the exception: PowerOffice Go's `ContactAddressPostDto` requires `ZipCode`
and `City`, so `MailAddress` is sent only when Moment has both, and never half. Until then
PowerOffice Go keeps the address it has.
"""

from __future__ import annotations

from typing import Any

from sync_worker.schemas.entities import Address, Customer

PRINT_DELIVERY = "Print"  # invoices are sent from Moment, never from PowerOffice Go
DEFAULT_COUNTRY_CODE = "NO"  # PowerOffice Go's own default; sending it avoids a false change


def customer_fields(customer: Customer) -> dict[str, Any]:
    """The PowerOffice Go fields Moment owns; `MailAddress` only when it is complete."""
    fields: dict[str, Any] = {
        "Name": customer.name,
        "Number": int(customer.number),
        "OrganizationNumber": customer.organization_number,
        "EmailAddress": customer.contact_email,
        "InvoiceEmailAddress": customer.invoice_email,
    }
    if has_mail_address(customer):
        fields["MailAddress"] = _mail_address(customer.address or Address())
    return fields


def has_mail_address(customer: Customer) -> bool:
    """True when the address has what PowerOffice Go requires of one: postal code and city."""
    address = customer.address
    return address is not None and bool(address.postal_code) and bool(address.city)


def _mail_address(address: Address) -> dict[str, Any]:
    return {
        "AddressLine1": address.street,
        "AddressLine2": address.street2,
        "ZipCode": address.postal_code,
        "City": address.city,
        "CountryCode": address.country_code or DEFAULT_COUNTRY_CODE,
    }


def customer_create_body(
    customer: Customer, *, external_reference: str, delivery_type: str = PRINT_DELIVERY
) -> dict[str, Any]:
    """`POST /Customers`: the owned fields plus those PowerOffice Go only takes on create."""
    return customer_fields(customer) | {
        "InvoiceDeliveryType": delivery_type,
        "ExternalImportReference": external_reference,
    }
