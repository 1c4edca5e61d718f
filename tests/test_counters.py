"""The counters the working processes keep: each event counted once where it happens, with
short labels (an endpoint with its ids as {id}, a reason not the error's words), and a
prefork worker's processes added up through prometheus-client's multiprocess files."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import fakeredis
import pytest
import requests
import responses
from click.testing import CliRunner

from config.settings import get_settings, reset_settings_cache
from sandbox.sample_data import SampleCompany
from sync_worker import counters, metrics
from sync_worker.cli import cli
from sync_worker.db.session import session_scope
from sync_worker.errors import PermanentError, TransientError
from sync_worker.notifications import smtp
from sync_worker.notifications.compose import Email
from sync_worker.notifications.mailbox import Mailbox
from sync_worker.poweroffice import transport
from sync_worker.poweroffice.ratelimit import WINDOW_SECONDS, RateLimiter
from sync_worker.producer import publish_many
from sync_worker.tenants import add_tenant
from tests.poweroffice.conftest import FakeClock
from tests.support.worker import ROOT


def value(name: str, **labels: str) -> float:
    return counters.REGISTRY.get_sample_value(name, labels) or 0.0


@contextmanager
def counted(name: str, **labels: str) -> Iterator[list[float]]:
    """How much the sample grew while the block ran, in the list it yields."""
    before = value(name, **labels)
    grown: list[float] = []
    yield grown
    grown.append(value(name, **labels) - before)


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/Customers", "/Customers"),
        ("/Customers/10023", "/Customers/{id}"),
        ("/Vouchers/OutgoingInvoiceJournals", "/Vouchers/OutgoingInvoiceJournals"),
        ("/Projects/3f2b1c9e-8d4a-4e6f-9a1b-2c3d4e5f6a7b", "/Projects/{id}"),
        ("/Projects/3f2b1c9e8d4a4e6f9a1b2c3d4e5f6a7b/Lines/7", "/Projects/{id}/Lines/{id}"),
        ("/VoucherDocumentation?id=1234", "/VoucherDocumentation"),
        ("/Demo/OAuth/Token", "/Demo/OAuth/Token"),
    ],
)
def test_an_endpoint_is_its_path_with_the_ids_replaced(path, template):
    assert counters.endpoint(path) == template


def test_every_metric_is_named_once_with_the_prefix():
    names = [family.name for family in counters.REGISTRY.collect()]
    assert len(names) == len(set(names))
    assert all(name.startswith("sync_worker_") for name in names)


def test_messages_are_counted_by_type_status_and_a_short_reason(clean_db):
    sample = SampleCompany("acme", seed=1)
    with session_scope() as session:
        add_tenant(session, "acme", "client-key")
    customer = sample.message("customer.changed", sample.customer())
    stranger = SampleCompany("nobody", seed=2)
    unknown_tenant = stranger.message("customer.changed", stranger.customer())
    broken = {**customer, "message_id": str(uuid.uuid4()), "data": {}}
    changed = {**customer, "data": {**customer["data"], "name": "Another name AS"}}
    received = "sync_worker_messages_received_total"
    refused = "sync_worker_messages_refused_total"
    with (
        counted(received, type="customer.changed", status="accepted") as accepted,
        counted(received, type="customer.changed", status="duplicate") as duplicate,
        counted(received, type="customer.changed", status="refused") as refusals,
        counted(received, type="unknown", status="refused") as untyped,
        counted(refused, type="customer.changed", reason="contract") as contract,
        counted(refused, type="customer.changed", reason="unknown_tenant") as tenant,
        counted(refused, type="customer.changed", reason="changed_content") as content,
        counted(refused, type="unknown", reason="contract") as no_type,
    ):
        results = publish_many([customer, customer, unknown_tenant, broken, "not a message"])
        results += publish_many([changed])

    assert [r.status for r in results] == [
        "accepted",
        "duplicate",
        "refused",
        "refused",
        "refused",
        "refused",
    ]
    assert accepted == duplicate == tenant == contract == content == untyped == no_type == [1]
    assert refusals == [3]


def test_poweroffice_calls_are_counted_by_method_endpoint_and_status():
    base = "http://pogo.test/v2"
    calls = "sync_worker_poweroffice_calls_total"
    with (
        responses.RequestsMock() as rsps,
        counted(calls, method="PATCH", endpoint="/Customers/{id}", status="200") as patched,
        counted(calls, method="GET", endpoint="/Customers", status="429") as limited,
        counted("sync_worker_poweroffice_rate_limited_total", endpoint="/Customers") as rated,
        counted(calls, method="GET", endpoint="/Projects", status="no_answer") as unanswered,
    ):
        rsps.add(responses.PATCH, f"{base}/Customers/10023", json={"Id": 10023})
        rsps.add(responses.GET, f"{base}/Customers", status=429, headers={"Retry-After": "1"})
        rsps.add(responses.GET, f"{base}/Projects", body=requests.ConnectionError("refused"))
        transport.send(
            "PATCH", f"{base}/Customers/10023", operation="PATCH /Customers/10023", timeout=5
        )
        transport.send("GET", f"{base}/Customers", operation="GET /Customers", timeout=5)
        with pytest.raises(TransientError):
            transport.send("GET", f"{base}/Projects", operation="GET /Projects", timeout=5)
    assert patched == limited == rated == unanswered == [1]


def test_the_rate_limiters_wait_is_observed_by_caller():
    clock = FakeClock()
    limiter = RateLimiter(fakeredis.FakeRedis(), "key", 1, clock=clock, sleep=clock.sleep)
    waits = "sync_worker_rate_limiter_wait_seconds"
    with (
        counted(f"{waits}_count", caller="transfer") as observed,
        counted(f"{waits}_sum", caller="transfer") as seconds,
        counted(f"{waits}_bucket", caller="transfer", le="0.0") as at_once,
    ):
        limiter.acquire()
        limiter.acquire()  # one a second: this one waits a window
    assert observed == [2] and at_once == [1]
    assert seconds[0] == pytest.approx(WINDOW_SECONDS, abs=0.01)


def test_e_mails_sent_and_failing_are_counted(env):
    message = Email("subject", "body")
    with Mailbox() as box, counted("sync_worker_emails_sent_total") as sent:
        env.setenv("SMTP_HOST", box.host)
        env.setenv("SMTP_PORT", str(box.port))
        reset_settings_cache()
        smtp.send(message, ["kari@acme.example"], get_settings())
        assert len(box.emails) == 1
    assert sent == [1]

    with (
        counted("sync_worker_emails_failed_total", reason="smtp") as unreachable,
        pytest.raises(TransientError),
    ):
        smtp.send(message, ["kari@acme.example"], get_settings())  # the box is closed
    with (
        counted("sync_worker_emails_failed_total", reason="recipient") as no_recipient,
        pytest.raises(PermanentError),
    ):
        smtp.send(message, ["not an address"], get_settings())
    assert unreachable == no_recipient == [1]


def test_an_expense_import_counts_its_outcome_and_the_expenses_it_found():
    imports = "sync_worker_expense_imports_total"
    found = "sync_worker_expenses_found_total"
    with (
        counted(imports, tenant="fjord", outcome="done") as done,
        counted(imports, tenant="fjord", outcome="failed") as failed,
        counted(found, tenant="fjord", status="new") as new,
        counted(found, tenant="fjord", status="already_there") as there,
    ):
        counters.expense_import("fjord", "done", new=3, already_there=2)
        counters.expense_import("fjord", "failed")
    assert (done, failed, new, there) == ([1], [1], [3], [2])


def test_a_worker_serving_metrics_starts_afresh_in_multiprocess_mode(env, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert counters.worker_environment(0) is None  # no metrics: nothing to start afresh

    fresh = counters.worker_environment(9100)
    assert fresh is not None and os.path.isdir(fresh["PROMETHEUS_MULTIPROC_DIR"])
    assert fresh["SYNC_DATABASE_URL"] == os.environ["SYNC_DATABASE_URL"]

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/srv/metrics")
    assert counters.worker_environment(9100)["PROMETHEUS_MULTIPROC_DIR"] == "/srv/metrics"


def test_the_worker_command_execs_celery_with_the_multiprocess_directory(
    env, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    from sync_worker.app import app

    started: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(os, "execve", lambda *args: started.append(args))
    monkeypatch.setattr(app, "worker_main", lambda argv: started.append(("main", argv, {})))
    monkeypatch.setenv("SYNC_METRICS_PORT", "9100")
    reset_settings_cache()

    result = CliRunner().invoke(cli, ["worker", "--queues", "transfers"])

    assert result.exit_code == 0, result.output
    executable, argv, environment = started[0]
    assert executable == sys.executable
    assert argv[:5] == [sys.executable, "-m", "celery", "-A", "sync_worker.app"]
    assert argv[5:8] == ["worker", "-Q", "transfers"]
    assert os.path.isdir(environment["PROMETHEUS_MULTIPROC_DIR"])


MULTIPROCESS_SCRIPT = """
import os, sys
from prometheus_client import generate_latest
from sync_worker import counters, metrics

