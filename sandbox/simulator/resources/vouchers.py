"""Outgoing invoice and credit-note vouchers, posted to the journal when created
(reference section 14), and `GET /OutgoingInvoices`, one row per such voucher.

Both go through `POST /Vouchers/OutgoingInvoiceJournals`; PowerOffice Go, not the caller,
makes a voucher whose total is negative a credit note. Lines are gross (VAT included) and
must sum to the header total; the VAT of each line is derived from its VAT code's rate,
and the voucher is posted as account transactions, like any voucher in the ledger.

Checks run in this order: field types, duplicates, references, balance, lock date,
credited invoice. Duplicates come first so that a repeated POST (say, after a lost
response) is always answered "already in use", the answer the client's duplicate guard
relies on.
"""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from werkzeug.wrappers import Response

from sandbox.simulator.body import Body
from sandbox.simulator.query import Filter, filtered, in_dates, paged
from sandbox.simulator.responses import ApiError, json_response, not_found, validation_error
from sandbox.simulator.routing import Context, Route
from sandbox.simulator.store import (
    ClientState,
    LineAmounts,
    Voucher,
    find,
    ledger_row,
    now_text,
    transaction_row,
)

ENTITY = "Voucher"
INVOICE = "OutgoingInvoice"
CREDIT_NOTE = "OutgoingCreditNote"
OUTGOING_TYPES = (INVOICE, CREDIT_NOTE)
CUSTOMER_LEDGER_ACCOUNT_NO = 1500  # Kundefordringer
OUTPUT_VAT_ACCOUNT_NO = 2700  # Utgående merverdiavgift
_ORE = Decimal("0.01")
_DIGITS = re.compile(r"[0-9]{1,18}")  # InvoiceNo is int64 on /OutgoingInvoices
FILTERS = (
    Filter("invoiceNos", "InvoiceNo", "numbers"),
    Filter("voucherNos", "VoucherNo", "numbers"),
    Filter("customerNos", "CustomerNo", "numbers"),
    Filter("projectCodes", "ProjectCode", "codes"),
    Filter("customMatchingReferences", "CustomMatchingReference", "codes"),
)


def post_voucher(ctx: Context) -> Response:
    dto = _read(Body(ctx.json(), ENTITY))
    client = ctx.client
    _check_unique(client, dto)
    _check_references(client, dto)
    _check_balance(dto)
    _check_lock_date(client, dto)
    voucher_type = CREDIT_NOTE if dto["CurrencyAmount"] < 0 else INVOICE
    if voucher_type == CREDIT_NOTE:
        _check_credited_invoice(client, dto["CustomMatchingReference"])
    voucher = _store(client, dto, voucher_type)
    client.transactions.extend(_transactions(client, voucher))
    # PowerOffice Go numbers vouchers in a background job (reference §7.1): the create
    # answer has no VoucherNo yet; any later GET has it.
    return json_response({**voucher.dto, "VoucherNo": None}, 201)


def get_voucher(ctx: Context, voucher_id: str) -> Response:
    voucher = ctx.client.vouchers.get(voucher_id)
    if voucher is None or voucher.voucher_type not in OUTGOING_TYPES:
        raise not_found(f"Voucher with id = {voucher_id} was not found.")
    return json_response(voucher.dto)


def list_outgoing_invoices(ctx: Context) -> Response:
    customers = _customers_by_ledger(ctx.client)
    rows = [_invoice_row(ctx.client, voucher, customers) for voucher in _outgoing(ctx.client)]
    rows = in_dates(filtered(rows, ctx.query, FILTERS), ctx.query, "VoucherDate")
    return paged(ctx.request, ctx.query, rows)


def get_outgoing_invoice(ctx: Context, voucher_id: str) -> Response:
    voucher = ctx.client.vouchers.get(voucher_id)
    if voucher is None or voucher.voucher_type not in OUTGOING_TYPES:
        raise not_found(f"Outgoing invoice with id = {voucher_id} was not found.")
    return json_response(_invoice_row(ctx.client, voucher, _customers_by_ledger(ctx.client)))


