"""Invoices and credit notes: Moment's invoice as PowerOffice Go's outgoing invoice voucher.

Body shape and decisions: ../shared/reference/poweroffice-go-api.md, sections 7.1 and 14.
Ids (accounts, VAT codes, department) come from `rules.check_invoice`, which has already
refused anything that would not resolve. Amounts stay `Decimal`; the client serialises them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sync_worker.schemas.entities import Invoice, InvoiceLine

VoucherKind = Literal["invoice", "credit_note"]


def voucher_body(
    invoice: Invoice,
    *,
    kind: VoucherKind,
    external_reference: str,
    customer_ledger_id: int,
    project_id: int | None,
    department_id: int | None,
    account_ids: Mapping[str, int],
    vat_ids: Mapping[str, int],
) -> dict[str, Any]:
    """`POST /Vouchers/OutgoingInvoiceJournals` (or `OutgoingCreditNoteJournals`)."""
    dimensions = _without_none({"ProjectId": project_id, "DepartmentId": department_id})
    header = {
        "InvoiceNo": str(invoice.number),
        "ExternalImportReference": external_reference,
        "VoucherDate": invoice.invoice_date.isoformat(),
        "DueDate": invoice.due_date.isoformat(),
        "CustomerAccountId": customer_ledger_id,
        "CurrencyCode": invoice.currency_code,
        "CurrencyExchangeRate": invoice.currency_rate,
        "CurrencyAmount": invoice.total_incl_vat,
        "Cid": invoice.kid,
        "Description": voucher_description(invoice, kind),
        "CustomMatchingReference": str(_matching_invoice_number(invoice, kind)),
        **dimensions,
        "OutgoingInvoiceLines": [
            _line(line, dimensions, account_ids, vat_ids) for line in invoice.lines
        ],
    }
    return _without_none(header)


def voucher_description(invoice: Invoice, kind: VoucherKind) -> str | None:
    """The invoice's description; a credit note's also names the invoice it credits."""
    if kind == "invoice":
        return invoice.description
    credited = f"Kreditnota {invoice.number} for faktura {_matching_invoice_number(invoice, kind)}"
    return f"{credited} – {invoice.description}" if invoice.description else credited


def _matching_invoice_number(invoice: Invoice, kind: VoucherKind) -> int:
    # The invoice and its credit notes carry the same reference, so they match in the ledger.
    if kind == "invoice":
        return invoice.number
    if invoice.credited_invoice_number is None:
        raise ValueError(f"credit note {invoice.number} names no invoice: check_invoice refuses it")
    return invoice.credited_invoice_number


def _line(
    line: InvoiceLine,
    dimensions: dict[str, int],
    account_ids: Mapping[str, int],
    vat_ids: Mapping[str, int],
) -> dict[str, Any]:
    body = {
        "AccountId": account_ids[line.account_code],
        "VatId": vat_ids[line.vat_code],  # check_invoice refuses a line without a VAT code
        "CurrencyAmount": line.amount,  # excluding VAT
        "Description": line.description,
        "Quantity": line.quantity,
        **dimensions,
    }
    if line.accrual is not None:
        body["Accrual"] = {
            "IsActive": True,
            "FromDate": line.accrual.from_.isoformat(),
            "ToDate": line.accrual.to.isoformat(),
        }
    return _without_none(body)


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    # A key PowerOffice Go does not get is a value we do not have.
    return {key: value for key, value in body.items() if value is not None}
