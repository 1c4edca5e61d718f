"""Read-only reference data: departments, employees, accounts, VAT codes, suppliers and the
lock date. They are set up through the admin API (`books`, `seed`), as in PowerOffice Go
they are set up by a person, not by this integration.
"""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Response

from sandbox.simulator.query import Filter, filtered, paged
from sandbox.simulator.responses import json_response
from sandbox.simulator.routing import Context, Handler, Route


def _lister(collection: str, *filters: Filter) -> Handler:
    """A list handler over one of the client's collections (`ClientState.<collection>`)."""

    def handler(ctx: Context) -> Response:
        rows = filtered(getattr(ctx.client, collection).values(), ctx.query, filters)
        return paged(ctx.request, ctx.query, rows)

    return handler


def lock_date_settings(ctx: Context) -> Response:
    # LockDateSettingsDto.LockDate is a date, not nullable: an open client has none.
    lock_date = ctx.client.lock_date
    return json_response({"LockDate": lock_date} if lock_date else {})


def number_series(ctx: Context) -> Response:
    wanted = ctx.query.codes("subLedgerNumberSeriesType")
    rows = [
        {
            "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.client.client_key}/{kind}")),
            "Name": kind,
            "SubLedgerNumberSeriesType": kind,
            "FromInclusive": first,
            "ToInclusive": last,
            "IsDefault": True,
        }
        for kind, (first, last) in ctx.client.number_series.items()
        if not wanted or kind.casefold() in wanted
    ]
    return paged(ctx.request, ctx.query, rows)


ROUTES = (
    Route("GET", "/Departments", _lister("departments", Filter("codes", "Code", "codes"))),
    Route("GET", "/Employees", _lister("employees", Filter("employeeNos", "Number", "numbers"))),
    Route(
        "GET",
        "/GeneralLedgerAccounts",
        _lister("accounts", Filter("accountNos", "AccountNo", "numbers")),
    ),
    Route("GET", "/VatCodes", _lister("vat_codes")),
    Route("GET", "/Suppliers", _lister("suppliers", Filter("supplierNos", "Number", "numbers"))),
    Route("GET", "/LockDateSettings", lock_date_settings),
    Route("GET", "/SubLedgerNumberSeries", number_series),
)
