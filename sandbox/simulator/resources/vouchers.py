"""Outgoing invoice and credit-note vouchers, posted to the journal when created
(reference section 14), and `GET /OutgoingInvoices`, one row per such voucher.

Checks run in this order: field types, duplicates, references, lock date, credited
invoice. Duplicates come first so that a repeated POST (say, after a lost response) is
always answered "already in use", the answer the client's duplicate guard relies on.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from sandbox.simulator.body import Body
from sandbox.simulator.query import Filter, filtered, in_dates, paged
from sandbox.simulator.responses import ApiError, json_response, not_found, validation_error
from sandbox.simulator.routing import Context, Route
from sandbox.simulator.store import ClientState, Voucher, find, now_text

ENTITY = "Voucher"
INVOICE = "OutgoingInvoice"
CREDIT_NOTE = "OutgoingCreditNote"
OUTGOING_TYPES = (INVOICE, CREDIT_NOTE)
_DIGITS = re.compile(r"[0-9]{1,18}")  # InvoiceNo is int64 on /OutgoingInvoices
FILTERS = (
    Filter("invoiceNos", "InvoiceNo", "numbers"),
    Filter("voucherNos", "VoucherNo", "numbers"),
    Filter("customerNos", "CustomerNo", "numbers"),
    Filter("customMatchingReferences", "CustomMatchingReference", "codes"),
)


def post_invoice(ctx: Context) -> Response:
    return _post(ctx, INVOICE)


def post_credit_note(ctx: Context) -> Response:
    return _post(ctx, CREDIT_NOTE)


def get_invoice(ctx: Context, voucher_id: str) -> Response:
    return json_response(_voucher(ctx.client, voucher_id, INVOICE).dto)


def get_credit_note(ctx: Context, voucher_id: str) -> Response:
    return json_response(_voucher(ctx.client, voucher_id, CREDIT_NOTE).dto)


def list_outgoing_invoices(ctx: Context) -> Response:
    customers = _customers_by_ledger(ctx.client)
    rows = [_invoice_row(voucher, customers) for voucher in _outgoing(ctx.client)]
    rows = in_dates(filtered(rows, ctx.query, FILTERS), ctx.query, "VoucherDate")
    return paged(ctx.request, ctx.query, rows)


def get_outgoing_invoice(ctx: Context, voucher_id: str) -> Response:
    voucher = ctx.client.vouchers.get(voucher_id)
    if voucher is None or voucher.voucher_type not in OUTGOING_TYPES:
        raise not_found(f"Outgoing invoice with id = {voucher_id} was not found.")
    return json_response(_invoice_row(voucher, _customers_by_ledger(ctx.client)))


def _post(ctx: Context, voucher_type: str) -> Response:
    dto = _read(Body(ctx.json(), ENTITY))
    client = ctx.client
    _check_unique(client, dto)
    _check_references(client, dto)
    _check_lock_date(client, dto)
    if voucher_type == CREDIT_NOTE:
        _check_credited_invoice(client, dto["CustomMatchingReference"])
    voucher = _store(client, dto, voucher_type)
    # PowerOffice Go numbers vouchers in a background job (reference §7.1): the create
    # answer has no VoucherNo yet; any later GET has it.
    return json_response({**voucher.dto, "VoucherNo": None}, 201)


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
    return {
        "AccountId": body.integer("AccountId", required=True),
        "VatId": body.integer("VatId"),
        "CurrencyAmount": body.decimal("CurrencyAmount", required=True),
        "Description": body.text("Description"),
        "Quantity": body.decimal("Quantity"),
        "ProjectId": body.integer("ProjectId"),
        "DepartmentId": body.integer("DepartmentId"),
        "Accrual": _accrual(body.nested("Accrual")),
    }


def _accrual(body: Body | None) -> dict[str, Any] | None:
    if body is None:
        return None
    active = body.boolean("IsActive", False)
    accrual = {
        "IsActive": active,
        "FromDate": body.date("FromDate", required=active),
        "ToDate": body.date("ToDate", required=active),
        "BalanceAccountNo": body.integer("BalanceAccountNo"),
    }
    if active and accrual["ToDate"] < accrual["FromDate"]:
        raise body.error(f"{body.prefix}ToDate must not be before FromDate.")
    return accrual


def _outgoing(client: ClientState) -> list[Voucher]:
    return [v for v in client.vouchers.values() if v.voucher_type in OUTGOING_TYPES]


def _voucher(client: ClientState, voucher_id: str, voucher_type: str) -> Voucher:
    voucher = client.vouchers.get(voucher_id)
    if voucher is None or voucher.voucher_type != voucher_type:
        raise not_found(f"Voucher with id = {voucher_id} was not found.")
    return voucher


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
        if line["VatId"] is not None and line["VatId"] not in client.vat_codes:
            raise validation_error(
                ENTITY, f"{prefix}VatId: VAT code with Id = {line['VatId']} was not found."
            )
        _check_dimensions(client, line, prefix)
        balance_no = (line["Accrual"] or {}).get("BalanceAccountNo")
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


def _check_dimensions(client: ClientState, row: dict[str, Any], prefix: str) -> None:
    for field, rows, label in (
        ("ProjectId", client.projects, "project"),
        ("DepartmentId", client.departments, "department"),
    ):
        if row[field] is not None and row[field] not in rows:
            raise validation_error(
                ENTITY, f"{prefix}{field}: {label} with Id = {row[field]} was not found."
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
        accrual = line["Accrual"]
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
    )
    client.vouchers[voucher_id] = voucher
    return voucher


def _customers_by_ledger(client: ClientState) -> dict[int, dict]:
    return {customer["SubledgerAccountId"]: customer for customer in client.customers.values()}


def _invoice_row(voucher: Voucher, customers_by_ledger: dict[int, dict]) -> dict[str, Any]:
    dto = voucher.dto
    customer = customers_by_ledger[dto["CustomerAccountId"]]  # checked when it was posted
    lines = dto["OutgoingInvoiceLines"]
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
        "NetAmount": sum((line["CurrencyAmount"] for line in lines), Decimal(0)),
        "TotalAmount": dto["CurrencyAmount"],
        "CurrencyCode": dto["CurrencyCode"],
        "CustomMatchingReference": dto["CustomMatchingReference"],
        "IsReversed": voucher.is_reversed,
    }


ROUTES = (
    Route("POST", "/Vouchers/OutgoingInvoiceJournals", post_invoice),
    Route("GET", "/Vouchers/OutgoingInvoiceJournals/<voucher_id>", get_invoice),
    Route("POST", "/Vouchers/OutgoingCreditNoteJournals", post_credit_note),
    Route("GET", "/Vouchers/OutgoingCreditNoteJournals/<voucher_id>", get_credit_note),
    Route("GET", "/OutgoingInvoices", list_outgoing_invoices),
    Route("GET", "/OutgoingInvoices/<voucher_id>", get_outgoing_invoice),
)
