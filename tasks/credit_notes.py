"""Credit-note transfers (queue `transfers`); the PDF goes up through the invoices' task."""

from __future__ import annotations

from config.tasks import TRANSFER_CREDIT_NOTE
from sync_worker import kinds
from sync_worker.app import app
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name=TRANSFER_CREDIT_NOTE.name, **TRANSFER_TASK)
def transfer_credit_note(self, message_id: str) -> str:
    """Post a credit note, linked to the invoice it credits, once that invoice is posted."""
    return run_transfer(self, kinds.get(kinds.CREDIT_NOTE).handler, message_id)
