"""Invoice transfers and their PDF attachments (queue `transfers`)."""

from __future__ import annotations

from sync_worker.app import app
from sync_worker.transfers.invoices import transfer_voucher, upload_attachment
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name="tasks.invoices.transfer_invoice", **TRANSFER_TASK)
def transfer_invoice(self, message_id: str) -> str:
    """Post a finalized invoice as an outgoing-invoice voucher, then enqueue its PDF."""
    return run_transfer(self, transfer_voucher, message_id)


@app.task(name="tasks.invoices.upload_invoice_attachment", **TRANSFER_TASK)
def upload_invoice_attachment(self, message_id: str) -> str:
    """Attach the invoice (or credit note) PDF to its posted voucher."""
    return run_transfer(self, upload_attachment, message_id)
