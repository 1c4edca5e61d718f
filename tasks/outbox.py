"""The periodic outbox relay (beat, every 30 s)."""

from __future__ import annotations

from sync_worker import outbox
from sync_worker.app import app


@app.task(name="tasks.outbox.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Send tasks whose enqueue failed after their transaction committed."""
    return outbox.relay(app)