def _read(body: Body) -> dict[str, Any]:
    invoice_no = body.text("InvoiceNo", required=True) or ""
    if not _DIGITS.fullmatch(invoice_no):
        raise body.error(f"InvoiceNo '{invoice_no}' must be a number of at most 18 digits.")
    lines = body.items("OutgoingInvoiceLines")
    if not lines:
        raise body.error("OutgoingInvoiceLines must hold at least one line.")
    rate = body.decimal("CurrencyExchangeRate")
    if rate is not None and rate <= 0:
        raise body.error("CurrencyExchangeRate must be positive.")
    return {
        "InvoiceNo": invoice_no,
        "ExternalImportReference": body.text("ExternalImportReference", max_length=50),
        "VoucherDate": body.date("VoucherDate", required=True),
        "DueDate": body.date("DueDate"),
        "CustomerAccountId": body.integer("CustomerAccountId", required=True),
        "CurrencyCode": (body.text("CurrencyCode") or "NOK").upper(),
        "CurrencyExchangeRate": rate if rate is not None else Decimal(1),
        "CurrencyAmount": body.decimal("CurrencyAmount", required=True),
        "Cid": body.text("Cid", max_length=25),
        "ProjectId": body.integer("ProjectId"),
        "DepartmentId": body.integer("DepartmentId"),
        "Description": body.text("Description"),
        "CustomMatchingReference": body.text("CustomMatchingReference"),
        "OutgoingInvoiceLines": [_line(line) for line in lines],
    }


def _line(body: Body) -> dict[str, Any]:
    line = {
        "AccountId": body.integer("AccountId", required=True),
        "VatId": body.integer("VatId"),
        "CurrencyAmount": body.decimal("CurrencyAmount", required=True),
        "Description": body.text("Description"),
        "Quantity": body.decimal("Quantity"),
        "ProjectId": body.integer("ProjectId"),
        "DepartmentId": body.integer("DepartmentId"),
    }
    accrual = _accrual(body.nested("Accrual"))
    # The spec's Accrual is an object, never null: a line without one leaves it out.
    return line if accrual is None else {**line, "Accrual": accrual}


def _accrual(body: Body | None) -> dict[str, Any] | None:
    if body is None:
        return None
    active = body.boolean("IsActive", False)
    dates = {name: body.date(name, required=active) for name in ("FromDate", "ToDate")}
    if active and dates["ToDate"] < dates["FromDate"]:
        raise body.error(f"{body.prefix}ToDate must not be before FromDate.")
    # The spec's FromDate and ToDate are dates, never null: an inactive accrual may lack them.
    given = {name: value for name, value in dates.items() if value is not None}
    return {"IsActive": active, **given, "BalanceAccountNo": body.integer("BalanceAccountNo")}


def _outgoing(client: ClientState) -> list[Voucher]:
    return [v for v in client.vouchers.values() if v.voucher_type in OUTGOING_TYPES]


def _live_invoice_no(
    client: ClientState, invoice_no: str, types: tuple[str, ...]
) -> Voucher | None:
    """The unreversed voucher of `types` with this invoice number (compared as a number)."""
    if not _DIGITS.fullmatch(invoice_no):
        return None
    return next(
        (
            v
            for v in _outgoing(client)
            if v.voucher_type in types
            and not v.is_reversed
            and int(v.dto["InvoiceNo"]) == int(invoice_no)
        ),
        None,
    )


def _check_unique(client: ClientState, dto: dict[str, Any]) -> None:
    """InvoiceNo and ExternalImportReference are unique per client; reversal frees them."""
    other = _live_invoice_no(client, dto["InvoiceNo"], OUTGOING_TYPES)
    if other is not None:
        raise _in_use("InvoiceNo", dto["InvoiceNo"], other)
    reference = dto["ExternalImportReference"]
    if reference is None:
        return
    for voucher in _outgoing(client):
        theirs = voucher.dto["ExternalImportReference"]
        if not voucher.is_reversed and theirs and theirs.casefold() == reference.casefold():
            raise _in_use("ExternalImportReference", reference, voucher)


