"""End to end: real Redis, PostgreSQL, a Celery worker process, SMTP and the simulator.

The simulator and the SMTP server run in this process (over real sockets); the worker is
a separate `celery worker` process, as in production. Each test gets its own tenant and
its own PowerOffice Go client in the simulator, so tests never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from sandbox.sample_data import SampleCompany
from sandbox.simulator import SimulatorAdmin, SimulatorServer
from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY, DEFAULT_SUBSCRIPTION_KEY
from sync_worker.db.models import EntityState, Message
from sync_worker.db.session import session_scope
from sync_worker.notifications.mailbox import Mailbox
from sync_worker.producer import publish_many
from sync_worker.tenants import TenantSettings, add_tenant
from tests.conftest import BROKER_KEY_PREFIX, _reset_caches, service_settings
from tests.support.worker import WorkerProcess, clear_broker, wait_until


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


@pytest.fixture(scope="session")
def pipeline_settings(database_url, redis_base_url, simulator, mailbox) -> dict[str, str]:
    return {
        **service_settings(database_url, redis_base_url),
        "POGO_API_BASE_URL": simulator.api_base_url,
        "POGO_TOKEN_URL": simulator.token_url,
        "POGO_APPLICATION_KEY": DEFAULT_APPLICATION_KEY,
        "POGO_SUBSCRIPTION_KEY": DEFAULT_SUBSCRIPTION_KEY,
        "POGO_TIMEOUT_SECONDS": "5",
        "SMTP_HOST": mailbox.host,
        "SMTP_PORT": str(mailbox.port),
        "SMTP_FROM": "sync-worker@moment.test",
        # Retries in seconds, not minutes, so that "retries used up" fits in a test.
        "SYNC_RETRY_BACKOFF_BASE": "1",
        "SYNC_RETRY_BACKOFF_MAX": "2",
        "SYNC_TRANSFER_MAX_RETRIES": "3",
        "SYNC_CREDIT_NOTE_WAIT_SECONDS": "8",
        "SYNC_WAIT_FIRST_SECONDS": "1",
        "SYNC_WAIT_MAX_SECONDS": "1",
    }


@pytest.fixture(scope="session")
def worker(pipeline_settings, redis_base_url) -> Iterator[WorkerProcess]:
    """One real worker for the session, consuming every queue."""
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with WorkerProcess(pipeline_settings, concurrency=2, name="pipeline") as process:
        yield process


@pytest.fixture
def pipeline(monkeypatch, pipeline_settings, worker) -> Iterator[WorkerProcess]:
    """This process (the producer's side) pointed at the same services as the worker."""
    for name, value in pipeline_settings.items():
        monkeypatch.setenv(name, value)
    _reset_caches()
    yield worker
    _reset_caches()


@dataclass
class Tenant:
    """A Moment company with its own PowerOffice Go client in the simulator."""

    code: str
    client_key: str
    error_email: str
    admin: SimulatorAdmin
    sample: SampleCompany

    def publish(self, *messages: dict) -> None:
        results = publish_many(list(messages))
        refused = [str(r) for r in results if not r.ok]
        assert not refused, refused

    def state(self, kind: str, number: str) -> EntityState | None:
        with session_scope() as session:
            return session.scalar(
                select(EntityState).where(
                    EntityState.tenant_id == _tenant_id(self.code),
                    EntityState.kind == kind,
                    EntityState.number == str(number),
                )
            )

    def wait_for(self, kind: str, number, status: str = "done", timeout: float = 60) -> EntityState:
        def reached():
            state = self.state(kind, str(number))
            return state if state is not None and state.status == status else None

        return wait_until(reached, timeout=timeout, what=f"{kind} {number} to be {status}")

    def wait_for_email(self, mailbox: Mailbox, count: int = 1, timeout: float = 60):
        return wait_until(
            lambda: (
                mailbox.to(self.error_email) if len(mailbox.to(self.error_email)) >= count else None
            ),
            timeout=timeout,
            what=f"{count} error e-mail(s) to {self.error_email}",
        )

    def all_handled(self) -> bool:
        """Every message of this tenant done, stale or failed: the worker is through."""
        with session_scope() as session:
            statuses = session.scalars(
                select(Message.status).where(Message.tenant_id == _tenant_id(self.code))
            ).all()
        return all(status in ("done", "stale", "failed") for status in statuses)

    def wait_until_all_handled(self, timeout: float = 60) -> None:
        wait_until(self.all_handled, timeout=timeout, what=f"every message of {self.code}")

    def customers(self) -> list[dict]:
        return self.admin.customers(self.client_key)

    def projects(self) -> list[dict]:
        return self.admin.projects(self.client_key)

    def vouchers(self) -> list[dict]:
        return self.admin.vouchers(self.client_key)


def _tenant_id(code: str) -> int:
    from sync_worker.db.models import Tenant as TenantRow

    with session_scope() as session:
        return session.scalar(select(TenantRow.id).where(TenantRow.code == code))


def new_tenant(simulator: SimulatorServer, name: str = "acme") -> Tenant:
    """A fresh tenant: a seeded PowerOffice Go client and a registered Moment company."""
    suffix = uuid.uuid4().hex[:8]
    code, client_key = f"{name}-{suffix}", f"client-key-{suffix}"
    admin = simulator.admin
    admin.create_client(client_key, f"{name.capitalize()} {suffix} AS")
    admin.seed_client(client_key)
    error_email = f"errors-{suffix}@{name}.test"
    with session_scope() as session:
        add_tenant(session, code, client_key, TenantSettings(error_emails=error_email))
    return Tenant(code, client_key, error_email, admin, SampleCompany(code, seed=hash(suffix)))


@pytest.fixture
def tenant(pipeline, simulator) -> Tenant:
    """A fresh tenant of the pipeline's worker."""
    return new_tenant(simulator)
