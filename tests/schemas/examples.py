"""The contract's own examples (../shared/spec/messages.md), as fresh dicts to change per test."""

from __future__ import annotations

import base64
import copy
from typing import Any

from sync_worker.schemas import parse_message

PDF_BYTES = b"%PDF-1.4\n% an invoice\n"

_CUSTOMER = {
    "id": 62788973,
    "number": "10001",
    "name": "Fjordkraft Konsulent AS",
    "organization_number": "923609016",
    "contact_email": "post@fjordkraft-konsulent.no",
    "invoice_email": "faktura@fjordkraft-konsulent.no",
    "address": {
        "street": "Storgata 1",
        "street2": None,
        "postal_code": "0155",
        "city": "Oslo",
        "country_code": "NO",
    },
    "state": "active",
}

_PROJECT = {
    "id": 62788980,
    "number": "2026-017",
    "name": "Nettside for Fjordkraft",
    "customer_number": "10001",
    "department_code": "20",
    "state": "active",
    "owner_email": "kari.nordmann@acme.no",
    "expenses_billable": None,
}

_INVOICE = {
    "id": 106939080,
    "number": 10234,
    "description": "Konsulentbistand november",
    "customer": _CUSTOMER,
    "project": _PROJECT,
    "invoice_date": "2026-11-25",
    "due_date": "2026-12-09",
    "kid": "0102343",
    "currency_code": "NOK",
    "currency_rate": "1",
    "department_code": "20",
    "total_incl_vat": "12500.00",
    "lines": [
        {
            "description": "Rådgivning, 10 timer",
            "account_code": "3000",
            "vat_code": "3",
            "quantity": "10",
            "unit_price": "1000.00",
            "discount_percent": "0",
            "amount": "10000.00",
            "accrual": {"from": "2026-11-01", "to": "2026-11-30"},
        }
    ],
    "attachment": {
        "filename": "faktura-10234.pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(PDF_BYTES).decode(),
    },
    "credited_invoice_number": None,
}


def _credit_note() -> dict[str, Any]:
    note = copy.deepcopy(_INVOICE)
    line = note["lines"][0]
    line.update(quantity="-10", amount="-10000.00", accrual=None)
    note.update(
        number=10240,
        description="Kreditering november",
        kid=None,
        total_incl_vat="-12500.00",
        credited_invoice_number=10234,
    )
    note["attachment"]["filename"] = "kreditnota-10240.pdf"
    return note


_DATA = {
    "customer.changed": _CUSTOMER,
    "project.changed": _PROJECT,
    "invoice.finalized": _INVOICE,
    "credit_note.finalized": _credit_note(),
}

MESSAGE_TYPES = tuple(_DATA)


def data(message_type: str) -> dict[str, Any]:
    """A fresh copy of the contract's example entity for a message type."""
    return copy.deepcopy(_DATA[message_type])


def message(message_type: str, **envelope: Any) -> dict[str, Any]:
    """A fresh, valid message of `message_type`; keyword arguments replace envelope fields."""
    return {
        "message_id": "0b6f8a2e-5c1d-4d59-9a63-1f0f6f3b7c11",
        "tenant": "acme",
        "type": message_type,
        "version": 1764064800123,
        "occurred_at": "2026-11-25T10:00:00+01:00",
        "trigger": "auto",
        "data": data(message_type),
    } | envelope


def entity(message_type: str) -> Any:
    """The contract's example entity for a message type, parsed."""
    return parse_message(message(message_type)).data