def _in_use(field: str, value: str, other: Voucher) -> ApiError:
    return validation_error(
        ENTITY, f"{field} is already in use. '{value}' is used on (voucher) Id = {other.id}."
    )


def _check_references(client: ClientState, dto: dict[str, Any]) -> None:
    if find(client.customers, "SubledgerAccountId", dto["CustomerAccountId"]) is None:
        raise validation_error(
            ENTITY,
            f"CustomerAccountId: customer sub-ledger account with Id = "
            f"{dto['CustomerAccountId']} was not found.",
        )
    _check_dimensions(client, dto, "")
    for index, line in enumerate(dto["OutgoingInvoiceLines"]):
        prefix = f"OutgoingInvoiceLines[{index}]."
        _check_account(client, line["AccountId"], prefix)
        _check_account_settings(client, dto, line, prefix)
        if line["VatId"] is not None and line["VatId"] not in client.vat_codes:
            raise validation_error(
                ENTITY, f"{prefix}VatId: VAT code with Id = {line['VatId']} was not found."
            )
        _check_dimensions(client, line, prefix)
        balance_no = line.get("Accrual", {}).get("BalanceAccountNo")
        if balance_no is not None and find(client.accounts, "AccountNo", balance_no) is None:
            raise validation_error(
                ENTITY, f"{prefix}Accrual.BalanceAccountNo: account {balance_no} was not found."
            )


def _check_account(client: ClientState, account_id: int, prefix: str) -> None:
    account = client.accounts.get(account_id)
    if account is None:
        raise validation_error(
            ENTITY,
            f"{prefix}AccountId: general ledger account with Id = {account_id} was not found.",
        )
    if not account["IsActive"]:
        raise validation_error(
            ENTITY, f"{prefix}AccountId: general ledger account {account['AccountNo']} is inactive."
        )


def _check_account_settings(
    client: ClientState, dto: dict[str, Any], line: dict[str, Any], prefix: str
) -> None:
    """What the account's own settings demand of a line: a project, a department, or the
    VAT code the account is locked to. The header's dimensions count for every line."""
    account = client.accounts[line["AccountId"]]
    number = account["AccountNo"]
    if account.get("IsProjectRequired") and (line["ProjectId"] or dto["ProjectId"]) is None:
        raise validation_error(ENTITY, f"{prefix}ProjectId: account {number} requires a project.")
    if (
        account.get("IsDepartmentRequired")
        and (line["DepartmentId"] or dto["DepartmentId"]) is None
    ):
        raise validation_error(
            ENTITY, f"{prefix}DepartmentId: account {number} requires a department."
        )
    if account.get("IsVatCodeLocked") and line["VatId"] != account["VatCodeId"]:
        raise validation_error(
            ENTITY, f"{prefix}VatId: account {number} is locked to VAT code {account['VatCode']}."
        )


def _check_dimensions(client: ClientState, row: dict[str, Any], prefix: str) -> None:
    for field, rows, label in (
        ("ProjectId", client.projects, "project"),
        ("DepartmentId", client.departments, "department"),
    ):
        if row[field] is not None and row[field] not in rows:
            raise validation_error(
                ENTITY, f"{prefix}{field}: {label} with Id = {row[field]} was not found."
            )


def _check_balance(dto: dict[str, Any]) -> None:
    """Gross lines balance the header total, which the customer ledger is debited with."""
    lines_total = sum((line["CurrencyAmount"] for line in dto["OutgoingInvoiceLines"]), Decimal(0))
    total = dto["CurrencyAmount"]
    if lines_total != total:
        raise validation_error(
            ENTITY,
            f"The voucher does not balance: the lines' CurrencyAmount (VAT included) sum to "
            f"{lines_total:f}, the header CurrencyAmount is {total:f}.",
        )


