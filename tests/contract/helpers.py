"""What the contract tests share besides fixtures: the simulator in a process of its own,
a worker's environment, request bodies built through the client, and test doubles."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from redis import Redis

from config.settings import Settings, load_settings
from sandbox.simulator import SimulatorAdmin
from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY, DEFAULT_SUBSCRIPTION_KEY
from sandbox.simulator.server import SimulatorAddresses
from sync_worker.poweroffice import PowerOfficeClient, keys
from tests.services import free_port

REDIS_DB = 15
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
# The gateway's limit is off in the contract suite, and the client's as high as settings
# allow: behaviour is the subject here. The shared limiter against the simulator's limit
# has its own test (test_rate_limit_processes.py).
CLIENT_RATE_LIMIT = "1000"
SIMULATOR_START_SECONDS = 20.0
MISSING = 999_999  # below the simulator's first id (store.FIRST_ID): no object has it


class RecordedSleep:
    """A `sleep` that notes what it was asked to wait and returns at once (429 tests)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


class Clock:
    """Wall-clock time for the token cache that moves when a test says so."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def pogo_environment(api_base_url: str, token_url: str, **overrides: str) -> dict[str, str]:
    """What a worker's environment holds to talk to a simulator (its default keys)."""
    return {
        "POGO_API_BASE_URL": api_base_url,
        "POGO_TOKEN_URL": token_url,
        "POGO_APPLICATION_KEY": DEFAULT_APPLICATION_KEY,
        "POGO_SUBSCRIPTION_KEY": DEFAULT_SUBSCRIPTION_KEY,
        "POGO_TIMEOUT_SECONDS": "5",
        **overrides,
    }


def forget_tenant(redis_client: Redis, application_key: str, client_key: str) -> None:
    """Drop a client key's cached token, lock and look-ups (a rerun must start cold)."""
    owner = keys.fingerprint(application_key, client_key)
    for key in redis_client.scan_iter(match=f"{keys.PREFIX}:*:{owner}*"):
        redis_client.delete(key)


@dataclass(frozen=True)
class SimulatorProcess(SimulatorAddresses):
    """`pogo-simulator` running in a process of its own, reached at `url`."""

    url: str


@contextlib.contextmanager
def simulator_process(*options: str) -> Iterator[SimulatorProcess]:
    """`pogo-simulator [options]` on a free port, started as a person starts it.

    Its own process keeps it clear of this one's garbage collection and threads, as
    PowerOffice Go is; it stops the way Ctrl-C stops it.
    """
    port = free_port()
    command = [str(Path(sys.executable).parent / "pogo-simulator"), *options]
    process = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        server = SimulatorProcess(f"http://127.0.0.1:{port}")
        _wait_for_health(server, process)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_health(server: SimulatorProcess, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SIMULATOR_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pogo-simulator exited with {process.returncode}")
        try:
            server.admin.health()
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail(f"pogo-simulator did not answer within {SIMULATOR_START_SECONDS:.0f} s")


def settings_from_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> Settings:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def with_settings(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)


def answered(admin: SimulatorAdmin, endpoint: str) -> dict[str, int]:
    """How the simulator answered `endpoint` ("GET /v2/Customers") in this test, by status."""
    return admin.stats()["by_endpoint"].get(endpoint, {})


def create_customer(client: PowerOfficeClient, number: int, **fields: Any) -> dict:
    return client.customers.create({"Name": f"Kunde {number} AS", "Number": number, **fields})


def invoice_body(
    client: PowerOfficeClient,
    customer: dict,
    invoice_no: str,
    *,
    net: str = "1000.00",
    **header: Any,
) -> dict[str, Any]:
    """A one-line invoice on 3000 with VAT code 3, ids found through the client's look-ups,
    its line gross (net + 25 %) as the header total; a credit note passes a negative `net`
    and `CustomMatchingReference`."""
    gross = Decimal(net) * Decimal("1.25")
    body = {
        "InvoiceNo": invoice_no,
        "ExternalImportReference": f"contract:invoice:{invoice_no}",
        "VoucherDate": dt.date(2026, 11, 25),
        "DueDate": dt.date(2026, 12, 9),
        "CustomerAccountId": customer["SubledgerAccountId"],
        "CurrencyAmount": gross,
        "OutgoingInvoiceLines": [
            {
                "AccountId": client.accounts.by_number()["3000"]["Id"],
                "VatId": client.vat_codes.by_code()["3"]["Id"],
                "CurrencyAmount": gross,
                "Description": "Rådgivning",
            }
        ],
    }
    return {**body, **header}


def post_invoice(client: PowerOfficeClient, customer: dict, invoice_no: str, **header) -> dict:
    return client.outgoing_invoice_journals.create(
        invoice_body(client, customer, invoice_no, **header)
    )
