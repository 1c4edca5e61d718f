"""Invoice transfers and their PDF attachments (queue `transfers`)."""

from __future__ import annotations

from config.tasks import TRANSFER_INVOICE, UPLOAD_INVOICE_ATTACHMENT
from sync_worker import kinds
from sync_worker.app import app
from sync_worker.transfers.invoices import upload_attachment
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name=TRANSFER_INVOICE.name, **TRANSFER_TASK)
def transfer_invoice(self, message_id: str) -> str:
    """Post a finalized invoice as an outgoing-invoice voucher, then attach its PDF."""
    return run_transfer(self, kinds.get(kinds.INVOICE).handler, message_id)


@app.task(name=UPLOAD_INVOICE_ATTACHMENT.name, **TRANSFER_TASK)
def upload_invoice_attachment(self, message_id: str) -> str:
    """Attach the invoice (or credit note) PDF to its posted voucher: the fallback, sent
    only when the transfer's own upload failed or its worker died before it."""
    return run_transfer(self, upload_attachment, message_id)
