"""Incoming invoices (`/IncomingInvoices`): the supplier of a supplier voucher.

A supplier invoice's cost lines carry no supplier in the ledger (only its supplier
sub-ledger line does, and that line has no project); this list has one row per supplier
invoice or credit note, with `SupplierNo`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sync_worker.poweroffice.resources.base import Resource

# Voucher numbers per request: keeps the query string far below gateway URL limits.
CHUNK = 100


class IncomingInvoices(Resource):
    path = "/IncomingInvoices"

    def by_voucher_nos(self, voucher_nos: Iterable[int]) -> list[dict]:
        """The incoming invoices and credit notes with these voucher numbers (others, and
        vouchers of other types, are simply absent)."""
        wanted = sorted(set(voucher_nos))
        rows: list[dict] = []
        for start in range(0, len(wanted), CHUNK):
            rows += self._rows(voucherNos=wanted[start : start + CHUNK])
        return rows
