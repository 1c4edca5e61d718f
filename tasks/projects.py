"""Project transfers (queue `transfers`)."""

from __future__ import annotations

from config.tasks import TRANSFER_PROJECT
from sync_worker import kinds
from sync_worker.app import app
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name=TRANSFER_PROJECT.name, **TRANSFER_TASK)
def transfer_project(self, message_id: str) -> str:
    """Create or update one project in PowerOffice Go from a `project.changed` message."""
    return run_transfer(self, kinds.get(kinds.PROJECT).handler, message_id)
