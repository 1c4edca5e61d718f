"""python -m sandbox.demo"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from sandbox.simulator import SimulatorServer
from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY, DEFAULT_SUBSCRIPTION_KEY
from sync_worker.notifications.mailbox import Mailbox

# PowerOffice Go allows 10 requests a second; the demo's simulator allows more, so that
# a couple of hundred invoices take seconds. The benchmarks measure at the real limit.
DEMO_RATE_LIMIT = 50


def embedded_environment(workdir: Path, simulator: SimulatorServer, mailbox: Mailbox) -> dict:
    return {
        "SYNC_DATABASE_URL": f"sqlite:///{workdir / 'demo.db'}",
        "SYNC_BROKER_URL": "memory://",
        "SYNC_RESULT_BACKEND": "cache+memory://",
        "SYNC_REDIS_URL": "memory://",
        "SYNC_SECRET_KEY": Fernet.generate_key().decode(),
        "POGO_API_BASE_URL": simulator.api_base_url,
        "POGO_TOKEN_URL": simulator.token_url,
        "POGO_APPLICATION_KEY": DEFAULT_APPLICATION_KEY,
        "POGO_SUBSCRIPTION_KEY": DEFAULT_SUBSCRIPTION_KEY,
        "POGO_RATE_LIMIT_PER_SECOND": str(DEMO_RATE_LIMIT),
        "SMTP_HOST": mailbox.host,
        "SMTP_PORT": str(mailbox.port),
        "SMTP_FROM": "sync-worker@demo.moment.test",
        "SYNC_RETRY_BACKOFF_BASE": "1",
        "SYNC_RETRY_BACKOFF_MAX": "2",
        "SYNC_TRANSFER_MAX_RETRIES": "2",
        "SYNC_CREDIT_NOTE_WAIT_SECONDS": "5",
        "SYNC_LOG_LEVEL": "ERROR",
    }


def main() -> int:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="sync-worker-demo-"))
    with Mailbox() as mailbox, SimulatorServer(rate_limit=DEMO_RATE_LIMIT) as simulator:
        os.environ.update(embedded_environment(workdir, simulator, mailbox))
        from sandbox.demo.run import run  # reads the settings just set

        code = run(simulator, mailbox, workdir)
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s; its database: {workdir}")
    return code


if __name__ == "__main__":
    sys.exit(main())
