"""The client's books as set up from outside the API: reference data, and the vouchers a
person books in PowerOffice Go (supplier invoices, journals, reversals).

The admin API and `seed.py` both go through these functions. Vouchers are posted the way
a ledger holds them, which is what a reader of `GET /AccountTransactions` meets:

- a supplier invoice: one row per cost line (net, its VAT beside it, the line's project,
  no supplier), one on the input-VAT account, and ONE on the supplier sub-ledger (2400)
  that carries `SupplierAccountNo` and no project, so the voucher balances;
- a journal (manual, payroll, expense, cash, bank): its lines as given, input VAT added,
  refused unless it balances;
- a reversal: the original and its rows marked `IsReversed`, and a new `ReversalVoucher`
  with the opposite rows. The spec describes `IsReversed` as "the voucher this transaction
  belongs to has been reversed by a reversal voucher", so the reversal's own rows are not
  marked: they are told apart by their voucher type.

Documentation is kept per voucher as PowerOffice Go keeps it: a PDF, scanned pages (JPEG
images only), or an EHF invoice with its pages rendered as images and no PDF.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from PIL import Image

from sandbox.simulator.store import (
    ClientState,
    Document,
    Voucher,
    find,
    ledger_row,
    now_text,
    transaction_row,
)

ACCOUNT_TYPES = ("Asset", "Liability", "Equity", "Income", "Expense")
SUPPLIER_VOUCHER_TYPES = ("IncomingInvoice", "IncomingCreditNote")
JOURNAL_VOUCHER_TYPES = (
    "ManualJournal",
    "PayrollJournal",
    "Expense",
    "TravelExpense",
    "CashJournal",
    "BankJournal",
)
REVERSAL_VOUCHER_TYPE = "ReversalVoucher"
SUPPLIER_LEDGER_ACCOUNT_NO = 2400  # Leverandørgjeld
INPUT_VAT_ACCOUNT_NO = 2710  # Inngående merverdiavgift
PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
_ORE = Decimal("0.01")
_ZERO = Decimal("0.00")


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
    is_project_required: bool = False,
    is_department_required: bool = False,
    is_vat_code_locked: bool = False,
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
        "IsProjectRequired": is_project_required,
        "IsDepartmentRequired": is_department_required,
        "IsVatCodeLocked": is_vat_code_locked,
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
    """One line as a person books it: a net amount on an account, VAT by its code.

    `supplier_no` is for journals only (a line on the supplier ledger, say a bank journal
    paying a supplier); a supplier invoice's supplier is the voucher's.
    """

    account_no: int
    net_amount: Decimal
    vat_code: str | None = None
    project_code: str | None = None
    description: str = ""
    supplier_no: int | None = None


@dataclass(frozen=True)
class Documentation:
    """What is attached to a voucher: a PDF, scanned pages, or an EHF invoice (`ehf`),
    whose pages PowerOffice Go renders as images; the pages are JPEGs in sort order."""

    pdf: bytes | None = None
    pdf_filename: str | None = None
    page_images: tuple[bytes, ...] = ()
    ehf: bool = False


@dataclass(frozen=True)
class SupplierVoucher:
    """A posted supplier invoice (or credit note) as the admin API describes it."""

    supplier_no: int
    voucher_date: dt.date
    lines: tuple[ExpenseLine, ...]
    posting_date: dt.date | None = None
    due_date: dt.date | None = None
    currency_code: str = "NOK"
    exchange_rate: Decimal = Decimal(1)
    description: str = ""
    invoice_no: str | None = None
    voucher_type: str = "IncomingInvoice"
    documentation: Documentation = Documentation()
    is_reversed: bool = False  # posted, then reversed at once


@dataclass(frozen=True)
class Journal:
    """A journal voucher in NOK (manual, payroll, expense, cash or bank journal)."""

    voucher_type: str
    voucher_date: dt.date
    lines: tuple[ExpenseLine, ...]
    posting_date: dt.date | None = None
    description: str = ""
    documentation: Documentation = Documentation()
    is_reversed: bool = False


def page_image(number: int) -> bytes:
    """A tiny scanned page (JPEG) whose width, 40 + `number` pixels, tells pages apart."""
    shade = 255 - (number * 37) % 200
    buffer = io.BytesIO()
    Image.new("RGB", (40 + number, 56), (shade, shade, 255)).save(buffer, "JPEG", dpi=(72, 72))
    return buffer.getvalue()


def post_supplier_voucher(client: ClientState, spec: SupplierVoucher) -> Voucher:
    """Store the voucher and its account transactions; refuse unknown references."""
    supplier = find(client.suppliers, "Number", spec.supplier_no)
    if supplier is None:
        raise SetupError(f"supplier {spec.supplier_no} does not exist")
    if spec.voucher_type not in SUPPLIER_VOUCHER_TYPES:
        raise SetupError(f"voucher type must be one of {', '.join(SUPPLIER_VOUCHER_TYPES)}")
    if spec.exchange_rate <= 0:
        raise SetupError("exchange rate must be positive")
    if any(line.supplier_no is not None for line in spec.lines):
        raise SetupError("a supplier invoice's supplier is the voucher's, not a line's")
    _check_lines(client, spec.lines)
    _check_documentation(spec.documentation)
    posting_date = spec.posting_date or spec.voucher_date
    voucher = _new_voucher(
        client,
        spec.voucher_type,
        {
            "SupplierNo": spec.supplier_no,
            "SupplierId": supplier["Id"],
            "InvoiceNo": spec.invoice_no,
            "VoucherDate": spec.voucher_date.isoformat(),
            "PostingDate": posting_date.isoformat(),
            "DueDate": (spec.due_date or spec.voucher_date).isoformat(),
            "CurrencyCode": spec.currency_code,
            "CurrencyExchangeRate": spec.exchange_rate,
            "Description": spec.description,
            "Lines": [_line_view(line) for line in spec.lines],
        },
        spec.documentation,
    )
    costs = _cost_rows(client, voucher, spec.lines, spec.exchange_rate)
    vat = _vat_rows(client, voucher, spec.lines, costs)
    credit = _supplier_row(voucher, costs + vat, supplier)
    voucher.dto.update(_totals(costs, credit))
    _book(client, voucher, [*costs, *vat, credit])
    if spec.is_reversed:
        reverse_voucher(client, voucher.id)
    return voucher


def post_journal(client: ClientState, spec: Journal) -> Voucher:
    """Store a journal voucher; refused unless its lines and their VAT balance to zero."""
    if spec.voucher_type not in JOURNAL_VOUCHER_TYPES:
        raise SetupError(f"journal type must be one of {', '.join(JOURNAL_VOUCHER_TYPES)}")
    _check_lines(client, spec.lines)
    _check_documentation(spec.documentation)
    suppliers = {line.supplier_no: _supplier(client, line.supplier_no) for line in spec.lines}
    imbalance = sum(
        (
            _ore(line.net_amount) + _ore(line.net_amount * _vat_rate(client, line.vat_code))
            for line in spec.lines
        ),
        Decimal(0),
    )
    if imbalance:
        raise SetupError(
            f"the journal does not balance: its lines and their VAT sum to {imbalance}"
        )
    posting_date = spec.posting_date or spec.voucher_date
    voucher = _new_voucher(
        client,
        spec.voucher_type,
        {
            "VoucherDate": spec.voucher_date.isoformat(),
            "PostingDate": posting_date.isoformat(),
            "CurrencyCode": "NOK",
            "Description": spec.description,
            "Lines": [_line_view(line) for line in spec.lines],
        },
        spec.documentation,
    )
    rows = _cost_rows(client, voucher, spec.lines, Decimal(1), suppliers)
    _book(client, voucher, rows + _vat_rows(client, voucher, spec.lines, rows))
    if spec.is_reversed:
        reverse_voucher(client, voucher.id)
    return voucher


def reverse_voucher(client: ClientState, voucher_id: str) -> Voucher:
    """Reverse a voucher as a person does in PowerOffice Go; the new reversal voucher back.

    The original and its rows are marked reversed; the reversal voucher, dated as the
    original, holds the opposite rows and names the original (`ReversedVoucherId`).
    """
    original = client.vouchers.get(voucher_id.lower())
    if original is None:
        raise LookupError(f"voucher {voucher_id} does not exist")
    if original.is_reversed or original.voucher_type == REVERSAL_VOUCHER_TYPE:
        raise SetupError(f"voucher {original.voucher_no} is already reversed or a reversal")
    reversal = _new_voucher(
        client,
        REVERSAL_VOUCHER_TYPE,
        {
            "VoucherDate": original.voucher_date,
            "PostingDate": original.dto.get("PostingDate", original.voucher_date),
            "Description": f"Reversering av bilag {original.voucher_no}",
            "ReversedVoucherId": original.id,
            "ReversedVoucherNo": original.voucher_no,
        },
        Documentation(),
    )
    client.vouchers[reversal.id] = reversal
    original.dto["IsReversed"] = True
    rows = [row for row in client.transactions if row["VoucherId"] == original.id]
    for row in rows:
        row["IsReversed"] = True
    client.transactions.extend(_opposite(client, reversal, row) for row in rows)
    return reversal


def _new_voucher(
    client: ClientState, voucher_type: str, dto: dict[str, Any], documentation: Documentation
) -> Voucher:
    voucher = Voucher(
        id=str(uuid.uuid4()),
        voucher_no=client.next_voucher_no(),
        voucher_type=voucher_type,
        dto={**dto, "IsReversed": False, "CreatedDateTimeOffset": now_text()},
        is_imported=False,
    )
    _attach(voucher, documentation)
    return voucher


def _book(client: ClientState, voucher: Voucher, rows: list[dict[str, Any]]) -> None:
    client.vouchers[voucher.id] = voucher
    client.transactions.extend(transaction_row(Id=client.next_id(), **row) for row in rows)


def _check_lines(client: ClientState, lines: tuple[ExpenseLine, ...]) -> None:
    if not lines:
        raise SetupError("a voucher needs at least one line")
    for line in lines:
        if find(client.accounts, "AccountNo", line.account_no) is None:
            raise SetupError(f"account {line.account_no} does not exist")
        if line.project_code and find(client.projects, "Code", line.project_code) is None:
            raise SetupError(f"project {line.project_code} does not exist")
        _vat_code(client, line.vat_code)


def _check_documentation(documentation: Documentation) -> None:
    if documentation.pdf is not None and not documentation.pdf.startswith(PDF_MAGIC):
        raise SetupError("the documentation must be a PDF")
    if any(not page.startswith(JPEG_MAGIC) for page in documentation.page_images):
        raise SetupError("page images must be JPEG")
    if documentation.ehf and (documentation.pdf is not None or not documentation.page_images):
        raise SetupError("an EHF voucher has its pages as images and no PDF")


def _supplier(client: ClientState, number: int | None) -> dict | None:
    if number is None:
        return None
    supplier = find(client.suppliers, "Number", number)
    if supplier is None:
        raise SetupError(f"supplier {number} does not exist")
    return supplier


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


def _ore(amount: Decimal) -> Decimal:
    return amount.quantize(_ORE, rounding=ROUND_HALF_UP)


def _attach(voucher: Voucher, documentation: Documentation) -> None:
    number = voucher.voucher_no
    if documentation.pdf is not None:
        voucher.pdf = Document(
            documentation.pdf_filename or f"bilag-{number}.pdf", documentation.pdf
        )
    # The page's sort order is in its file name, 0 being the main page.
    voucher.images = tuple(
        Document(f"{number}_{order}.jpg", page)
        for order, page in enumerate(documentation.page_images)
    )
    if documentation.ehf:
        voucher.ehf = Document(f"{number}.xml", _ehf_invoice(voucher))


def _ehf_invoice(voucher: Voucher) -> bytes:
    """A token EHF (UBL) invoice: only that there is one matters to a reader of the API."""
    invoice_no = voucher.dto.get("InvoiceNo") or voucher.voucher_no
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        f"<cbc:ID>{invoice_no}</cbc:ID>"
        f"<cbc:IssueDate>{voucher.voucher_date}</cbc:IssueDate></Invoice>\n"
    ).encode()


def _line_view(line: ExpenseLine) -> dict[str, Any]:
    return {
        "AccountNo": line.account_no,
        "NetAmount": line.net_amount,
        "VatCode": line.vat_code,
        "ProjectCode": line.project_code,
        "SupplierNo": line.supplier_no,
        "Description": line.description,
    }


def _common(voucher: Voucher) -> dict[str, Any]:
    dto = voucher.dto
    return {
        "VoucherId": voucher.id,
        "VoucherNo": voucher.voucher_no,
        "VoucherDate": voucher.voucher_date,
        "PostingDate": dto["PostingDate"],
        "VoucherType": voucher.voucher_type,
        "VoucherDescription": dto["Description"],
        "CurrencyCode": dto["CurrencyCode"],
        "IsReversed": False,
        "CustomerAccountNo": None,
        "DepartmentCode": None,
    }


def _cost_rows(
    client: ClientState,
    voucher: Voucher,
    lines: tuple[ExpenseLine, ...],
    exchange_rate: Decimal,
    suppliers: dict[int | None, dict | None] | None = None,
) -> list[dict[str, Any]]:
    """The lines as booked: net in NOK, their VAT beside them, each with its project."""
    rows = []
    for line in lines:
        supplier = (suppliers or {}).get(line.supplier_no)
        vat = line.net_amount * _vat_rate(client, line.vat_code)
        rows.append(
            {
                **_common(voucher),
                "SupplierAccountNo": supplier["Number"] if supplier else None,
                "ContactId": supplier["Id"] if supplier else None,
                "AccountNo": line.account_no,
                "Amount": _ore(line.net_amount * exchange_rate),
                "CurrencyAmount": line.net_amount,
                "VatAmount": _ore(vat * exchange_rate),
                "VatCode": line.vat_code,
                "Description": line.description,
                "ProjectCode": line.project_code,
            }
        )
    return rows


def _vat_rows(
    client: ClientState,
    voucher: Voucher,
    lines: tuple[ExpenseLine, ...],
    cost_rows: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The input VAT of all lines on one row, or none when there is no VAT."""
    vat = sum((row["VatAmount"] for row in cost_rows), Decimal(0))
    if not vat:
        return []
    vat_currency = sum(
        (_ore(line.net_amount * _vat_rate(client, line.vat_code)) for line in lines), Decimal(0)
    )
    return [ledger_row(_common(voucher), INPUT_VAT_ACCOUNT_NO, vat, vat_currency, "Inngående mva")]


