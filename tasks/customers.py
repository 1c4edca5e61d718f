"""Customer transfers (queue `transfers`)."""

from __future__ import annotations

from sync_worker.app import app
from sync_worker.transfers.customers import handle_customer_message
from tasks.base import run_transfer


@app.task(bind=True, name="tasks.customers.transfer_customer", acks_late=True)
def transfer_customer(self, message_id: str) -> str:
    """Create or update one customer in PowerOffice Go from a `customer.changed` message."""
    return run_transfer(self, handle_customer_message, message_id)
