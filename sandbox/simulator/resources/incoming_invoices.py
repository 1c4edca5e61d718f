"""`GET /IncomingInvoices`: one row per supplier invoice or credit note
(`books.post_supplier_voucher`), with the supplier's number and the totals but none of the
cost lines, as the spec's `IncomingInvoiceListItemDto` has them.

`fromDate`/`toDate` select on the voucher (invoice) date and are optional; `voucherTypes`
can only narrow the two incoming types, which are also its default.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sandbox.simulator.books import SUPPLIER_VOUCHER_TYPES
from sandbox.simulator.query import Filter, filtered, in_dates, paged
from sandbox.simulator.routing import Context, Route
from sandbox.simulator.store import ClientState, Voucher

FILTERS = (
    Filter("voucherNos", "VoucherNo", "numbers"),
    Filter("supplierNos", "SupplierNo", "numbers"),
    Filter("voucherTypes", "VoucherType", "codes"),
    Filter("projectCodes", "ProjectCode", "codes"),
    Filter("departmentCodes", "DepartmentCode", "codes"),
)


def list_incoming_invoices(ctx: Context) -> Response:
    rows = [_row(voucher) for voucher in _incoming(ctx.client)]
    rows = in_dates(filtered(rows, ctx.query, FILTERS), ctx.query, "VoucherDate")
    return paged(ctx.request, ctx.query, rows)


def _incoming(client: ClientState) -> list[Voucher]:
    return [v for v in client.vouchers.values() if v.voucher_type in SUPPLIER_VOUCHER_TYPES]


def _row(voucher: Voucher) -> dict[str, Any]:
    """Unpaid (no payments are modelled), so the balance is the whole total."""
    dto = voucher.dto
    return {
        "Id": voucher.id,
        "VoucherNo": voucher.voucher_no,
        "VoucherType": voucher.voucher_type,
        "InvoiceNo": dto["InvoiceNo"],
        "VoucherDate": dto["VoucherDate"],
        "DueDate": dto["DueDate"],
        "SupplierId": dto["SupplierId"],
        "SupplierNo": dto["SupplierNo"],
        "CurrencyCode": dto["CurrencyCode"],
        "CurrencyExchangeRate": dto["CurrencyExchangeRate"],
        "NetAmount": dto["NetAmount"],
        "TotalAmount": dto["TotalAmount"],
        "NetPostedAmount": dto["NetPostedAmount"],
        "TotalPostedAmount": dto["TotalPostedAmount"],
        "Balance": dto["TotalAmount"],
        "ProjectCode": None,
        "DepartmentCode": None,
        "IsReversed": voucher.is_reversed,
        "CreatedDateTimeOffset": dto["CreatedDateTimeOffset"],
        "LastChangedDateTimeOffset": dto["CreatedDateTimeOffset"],
    }


ROUTES = (Route("GET", "/IncomingInvoices", list_incoming_invoices),)
