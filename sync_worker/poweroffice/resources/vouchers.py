"""Outgoing invoice and credit-note vouchers, posted to the journal when created.

Paths per the project's decision (reference section 14); the body is an
`OutgoingInvoiceVoucherDto` given by the caller, credit notes with negative amounts.
"""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource


class _VoucherJournal(Resource):
    def create(self, body: dict) -> dict:
        """Post the voucher → 201 with its `Id` (uuid); `VoucherNo` may still be null."""
        return self._create(body)

    def get(self, voucher_id: str) -> dict:
        return self._get(voucher_id)


class OutgoingInvoiceJournals(_VoucherJournal):
    path = "/Vouchers/OutgoingInvoiceJournals"


class OutgoingCreditNoteJournals(_VoucherJournal):
    path = "/Vouchers/OutgoingCreditNoteJournals"
