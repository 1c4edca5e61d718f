"""`GET /AccountTransactions`: the ledger's rows, of every voucher in the client: those a
person booked (`books`: supplier invoices, journals, reversals) and those the integration
posted (`vouchers`). `fromDate` and `toDate` are required and select on PostingDate, both
inclusive."""

from __future__ import annotations

from werkzeug.wrappers import Response

from sandbox.simulator.query import Filter, filtered, in_dates, paged
from sandbox.simulator.routing import Context, Route

FILTERS = (
    Filter("accountNos", "AccountNo", "numbers"),
    Filter("projectCodes", "ProjectCode", "codes"),
    Filter("departmentCodes", "DepartmentCode", "codes"),
    Filter("voucherTypes", "VoucherType", "codes"),
    Filter("voucherNos", "VoucherNo", "numbers"),
    Filter("vatCodes", "VatCode", "codes"),
)


def list_account_transactions(ctx: Context) -> Response:
    rows = in_dates(ctx.client.transactions, ctx.query, "PostingDate", required=True)
    return paged(ctx.request, ctx.query, filtered(rows, ctx.query, FILTERS))


ROUTES = (Route("GET", "/AccountTransactions", list_account_transactions),)
