"""Keeping every message moving: the outbox relay (beat, every 30 s) and the sweep for
messages whose task was lost (beat, every half lease; `sync_worker.recovery`)."""

from __future__ import annotations

from config.tasks import RELAY_OUTBOX, REQUEUE_STALLED_MESSAGES
from sync_worker import dispatch, outbox, recovery
from sync_worker.app import app


@app.task(name=RELAY_OUTBOX.name, ignore_result=True)
def relay_outbox() -> int:
    """Send tasks whose enqueue failed after their transaction committed, and fill the
    broker's window with waiting messages (the dispatcher's backstop)."""
    return outbox.relay(app) + dispatch.fill(app)


@app.task(name=REQUEUE_STALLED_MESSAGES.name, ignore_result=True)
def requeue_stalled_messages() -> int:
    """Enqueue again messages whose task was lost: a worker gone, a broker that lost its
    data, an enqueue that never arrived."""
    return recovery.sweep()
