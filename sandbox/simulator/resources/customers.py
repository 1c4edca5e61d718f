"""Customers: `GET/POST /Customers`, `GET/PATCH /Customers/{id}`.

`Number` (the customer ledger number) and `ExternalImportReference` are unique per
client; `SubledgerAccountId` is what an outgoing invoice voucher names as its customer.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sandbox.simulator.body import Body
from sandbox.simulator.jsonpatch import apply_patch
from sandbox.simulator.query import Filter, filtered, paged
from sandbox.simulator.responses import json_response, not_found, validation_error
from sandbox.simulator.routing import Context, Route
from sandbox.simulator.store import ClientState, find, now_text

ENTITY = "Customer"
FIRST_NUMBER = 10000
DELIVERY_TYPES = ("PdfByEmail", "Print", "EHF", "AvtaleGiro", "Efaktura", "External", "Factoring")
ADDRESS_FIELDS = ("AddressLine1", "AddressLine2", "ZipCode", "City", "CountryCode")
READ_ONLY = (
    "Id",
    "SubledgerAccountId",
    "IsActive",
    "CustomerCreatedDateTimeOffset",
    "LastChangedDateTimeOffset",
)
UNIQUE = ("Number", "ExternalImportReference")
FILTERS = (
    Filter("customerNos", "Number", "numbers"),
    Filter("externalImportReference", "ExternalImportReference", "text"),
)


def list_customers(ctx: Context) -> Response:
    rows = filtered(ctx.client.customers.values(), ctx.query, FILTERS)
    return paged(ctx.request, ctx.query, rows)


def get_customer(ctx: Context, customer_id: int) -> Response:
    return json_response(_customer(ctx.client, customer_id))


def create_customer(ctx: Context) -> Response:
    fields = _writable(Body(ctx.json(), ENTITY))
    return json_response(_save(ctx.client, fields, existing=None), 201)


def patch_customer(ctx: Context, customer_id: int) -> Response:
    customer = _customer(ctx.client, customer_id)
    writable = {key: value for key, value in customer.items() if key not in READ_ONLY}
    patched = apply_patch(writable, ctx.json_patch(), "CustomerPatchDto")
    return json_response(_save(ctx.client, _writable(Body(patched, ENTITY)), existing=customer))


def _customer(client: ClientState, customer_id: int) -> dict:
    customer = client.customers.get(customer_id)
    if customer is None:
        raise not_found(f"Customer with id = {customer_id} was not found.")
    return customer


def _writable(body: Body) -> dict[str, Any]:
    return {
        "Number": body.integer("Number"),
        "Name": body.text("Name", required=True, max_length=200),
        "OrganizationNumber": body.text("OrganizationNumber"),
        "EmailAddress": body.text("EmailAddress"),
        "InvoiceEmailAddress": body.text("InvoiceEmailAddress"),
        "PhoneNumber": body.text("PhoneNumber"),
        "MailAddress": _address(body.nested("MailAddress")),
        "InvoiceDeliveryType": body.choice("InvoiceDeliveryType", DELIVERY_TYPES, "Print"),
        "ExternalImportReference": body.text("ExternalImportReference", max_length=50),
        "DepartmentCode": body.text("DepartmentCode"),
        "CurrencyCode": body.text("CurrencyCode") or "NOK",
        "IsArchived": body.boolean("IsArchived", False),
    }


def _address(body: Body | None) -> dict[str, Any]:
    # Always an object, so that a patch of "/MailAddress/City" finds its target.
    if body is None:
        return {**dict.fromkeys(ADDRESS_FIELDS), "CountryCode": "NO"}
    address = {name: body.text(name, max_length=200) for name in ADDRESS_FIELDS}
    country = address["CountryCode"] or "NO"
    if len(country) != 2 or not country.isalpha():
        raise body.error(f"MailAddress.CountryCode '{country}' is not an ISO 3166 alpha-2 code.")
    return {**address, "CountryCode": country.upper()}


def _save(client: ClientState, fields: dict[str, Any], existing: dict | None) -> dict:
    """Check the rules, then create or update; nothing changes when a rule refuses."""
    own_id = existing["Id"] if existing else None
    for key in UNIQUE:
        value = fields[key]
        other = find(client.customers, key, value) if value is not None else None
        if other is not None and other["Id"] != own_id:
            raise validation_error(
                ENTITY,
                f"{key} is already in use. '{value}' is used on (contact) Id = {other['Id']}.",
            )
    code = fields["DepartmentCode"]
    if code and find(client.departments, "Code", code) is None:
        raise not_found(f"Department with code '{code}' was not found.")
    if fields["Number"] is None:
        fields["Number"] = existing["Number"] if existing else _next_number(client)
    first, last = client.number_series["Customer"]
    if not first <= fields["Number"] <= last:
        raise validation_error(
            ENTITY,
            f"Number {fields['Number']} is outside the customer sub-ledger's number series "
            f"{first}-{last}.",
        )
    now = now_text()
    customer = existing or {
        "Id": client.next_id(),
        "SubledgerAccountId": client.next_id(),
        "CustomerCreatedDateTimeOffset": now,
    }
    customer.update(fields, IsActive=not fields["IsArchived"], LastChangedDateTimeOffset=now)
    client.customers[customer["Id"]] = customer
    return customer


def _next_number(client: ClientState) -> int:
    return max((row["Number"] for row in client.customers.values()), default=FIRST_NUMBER - 1) + 1


ROUTES = (
    Route("GET", "/Customers", list_customers),
    Route("POST", "/Customers", create_customer),
    Route("GET", "/Customers/<int:customer_id>", get_customer),
    Route("PATCH", "/Customers/<int:customer_id>", patch_customer),
)
