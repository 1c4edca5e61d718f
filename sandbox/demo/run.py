"""Drives the demo: set up, publish, let a real worker transfer, then report."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from sandbox.demo import report
from sandbox.demo.scenario import TENANTS, DemoTenant, build
from sandbox.simulator import SimulatorServer
from sync_worker.app import app
from sync_worker.db import migrate
from sync_worker.db.models import Message
from sync_worker.db.session import session_scope
from sync_worker.notifications.mailbox import Mailbox
from sync_worker.producer import PublishResult, publish_many
from sync_worker.tenants import TenantSettings, add_tenant

SETTLE_TIMEOUT_SECONDS = 300


def run(simulator: SimulatorServer, mailbox: Mailbox, workdir: Path) -> int:
    migrate.upgrade()
    tenants = [build(tenant, seed=n) for n, tenant in enumerate(TENANTS, start=1)]
    for tenant in tenants:
        _register(tenant, simulator)
    report.header(tenants, simulator)
    with start_worker(
        app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="ERROR",
        shutdown_timeout=30,
    ):
        started = time.monotonic()
        results = publish_many([m for tenant in tenants for m in tenant.messages])
        report.published(results, tenants)
        settled = _wait_until_settled(_accepted(results))
        elapsed = time.monotonic() - started
    report.outcome(tenants, simulator, mailbox, elapsed)
    return 0 if settled else 1


def _register(tenant: DemoTenant, simulator: SimulatorServer) -> None:
    simulator.admin.create_client(tenant.client_key, tenant.name)
    simulator.admin.seed_client(tenant.client_key, lock_date=tenant.lock_date)
    with session_scope() as session:
        add_tenant(
            session,
            tenant.code,
            tenant.client_key,
            TenantSettings(name=tenant.name, error_emails=tenant.error_email),
        )


def _accepted(results: list[PublishResult]) -> int:
    return sum(1 for r in results if r.status == "accepted")


def _wait_until_settled(expected: int) -> bool:
    """Wait until every accepted message is done, stale or failed; show progress."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    last = None
    while time.monotonic() < deadline:
        counts = _message_statuses()
        handled = expected - counts.get("queued", 0)
        if handled != last:
            report.progress(handled, expected)
            last = handled
        if handled >= expected:
            report.progress_done()
            return True
        time.sleep(0.5)
    report.progress_done()
    print(f"Not everything settled within {SETTLE_TIMEOUT_SECONDS} s.")
    return False


def _message_statuses() -> Counter:
    with session_scope() as session:
        rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
        return Counter(dict(rows.all()))