def _check_lock_date(client: ClientState, dto: dict[str, Any]) -> None:
    """Nothing may be posted, nor accrued from, on or before the lock date."""
    lock = client.lock_date
    if lock is None:
        return
    if dto["VoucherDate"] <= lock:
        raise validation_error(
            ENTITY,
            f"VoucherDate {dto['VoucherDate']} is in a closed period: the lock date is {lock}.",
        )
    for index, line in enumerate(dto["OutgoingInvoiceLines"]):
        accrual = line.get("Accrual")
        if accrual and accrual["IsActive"] and accrual["FromDate"] <= lock:
            raise validation_error(
                ENTITY,
                f"OutgoingInvoiceLines[{index}].Accrual.FromDate {accrual['FromDate']} is in "
                f"a closed period: the lock date is {lock}.",
            )


def _check_credited_invoice(client: ClientState, reference: str | None) -> None:
    """A credit note names its invoice in CustomMatchingReference (reference section 14)."""
    if reference and _live_invoice_no(client, reference, (INVOICE,)) is not None:
        return
    raise validation_error(
        ENTITY,
        f"The credited invoice '{reference or ''}' is unknown: CustomMatchingReference must be "
        "the InvoiceNo of an outgoing invoice in this client.",
    )


def _store(client: ClientState, dto: dict[str, Any], voucher_type: str) -> Voucher:
    voucher_id, voucher_no = str(uuid.uuid4()), client.next_voucher_no()
    voucher = Voucher(
        id=voucher_id,
        voucher_no=voucher_no,
        voucher_type=voucher_type,
        dto={
            "Id": voucher_id,
            "VoucherNo": voucher_no,
            **dto,
            "IsReversed": False,
            "CreatedDateTimeOffset": now_text(),
        },
        is_imported=True,
        line_amounts=tuple(_derive(client, line) for line in dto["OutgoingInvoiceLines"]),
    )
    client.vouchers[voucher_id] = voucher
    return voucher


def _derive(client: ClientState, line: dict[str, Any]) -> LineAmounts:
    """Net = gross / (1 + rate), to the øre; the VAT is what is left, so the two sum to the
    gross exactly. A line without a VAT code carries no VAT."""
    gross = line["CurrencyAmount"]
    rate = _vat_code(client, line)["Rate"] if line["VatId"] is not None else Decimal(0)
    net = _ore(gross / (1 + rate))
    return LineAmounts(net=net, vat=gross - net)


def _vat_code(client: ClientState, line: dict[str, Any]) -> dict:
    return client.vat_codes[line["VatId"]]  # checked when it was posted


def _ore(amount: Decimal) -> Decimal:
    return amount.quantize(_ORE, rounding=ROUND_HALF_UP)


def _negated(amount: Decimal) -> Decimal:
    """−amount, but 0 stays 0: `-Decimal("0.00")` would go on the wire as -0.00."""
    return Decimal(0) - amount


def _transactions(client: ClientState, voucher: Voucher) -> list[dict]:
    """Income lines (the net credited, with their VAT), output VAT, then the customer's
    debit, which takes whatever NOK rounding left so that the voucher balances in NOK."""
    dto = voucher.dto
    customer = _customers_by_ledger(client)[dto["CustomerAccountId"]]  # checked when posted
    common = {
        "VoucherId": voucher.id,
        "VoucherNo": voucher.voucher_no,
        "VoucherDate": voucher.voucher_date,
        "PostingDate": voucher.voucher_date,
        "VoucherType": voucher.voucher_type,
        "VoucherDescription": dto["Description"],
        "CurrencyCode": dto["CurrencyCode"],
        "SupplierAccountNo": None,
        "IsReversed": False,
        "ExternalImportReference": dto["ExternalImportReference"],
    }
    rows = [
        _line_row(client, common, dto, line, amounts)
        for line, amounts in zip(dto["OutgoingInvoiceLines"], voucher.line_amounts, strict=True)
    ]
    vat = sum((row["VatAmount"] for row in rows), Decimal(0))
    vat_currency = sum((amounts.vat for amounts in voucher.line_amounts), Decimal(0))
    if vat or vat_currency:
        rows.append(
            ledger_row(common, OUTPUT_VAT_ACCOUNT_NO, vat, _negated(vat_currency), "Utgående mva")
        )
    customer_row = ledger_row(
        common,
        CUSTOMER_LEDGER_ACCOUNT_NO,
        _negated(sum((row["Amount"] for row in rows), Decimal(0))),
        _negated(sum((row["CurrencyAmount"] for row in rows), Decimal(0))),
        customer["Name"],
    )
    rows.append(
        {**customer_row, "CustomerAccountNo": customer["Number"], "ContactId": customer["Id"]}
    )
    return [transaction_row(Id=client.next_id(), **row) for row in rows]


