"""The look-up cache's Redis (SYNC_REDIS_URL: tokens, rate budget, look-ups; not the
broker) down for a while: every invoice still ends done, once, with its PDF, and nobody
gets an error e-mail.

The worker reaches that Redis through a door in this process, a TCP forwarder that can be
shut: while shut, connecting is refused and open connections are cut, as when the Redis
server is down. The broker and the database stay up. The worker has its own broker key
prefix, so the suite's other worker never takes its tasks.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from sync_worker.db.models import Attempt
from sync_worker.db.session import session_scope
from tests.conftest import _reset_caches
from tests.pipeline.conftest import Tenant, _tenant_id, new_tenant
from tests.support.worker import WorkerProcess, clear_broker, wait_until

INVOICES = 12
OUTAGE_SECONDS = 20
# Retries must outlast the outage: at these settings twenty of them wait 38 s at least.
RETRY_SETTINGS = {
    "SYNC_RETRY_BACKOFF_BASE": "1",
    "SYNC_RETRY_BACKOFF_MAX": "4",
    "SYNC_TRANSFER_MAX_RETRIES": "20",
}
UNAVAILABLE = "Redis was unavailable"


class Door:
    """A TCP forwarder on a fixed local port to `target`, that can be shut and opened."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)  # the accept loop looks for shut() this often
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def shut(self) -> None:
        """Refuse new connections and cut every open one."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            _close(connection)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._connections |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already cut by the other side
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


@pytest.fixture(scope="module")
def door(redis_base_url) -> Iterator[Door]:
    address = urlsplit(redis_base_url)
    door = Door((address.hostname or "127.0.0.1", address.port or 6379))
    door.open()
    yield door
    door.shut()


@pytest.fixture(scope="module")
def outage_settings(pipeline_settings, door) -> dict[str, str]:
    return {
        **pipeline_settings,
        **RETRY_SETTINGS,
        "SYNC_REDIS_URL": f"redis://127.0.0.1:{door.port}/15",
        "SYNC_BROKER_KEY_PREFIX": f"sync-outage-{uuid.uuid4().hex[:8]}:",
    }


@pytest.fixture(scope="module")
def outage_worker(outage_settings, redis_base_url) -> Iterator[WorkerProcess]:
    broker, prefix = f"{redis_base_url}/13", outage_settings["SYNC_BROKER_KEY_PREFIX"]
    clear_broker(broker, prefix)
    with WorkerProcess(outage_settings, concurrency=2, name="outage") as process:
        yield process
    clear_broker(broker, prefix)


@pytest.fixture
def tenant(monkeypatch, outage_settings, outage_worker, simulator) -> Iterator[Tenant]:
    """A fresh tenant whose messages go to the outage worker (the producer is this process)."""
    for name, value in outage_settings.items():
        monkeypatch.setenv(name, value)
    _reset_caches()
    # The suite's Celery app was built with the suite's broker prefix; this one sends to
    # the outage worker's. (Imported here: at collection it would be built from no settings.)
    from sync_worker import app as celery_app

    monkeypatch.setattr(celery_app, "app", celery_app.create_app())
    yield new_tenant(simulator, "outage")
    _reset_caches()


def messages_that_met_the_outage(tenant: Tenant) -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count(func.distinct(Attempt.message_id))).where(
                Attempt.tenant_id == _tenant_id(tenant.code),
                Attempt.outcome == "retry",
                Attempt.detail.contains(UNAVAILABLE),
            )
        )


def test_every_invoice_gets_through_an_outage_of_the_lookup_cache_redis(tenant, door, mailbox):
    invoices = []
    for _ in range(INVOICES):
        customer = tenant.sample.customer()
        invoices.append(tenant.sample.invoice(customer, tenant.sample.project(customer)))

    door.shut()
    shut_at = time.monotonic()
    try:
        tenant.publish(*(tenant.sample.message("invoice.finalized", i) for i in invoices))
        wait_until(
            lambda: messages_that_met_the_outage(tenant) == INVOICES,
            timeout=OUTAGE_SECONDS,
            what=f"all {INVOICES} invoices to meet the outage",
        )
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - shut_at)))
    finally:
        door.open()

    tenant.wait_until_all_handled(timeout=120)
    for invoice in invoices:
        state = tenant.state("invoice", invoice["number"])
        assert (state.status, state.step) == ("done", "attachment_uploaded"), state.last_error
    vouchers = tenant.vouchers()
    assert sorted(str(v["InvoiceNo"]) for v in vouchers) == sorted(
        str(i["number"]) for i in invoices
    )
    assert all(voucher["HasPdf"] for voucher in vouchers)
    assert mailbox.to(tenant.error_email) == []
