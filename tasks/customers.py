"""Customer transfers (queue `transfers`)."""

from __future__ import annotations

from sync_worker.app import app
from sync_worker.transfers.customers import CustomerSync
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name="tasks.customers.transfer_customer", **TRANSFER_TASK)
def transfer_customer(self, message_id: str) -> str:
    """Create or update one customer in PowerOffice Go from a `customer.changed` message."""
    return run_transfer(self, CustomerSync.handle_message, message_id)
