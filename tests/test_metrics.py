"""The metrics the durable store answers, as Prometheus reads them: transfers by tenant,
kind and status, the backlog, and each tenant's last reconciliation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import requests
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from config.settings import get_settings
from config.tasks import TRANSFER_CUSTOMER
from sync_worker import metrics
from sync_worker.cli import cli
from sync_worker.db.models import EntityState, OutboxEntry, SyncStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.reconcile.compare import Finding, Problem, Remedy
from sync_worker.reconcile.report import Report
from sync_worker.reconcile.store import DAILY, save
from sync_worker.tenants import add_tenant
from tests.support.worker import free_port


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def seeded() -> None:
    with session_scope() as session:
        tenant_id = add_tenant(session, "acme", "client-key").id
        add_tenant(session, "fjord", "client-key-2")
        for number, status in [("1", SyncStatus.DONE), ("2", SyncStatus.DONE), ("3", "failed")]:
            session.add(
                EntityState(tenant_id=tenant_id, kind="invoice", number=number, status=status)
            )
        session.add(
            EntityState(
                tenant_id=tenant_id,
                kind="customer",
                number="10001",
                status=SyncStatus.RETRYING,
                updated_at=utcnow() - dt.timedelta(minutes=10),
            )
        )
        session.add(OutboxEntry(task_name=TRANSFER_CUSTOMER.name, args={"message_id": "m"}))
    findings = (
        Finding(Problem.DUPLICATE, "10002", "twice", "reverse one"),
        Finding(Problem.CUSTOMER, "20001", "drifted", "transfer", Remedy.SYSTEM, fixed="queued"),
    )
    period = (dt.date(2026, 11, 1), dt.date(2026, 12, 2))
    save(tenant_id, Report("acme", *period, 3, 1, 0, (), 3, DAILY))  # the night before
    save(tenant_id, Report("acme", *period, 3, 1, 0, findings, 3, DAILY))  # the last: shown


def test_the_stored_state_is_exposed_by_tenant(clean_db):
    seeded()

    exposed = samples(metrics.exposition().decode())

    assert (
        exposed[
            ("sync_worker_transfers", (("kind", "invoice"), ("status", "done"), ("tenant", "acme")))
        ]
        == 2
    )
    assert (
        exposed[
            (
                "sync_worker_transfers",
                (("kind", "invoice"), ("status", "failed"), ("tenant", "acme")),
            )
        ]
        == 1
    )
    assert exposed[("sync_worker_outbox_backlog", ())] == 1
    assert 590 < exposed[("sync_worker_oldest_pending_transfer_age_seconds", ())] < 700
    acme = (("problem", "duplicate"), ("tenant", "acme"))
    assert exposed[("sync_worker_reconciliation_findings", acme)] == 1
    assert (
        exposed[
            ("sync_worker_reconciliation_findings", (("problem", "customer"), ("tenant", "acme")))
        ]
        == 1
    )
    assert exposed[("sync_worker_reconciliation_needs_person", (("tenant", "acme"),))] == 1
    assert ("sync_worker_reconciliation_needs_person", (("tenant", "fjord"),)) not in exposed
    finished = exposed[
        ("sync_worker_reconciliation_last_finished_timestamp_seconds", (("tenant", "acme"),))
    ]
    assert abs(finished - utcnow().timestamp()) < 60


def test_the_command_prints_them_and_serves_them_for_scraping(clean_db):
    seeded()
    printed = CliRunner().invoke(cli, ["metrics"])
    assert printed.exit_code == 0, printed.output
    assert 'sync_worker_reconciliation_needs_person{tenant="acme"} 1.0' in printed.output

    port = free_port()
    server = metrics.serve("127.0.0.1", port)
    try:
        scraped = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        server.shutdown()
    assert scraped.status_code == 200
    assert samples(scraped.text) == samples(printed.output) | {
        key: value for key, value in samples(scraped.text).items() if "age_seconds" in key[0]
    }


def test_a_worker_serves_them_on_its_port_and_none_when_it_is_0_or_taken(clean_db, caplog):
    port = free_port()
    off = dataclasses.replace(get_settings(), metrics_port=0)
    on = dataclasses.replace(get_settings(), metrics_port=port, metrics_host="127.0.0.1")
    assert metrics.serve_worker(off) is None

    server = metrics.serve_worker(on)
    try:
        scraped = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert scraped.status_code == 200 and "sync_worker_outbox_backlog" in scraped.text
        assert metrics.serve_worker(on) is None  # the port is taken: said, and no crash
    finally:
        server.shutdown()
    assert f"cannot serve metrics on 127.0.0.1:{port} (SYNC_METRICS_PORT)" in caplog.text
