"""The re-check of failures whose fix lies in PowerOffice Go (queue `imports`, the
background lane): beat runs it every SYNC_RECHECK_INTERVAL_SECONDS; each failure it
re-drives goes to its transfer task as `sync-worker retry` would send it."""

from __future__ import annotations

from config.tasks import RECHECK_FAILURES
from sync_worker import recheck
from sync_worker.app import app


@app.task(name=RECHECK_FAILURES.name, ignore_result=True)
def recheck_failures() -> int:
    """Re-drive the failed transfers inside their re-check window, a batch at a time."""
    return recheck.run()
