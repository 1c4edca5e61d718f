"""Incoming invoices (`/IncomingInvoices`): the supplier of a supplier voucher.

A supplier invoice's cost lines carry no supplier in the ledger (only its supplier
sub-ledger line does, and that line has no project); this list has one row per supplier
invoice or credit note, with `SupplierNo`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sync_worker.poweroffice.resources.base import Resource


class IncomingInvoices(Resource):
    path = "/IncomingInvoices"

    def by_voucher_nos(self, voucher_nos: Iterable[int]) -> list[dict]:
        """The incoming invoices and credit notes with these voucher numbers (others, and
        vouchers of other types, are simply absent)."""
        return self._rows_matching("voucherNos", sorted(set(voucher_nos)))
