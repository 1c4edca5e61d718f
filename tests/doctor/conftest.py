"""A tenant whose setup is correct, against the simulator over HTTP, with what Moment has
sent stored as the producer stores it; each test then makes one setup mistake."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from config.settings import reset_settings_cache
from sandbox.sample_data import SampleCompany
from sandbox.simulator import SimulatorAdmin, SimulatorServer
from sync_worker.db.models import EntityState, Message, Tenant
from sync_worker.db.session import session_scope
from sync_worker.doctor import Report, diagnose
from sync_worker.norway import today_in_oslo
from sync_worker.schemas.messages import parse_message
from sync_worker.tenants import TenantSettings, add_tenant
from tests.contract.helpers import CLIENT_RATE_LIMIT, pogo_environment

OWNER = "kari.nordmann@acme.no"  # an employee of the seeded client


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(rate_limit=None) as server:
        yield server


@pytest.fixture
def pogo_env(env, simulator):
    settings = pogo_environment(
        simulator.api_base_url, simulator.token_url, POGO_RATE_LIMIT_PER_SECOND=CLIENT_RATE_LIMIT
    )
    for name, value in settings.items():
        env.setenv(name, value)
    reset_settings_cache()
    return env


@dataclass
class Setup:
    """One tenant here and its client in PowerOffice Go; `send` stores Moment's messages."""

    admin: SimulatorAdmin
    code: str
    client_key: str
    tenant_id: int
    company: SampleCompany
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        """Store a message as the producer does (queued; no task is sent)."""
        raw = self.company.message(type_, data)
        envelope = parse_message(raw)
        with session_scope() as session:
            session.add(
                Message(
                    id=envelope.message_id,
                    tenant_id=self.tenant_id,
                    type=envelope.type,
                    kind=envelope.kind,
                    entity_number=envelope.entity_number,
                    version=envelope.version,
                    occurred_at=envelope.occurred_at,
                    payload=raw,
                )
            )
        self.sent.append(data)
        return data

    def transferred(self, kind: str, number: str, **state: Any) -> None:
        """Mark an entity done, as a transfer leaves it."""
        with session_scope() as session:
            session.add(
                EntityState(
                    tenant_id=self.tenant_id, kind=kind, number=number, status="done", **state
                )
            )

    def settings(self, **settings: Any) -> None:
        with session_scope() as session:
            tenant = session.get_one(Tenant, self.tenant_id)
            for name, value in vars(TenantSettings(**settings)).items():
                if value is not None:
                    setattr(tenant, name, value)

    def diagnose(self, **options: Any) -> Report:
        return diagnose(self.code, **options)

    def the_usual(self, *, owner: str = OWNER, department: str = "20") -> dict[str, Any]:
        """A customer, its project and an invoice on it: what a correct setup takes."""
        customer = self.send("customer.changed", self.company.customer())
        project = self.send(
            "project.changed",
            self.company.project(customer, department_code=department, owner_email=owner),
        )
        self.transferred("project", project["number"])
        return self.send("invoice.finalized", self.company.invoice(customer, project))


def open_setup(simulator: SimulatorServer, code: str = "acme") -> Setup:
    admin = simulator.admin
    client_key = f"doctor-{uuid.uuid4().hex[:12]}"
    admin.create_client(client_key, "Acme Konsulent AS")
    admin.seed_client(client_key)
    with session_scope() as session:
        tenant = add_tenant(
            session,
            code,
            client_key,
            TenantSettings(
                error_emails=f"regnskap@{code}.no",
                expense_import_enabled=True,
                expenses_billable_default=True,
            ),
        )
        tenant_id = tenant.id
    company = SampleCompany(code, seed=9, today=today_in_oslo() - dt.timedelta(days=1))
    return Setup(admin, code, client_key, tenant_id, company)


@pytest.fixture
def setup(clean_db, pogo_env, simulator) -> Setup:
    return open_setup(simulator)


def findings(report: Report, check: str) -> list:
    return [finding for finding in report.findings if finding.check == check]
