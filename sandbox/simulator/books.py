"""The client's books as set up from outside the API: reference data and supplier vouchers.

The admin API and `seed.py` both go through these functions. Supplier vouchers stand for
invoices a person booked in PowerOffice Go: each becomes account transactions, one per
expense line (net amount and its VAT), one on the input-VAT account, and the credit on
the supplier ledger, so the voucher balances.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.simulator.store import ClientState, Document, Voucher, find

ACCOUNT_TYPES = ("Asset", "Liability", "Equity", "Income", "Expense")
SUPPLIER_VOUCHER_TYPES = ("IncomingInvoice", "IncomingCreditNote")
SUPPLIER_LEDGER_ACCOUNT_NO = 2400  # Leverandørgjeld
INPUT_VAT_ACCOUNT_NO = 2710  # Inngående merverdiavgift
PDF_MAGIC = b"%PDF-"
_ORE = Decimal("0.01")


class SetupError(ValueError):
    """Data the admin API refuses; the message says why."""


def add_vat_code(
    client: ClientState, code: str, name: str, rate: Decimal, *, is_active: bool = True
) -> dict:
    if find(client.vat_codes, "Code", code):
        raise SetupError(f"VAT code {code} already exists")
    if not Decimal(0) <= rate <= Decimal(1):
        raise SetupError(f"VAT rate {rate} must be between 0 and 1")
    row = {"Id": client.next_id(), "Code": code, "Name": name, "Rate": rate, "IsActive": is_active}
    client.vat_codes[row["Id"]] = row
    return row


def add_account(
    client: ClientState,
    account_no: int,
    name: str,
    *,
    account_type: str | None = None,
    vat_code: str | None = None,
    is_active: bool = True,
) -> dict:
    if find(client.accounts, "AccountNo", account_no):
        raise SetupError(f"account {account_no} already exists")
    account_type = account_type or _account_type(account_no)
    if account_type not in ACCOUNT_TYPES:
        raise SetupError(f"account type {account_type!r} is not one of {', '.join(ACCOUNT_TYPES)}")
    vat = _vat_code(client, vat_code)
    row = {
        "Id": client.next_id(),
        "AccountNo": account_no,
        "Name": name,
        "GeneralLedgerAccountType": account_type,
        "IsActive": is_active,
        "VatCode": vat_code,
        "VatCodeId": vat["Id"] if vat else None,
    }
    client.accounts[row["Id"]] = row
    return row


def _account_type(account_no: int) -> str:
    """NS 4102 classes: 1 assets, 20 equity, rest of 2 liabilities, 3 income, 4–8 costs."""
    if account_no < 2000:
        return "Asset"
    if account_no < 2100:
        return "Equity"
    if account_no < 3000:
        return "Liability"
    return "Income" if account_no < 4000 else "Expense"


def add_department(client: ClientState, code: str, name: str, *, is_active: bool = True) -> dict:
    if find(client.departments, "Code", code):
        raise SetupError(f"department {code} already exists")
    row = {"Id": client.next_id(), "Code": code, "Name": name, "IsActive": is_active}
    client.departments[row["Id"]] = row
    return row


def add_employee(
    client: ClientState, first_name: str, last_name: str, email: str, *, number: int | None = None
) -> dict:
    if number is None:
        number = max((row["Number"] for row in client.employees.values()), default=0) + 1
    elif find(client.employees, "Number", number):
        raise SetupError(f"employee {number} already exists")
    row = {
        "Id": client.next_id(),
        "Number": number,
        "FirstName": first_name,
        "LastName": last_name,
        "EmailAddress": email,
    }
    client.employees[row["Id"]] = row
    return row


def add_supplier(
    client: ClientState, number: int, name: str, *, organization_number: str | None = None
) -> dict:
    if find(client.suppliers, "Number", number):
        raise SetupError(f"supplier {number} already exists")
    row = {
        "Id": client.next_id(),
        "Number": number,
        "Name": name,
        "OrganizationNumber": organization_number,
    }
    client.suppliers[row["Id"]] = row
    return row


def set_lock_date(client: ClientState, lock_date: dt.date | None) -> None:
    client.lock_date = lock_date.isoformat() if lock_date else None


@dataclass(frozen=True)
class ExpenseLine:
    """One line of a supplier voucher: a net amount on an expense account."""

    account_no: int
    net_amount: Decimal
    vat_code: str | None = None
    project_code: str | None = None
    description: str = ""


@dataclass(frozen=True)
class SupplierVoucher:
    """A posted supplier invoice (or credit note) as the admin API describes it."""

    supplier_no: int
    voucher_date: dt.date
    lines: tuple[ExpenseLine, ...]
    posting_date: dt.date | None = None
    currency_code: str = "NOK"
    exchange_rate: Decimal = Decimal(1)
    description: str = ""
    invoice_no: str | None = None
    voucher_type: str = "IncomingInvoice"
    pdf: bytes | None = None
    pdf_filename: str | None = None
    is_reversed: bool = False


def post_supplier_voucher(client: ClientState, spec: SupplierVoucher) -> Voucher:
    """Store the voucher and its account transactions; refuse unknown references."""
    supplier = find(client.suppliers, "Number", spec.supplier_no)
    if supplier is None:
        raise SetupError(f"supplier {spec.supplier_no} does not exist")
    _check_voucher(client, spec)
    rates = [_vat_rate(client, line.vat_code) for line in spec.lines]
    voucher = Voucher(
        id=str(uuid.uuid4()),
        voucher_no=client.next_voucher_no(),
        voucher_type=spec.voucher_type,
        dto=_supplier_voucher_dto(spec),
        is_imported=False,
        pdf=_document(spec),
    )
    client.vouchers[voucher.id] = voucher
    client.transactions.extend(_transactions(client, voucher, spec, supplier, rates))
    return voucher


def reverse_voucher(client: ClientState, voucher_id: str) -> Voucher:
    """Mark a voucher and its transactions reversed, as a person reversing it in Go would."""
    voucher = client.vouchers.get(voucher_id.lower())
    if voucher is None:
        raise LookupError(f"voucher {voucher_id} does not exist")
    voucher.dto["IsReversed"] = True
    for row in client.transactions:
        if row["VoucherId"] == voucher.id:
            row["IsReversed"] = True
    return voucher


def _check_voucher(client: ClientState, spec: SupplierVoucher) -> None:
    if not spec.lines:
        raise SetupError("a supplier voucher needs at least one line")
    if spec.voucher_type not in SUPPLIER_VOUCHER_TYPES:
        raise SetupError(f"voucher type must be one of {', '.join(SUPPLIER_VOUCHER_TYPES)}")
    if spec.exchange_rate <= 0:
        raise SetupError("exchange rate must be positive")
    if spec.pdf is not None and not spec.pdf.startswith(PDF_MAGIC):
        raise SetupError("the documentation must be a PDF")
    for line in spec.lines:
        if find(client.accounts, "AccountNo", line.account_no) is None:
            raise SetupError(f"account {line.account_no} does not exist")
        if line.project_code and find(client.projects, "Code", line.project_code) is None:
            raise SetupError(f"project {line.project_code} does not exist")


def _vat_code(client: ClientState, code: str | None) -> dict | None:
    if code is None:
        return None
    row = find(client.vat_codes, "Code", code)
    if row is None:
        raise SetupError(f"VAT code {code} does not exist")
    return row


def _vat_rate(client: ClientState, code: str | None) -> Decimal:
    row = _vat_code(client, code)
    return row["Rate"] if row else Decimal(0)


def _document(spec: SupplierVoucher) -> Document | None:
    if spec.pdf is None:
        return None
    return Document(spec.pdf_filename or f"{spec.invoice_no or 'bilag'}.pdf", spec.pdf)


def _supplier_voucher_dto(spec: SupplierVoucher) -> dict[str, Any]:
    return {
        "SupplierNo": spec.supplier_no,
        "InvoiceNo": spec.invoice_no,
        "VoucherDate": spec.voucher_date.isoformat(),
        "PostingDate": (spec.posting_date or spec.voucher_date).isoformat(),
        "CurrencyCode": spec.currency_code,
        "CurrencyExchangeRate": spec.exchange_rate,
        "Description": spec.description,
        "IsReversed": spec.is_reversed,
        "Lines": [
            {
                "AccountNo": line.account_no,
                "NetAmount": line.net_amount,
                "VatCode": line.vat_code,
                "ProjectCode": line.project_code,
                "Description": line.description,
            }
            for line in spec.lines
        ],
    }


def _ore(amount: Decimal) -> Decimal:
    return amount.quantize(_ORE, rounding=ROUND_HALF_UP)


def _transactions(
    client: ClientState,
    voucher: Voucher,
    spec: SupplierVoucher,
    supplier: dict,
    rates: list[Decimal],
) -> list[dict]:
    """Expense lines (net, with their VAT in NOK), then input VAT, then the supplier credit."""
    common = {
        "VoucherId": voucher.id,
        "VoucherNo": voucher.voucher_no,
        "VoucherDate": voucher.voucher_date,
        "PostingDate": voucher.dto["PostingDate"],
        "VoucherType": voucher.voucher_type,
        "VoucherDescription": spec.description,
        "CurrencyCode": spec.currency_code,
        "SupplierAccountNo": spec.supplier_no,
        "IsReversed": spec.is_reversed,
    }
    rows: list[dict] = []
    vat_currency = Decimal(0)
    for line, rate in zip(spec.lines, rates, strict=True):
        line_vat = line.net_amount * rate
        vat_currency += _ore(line_vat)
        rows.append(
            {
                **common,
                "AccountNo": line.account_no,
                "Amount": _ore(line.net_amount * spec.exchange_rate),
                "CurrencyAmount": line.net_amount,
                "VatAmount": _ore(line_vat * spec.exchange_rate),
                "VatCode": line.vat_code,
                "Description": line.description,
                "ProjectCode": line.project_code,
            }
        )
    vat = sum((row["VatAmount"] for row in rows), Decimal(0))
    if vat:
        rows.append(_ledger_row(common, INPUT_VAT_ACCOUNT_NO, vat, vat_currency, "Inngående mva"))
    gross = sum((row["Amount"] for row in rows), Decimal(0))
    gross_currency = sum((row["CurrencyAmount"] for row in rows), Decimal(0))
    rows.append(
        _ledger_row(common, SUPPLIER_LEDGER_ACCOUNT_NO, -gross, -gross_currency, supplier["Name"])
    )
    return [{"Id": client.next_id(), **row} for row in rows]


def _ledger_row(
    common: dict, account_no: int, amount: Decimal, currency_amount: Decimal, description: str
) -> dict:
    return {
        **common,
        "AccountNo": account_no,
        "Amount": amount,
        "CurrencyAmount": currency_amount,
        "VatAmount": Decimal("0.00"),
        "VatCode": None,
        "Description": description,
        "ProjectCode": None,
    }
