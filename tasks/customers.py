"""Customer transfers (queue `transfers`)."""

from __future__ import annotations

from config.tasks import TRANSFER_CUSTOMER
from sync_worker import kinds
from sync_worker.app import app
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name=TRANSFER_CUSTOMER.name, **TRANSFER_TASK)
def transfer_customer(self, message_id: str) -> str:
    """Create or update one customer in PowerOffice Go from a `customer.changed` message."""
    return run_transfer(self, kinds.get(kinds.CUSTOMER).handler, message_id)