def _supplier_row(voucher: Voucher, rows: list[dict[str, Any]], supplier: dict) -> dict[str, Any]:
    """The supplier sub-ledger: the gross credited, the supplier named, no project."""
    row = ledger_row(
        _common(voucher),
        SUPPLIER_LEDGER_ACCOUNT_NO,
        -sum((row["Amount"] for row in rows), Decimal(0)),
        -sum((row["CurrencyAmount"] for row in rows), Decimal(0)),
        supplier["Name"],
    )
    return {**row, "SupplierAccountNo": supplier["Number"], "ContactId": supplier["Id"]}


def _totals(costs: list[dict[str, Any]], credit: dict[str, Any]) -> dict[str, Decimal]:
    """A supplier invoice's totals as `GET /IncomingInvoices` shows them."""
    return {
        "TotalAmount": -credit["CurrencyAmount"],
        "TotalPostedAmount": -credit["Amount"],
        "NetAmount": sum((row["CurrencyAmount"] for row in costs), Decimal(0)),
        "NetPostedAmount": sum((row["Amount"] for row in costs), Decimal(0)),
    }


def _opposite(client: ClientState, reversal: Voucher, row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "Id": client.next_id(),
        "VoucherId": reversal.id,
        "VoucherNo": reversal.voucher_no,
        "VoucherType": reversal.voucher_type,
        "VoucherDescription": reversal.dto["Description"],
        "IsReversed": False,
        "ReversedVoucherId": reversal.dto["ReversedVoucherId"],
        "ReversedVoucherNo": reversal.dto["ReversedVoucherNo"],
        "Amount": -row["Amount"],
        "CurrencyAmount": -row["CurrencyAmount"],
        "VatAmount": -row["VatAmount"],
    }
