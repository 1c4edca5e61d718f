"""Outgoing invoices as posted (`/OutgoingInvoices`): how a duplicate is found again."""

from __future__ import annotations

from typing import Any

from sync_worker.poweroffice.resources.base import Resource


class OutgoingInvoices(Resource):
    path = "/OutgoingInvoices"

    def find_by_invoice_no(self, invoice_no: int | str) -> dict | None:
        """The invoice (or credit note) with this number; its `Id` is the voucher's id."""
        wanted = str(invoice_no)
        return self._first(lambda row: str(row.get("InvoiceNo")) == wanted, invoiceNos=wanted)

    def list(self, **filters: Any) -> list[dict]:
        """Every invoice matching PowerOffice Go's filters (`fromDate=…`, `customerNos=…`)."""
        return self._rows(**filters)
