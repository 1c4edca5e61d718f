"""Invoices and credit notes: Moment's invoice as PowerOffice Go's outgoing invoice voucher.

Body shape and decisions: ../shared/reference/poweroffice-go-api.md, sections 7.1 and 14,
and docs/poweroffice-go.md. Invoices and credit notes go to the same journal; a credit
note's amounts are negative. Lines are gross (including VAT) and sum to the header total:
`gross_amounts` says which. Ids (accounts, VAT codes, department) and VAT rates come from
`rules.check_invoice`, which has already refused anything that would not resolve. Amounts
stay `Decimal`; the client serialises them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from sync_worker import kinds
from sync_worker.mapping.gross import ROUNDING_ACCOUNTS, GrossLines, NetLine, gross_lines
from sync_worker.schemas.entities import Invoice, InvoiceLine

VoucherKind = Literal["invoice", "credit_note"]  # kinds.INVOICE, kinds.CREDIT_NOTE


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
    gross: GrossLines,
) -> dict[str, Any]:
    """`POST /Vouchers/OutgoingInvoiceJournals`, for an invoice and a credit note alike;
    `gross` is `gross_amounts(invoice, …)`."""
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
            _line(line, amount, dimensions, account_ids, vat_ids)
            for line, amount in zip(invoice.lines, gross.amounts, strict=True)
        ],
    }
    return _without_none(header)


def gross_amounts(invoice: Invoice, vat_rates: Mapping[str, Decimal]) -> GrossLines:
    """The invoice's lines including VAT, summing to its total, with Moment's VAT per code;
    a line on the rounding account (7740 or Moment's 7746) takes the øre that balance it."""
    return gross_lines(net_lines(invoice, vat_rates), invoice.total_incl_vat)


def net_lines(invoice: Invoice, vat_rates: Mapping[str | None, Decimal]) -> list[NetLine]:
    """Moment's lines with their VAT rates; every line has a VAT code the rates know."""
    return [
        NetLine(
            net=line.amount,
            vat_code=line.vat_code,
            rate=vat_rates[line.vat_code],
            is_rounding=line.account_code in ROUNDING_ACCOUNTS,
        )
        for line in invoice.lines
    ]


def voucher_description(invoice: Invoice, kind: VoucherKind) -> str | None:
    """The invoice's description; a credit note's also names the invoice it credits."""
    if kind == kinds.INVOICE:
        return invoice.description
    credited = f"Kreditnota {invoice.number} for faktura {_matching_invoice_number(invoice, kind)}"
    return f"{credited} – {invoice.description}" if invoice.description else credited


def _matching_invoice_number(invoice: Invoice, kind: VoucherKind) -> int:
    # The invoice and its credit notes carry the same reference, so they match in the ledger.
    if kind == kinds.INVOICE:
        return invoice.number
    if invoice.credited_invoice_number is None:
        raise ValueError(f"credit note {invoice.number} names no invoice: check_invoice refuses it")
    return invoice.credited_invoice_number


def _line(
    line: InvoiceLine,
    amount: Decimal,
    dimensions: dict[str, int],
    account_ids: Mapping[str, int],
    vat_ids: Mapping[str, int],
) -> dict[str, Any]:
    body = {
        "AccountId": account_ids[line.account_code],
        "VatId": vat_ids[line.vat_code],
        "CurrencyAmount": amount,  # including VAT
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
