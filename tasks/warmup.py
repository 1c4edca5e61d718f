"""The warm-up (queue `imports`, the background lane): beat runs it once a tick; each run
renews the tokens and look-ups of the active tenants whose turn it is."""

from __future__ import annotations

from config.tasks import WARM_UP_TENANTS
from sync_worker.app import app
from sync_worker.poweroffice import warmup


@app.task(name=WARM_UP_TENANTS.name, ignore_result=True)
def warm_up_tenants() -> int:
    """Renew what runs out soon for the tenants whose turn it is; how many were warmed."""
    return len(warmup.run())
