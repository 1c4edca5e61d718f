"""What a message from Moment carries, once checked: immutable values, no behaviour.

Field names follow the message contract (../shared/spec/messages.md). Money and quantities
are `Decimal`, dates are Norwegian calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from sync_worker import kinds

Trigger = Literal["auto", "manual"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    street: str | None = None
    street2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    number: str
    name: str
    organization_number: str | None = None
    contact_email: str | None = None
    invoice_email: str | None = None
    address: Address | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    number: str
    name: str
    state: str
    customer_number: str | None = None
    department_code: str | None = None
    owner_email: str | None = None
    expenses_billable: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Accrual:
    from_: date  # "from" in the message; the underscore only dodges the keyword
    to: date


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceLine:
    account_code: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # excluding VAT, as Moment computed it
    description: str | None = None
    vat_code: str | None = None  # missing is refused by the export rules, not the contract
    discount_percent: Decimal = Decimal("0")
    accrual: Accrual | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Invoice:
    """An invoice or a credit note: the two share one shape."""

    number: int
    customer: Customer
    invoice_date: date
    due_date: date
    currency_code: str
    currency_rate: Decimal
    total_incl_vat: Decimal
    lines: tuple[InvoiceLine, ...]
    attachment: Attachment
    description: str | None = None
    project: Project | None = None
    kid: str | None = None
    department_code: str | None = None
    credited_invoice_number: int | None = None


Entity = Customer | Project | Invoice


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    message_id: str
    tenant: str
    type: str
    version: int
    occurred_at: datetime
    trigger: Trigger
    data: Entity

    @property
    def kind(self) -> str:
        """The entity kind's name (`sync_worker.kinds`); the contract knows the type."""
        registered = kinds.for_message_type(self.type)
        if registered is None:
            raise ValueError(f"no kind is registered for message type {self.type!r}")
        return registered.name

    @property
    def entity_number(self) -> str:
        return str(self.data.number)
