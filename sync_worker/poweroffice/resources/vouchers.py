"""Outgoing invoices and credit notes, posted to one journal when created.

The published v2 OpenAPI has `GET /Vouchers/OutgoingInvoiceJournals/{id}` for both kinds
(its `OutgoingInvoiceVoucherType` tells them apart) and no credit-note journal; the POST is
the project's decision (reference section 14). The body is an `OutgoingInvoiceVoucherDto`
given by the caller, a credit note's with negative amounts.
"""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource


class OutgoingInvoiceJournals(Resource):
    path = "/Vouchers/OutgoingInvoiceJournals"

    def create(self, body: dict) -> dict:
        """Post the voucher → 201 with its `Id` (uuid); `VoucherNo` may still be null."""
        return self._create(body)

    def get(self, voucher_id: str) -> dict:
        return self._get(voucher_id)
