"""Project transfers (queue `transfers`)."""

from __future__ import annotations

from sync_worker.app import app
from sync_worker.transfers.projects import ProjectSync
from tasks.base import TRANSFER_TASK, run_transfer


@app.task(name="tasks.projects.transfer_project", **TRANSFER_TASK)
def transfer_project(self, message_id: str) -> str:
    """Create or update one project in PowerOffice Go from a `project.changed` message."""
    return run_transfer(self, ProjectSync.handle_message, message_id)