metrics.clear_multiprocess_directory()
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        counters.transfer_decided("acme", "invoice", "done")
        counters.poweroffice_call("GET /Customers/1", 200)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
    metrics.process_gone(pid)
from prometheus_client import CollectorRegistry, multiprocess
served = CollectorRegistry()
multiprocess.MultiProcessCollector(served, path=counters.multiprocess_directory())
sys.stdout.write(generate_latest(served).decode())
"""


def test_a_prefork_workers_processes_are_added_up_from_their_files(tmp_path):
    (tmp_path / "counter_1.db").write_bytes(b"")  # a worker that ran before: cleared
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    shown = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout

    assert (
        'sync_worker_transfer_outcomes_total{kind="invoice",outcome="done",tenant="acme"} 2.0'
        in shown
    )
    assert (
        'sync_worker_poweroffice_calls_total{endpoint="/Customers/{id}",method="GET",status="200"}'
        " 2.0" in shown
    )
    assert not (tmp_path / "counter_1.db").exists()


def test_outside_a_worker_the_metrics_served_are_this_processs_counters(clean_db):
    counters.transfer_decided("solo", "customer", "done")
    text = metrics.exposition().decode()
    assert (
        'sync_worker_transfer_outcomes_total{kind="customer",outcome="done",tenant="solo"}' in text
    )
    assert "sync_worker_outbox_backlog" in text
