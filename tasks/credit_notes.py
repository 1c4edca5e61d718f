"""Credit-note transfers (queue `transfers`); the PDF goes up through the invoices' task."""

from __future__ import annotations

from sync_worker.app import app
from sync_worker.transfers.invoices import transfer_voucher
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name="tasks.credit_notes.transfer_credit_note", **TRANSFER_TASK)
def transfer_credit_note(self, message_id: str) -> str:
    """Post a credit note, linked to the invoice it credits, once that invoice is posted."""
    return run_transfer(self, transfer_voucher, message_id)