def _line_row(
    client: ClientState,
    common: dict[str, Any],
    dto: dict[str, Any],
    line: dict[str, Any],
    amounts: LineAmounts,
) -> dict[str, Any]:
    """One income line: sales are credits, so an invoice's amounts are negative here."""
    rate = dto["CurrencyExchangeRate"]
    return {
        **common,
        "CustomerAccountNo": None,
        "ContactId": None,
        "AccountNo": client.accounts[line["AccountId"]]["AccountNo"],
        "Amount": _negated(_ore(amounts.net * rate)),
        "CurrencyAmount": _negated(amounts.net),
        "VatAmount": _negated(_ore(amounts.vat * rate)),
        "VatCode": _vat_code(client, line)["Code"] if line["VatId"] is not None else None,
        "Description": line["Description"],
        "ProjectCode": _code(client.projects, line["ProjectId"] or dto["ProjectId"]),
        "DepartmentCode": _code(client.departments, line["DepartmentId"] or dto["DepartmentId"]),
    }


def _code(rows: dict[int, dict], row_id: int | None) -> str | None:
    return rows[row_id]["Code"] if row_id is not None else None


def _customers_by_ledger(client: ClientState) -> dict[int, dict]:
    return {customer["SubledgerAccountId"]: customer for customer in client.customers.values()}


def _invoice_row(
    client: ClientState, voucher: Voucher, customers_by_ledger: dict[int, dict]
) -> dict[str, Any]:
    dto = voucher.dto
    customer = customers_by_ledger[dto["CustomerAccountId"]]  # checked when it was posted
    return {
        "Id": voucher.id,
        "InvoiceNo": int(dto["InvoiceNo"]),
        "VoucherNo": voucher.voucher_no,
        "VoucherType": voucher.voucher_type,
        "CustomerId": customer["Id"],
        "CustomerNo": customer["Number"],
        "VoucherDate": dto["VoucherDate"],
        "DueDate": dto["DueDate"],
        "Cid": dto["Cid"],
        "NetAmount": sum((amounts.net for amounts in voucher.line_amounts), Decimal(0)),
        "TotalAmount": dto["CurrencyAmount"],
        "CurrencyCode": dto["CurrencyCode"],
        "CurrencyExchangeRate": dto["CurrencyExchangeRate"],
        "ProjectId": dto["ProjectId"],
        "ProjectCode": _code(client.projects, dto["ProjectId"]),
        "DepartmentId": dto["DepartmentId"],
        "DepartmentCode": _code(client.departments, dto["DepartmentId"]),
        "CustomMatchingReference": dto["CustomMatchingReference"],
        "ExternalImportReference": dto["ExternalImportReference"],
        "IsCreatedByCurrentIntegration": voucher.is_imported,
        "CreatedDateTimeOffset": dto["CreatedDateTimeOffset"],
        "IsReversed": voucher.is_reversed,
    }


ROUTES = (
    Route("POST", "/Vouchers/OutgoingInvoiceJournals", post_voucher),
    Route("GET", "/Vouchers/OutgoingInvoiceJournals/<voucher_id>", get_voucher),
    Route("GET", "/OutgoingInvoices", list_outgoing_invoices),
    Route("GET", "/OutgoingInvoices/<voucher_id>", get_outgoing_invoice),
)
