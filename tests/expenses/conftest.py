"""Fixtures for the expense import: the simulator over HTTP, a tenant whose projects came
from Moment, and vouchers booked in PowerOffice Go (supplier invoices and journals,
through the admin API)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import reset_settings_cache
from sandbox.simulator import (
    DEFAULT_APPLICATION_KEY,
    DEFAULT_SUBSCRIPTION_KEY,
    SimulatorAdmin,
    SimulatorServer,
)
from sync_worker.db.models import EntityState, Expense
from sync_worker.db.session import session_scope
from sync_worker.norway import today_in_oslo
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.tenants import TenantSettings, add_tenant

# Known in Moment, with the price-model override each one has.
PROJECTS = {"2026-017": None, "2026-018": True, "2026-019": False}
UNKNOWN_PROJECT = "2099-001"  # in PowerOffice Go, never sent by Moment


def pdf(text: str) -> bytes:
    """A small PDF whose bytes are unique to `text`."""
    return b"%PDF-1.4\n% " + text.encode() + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


def pogo_environment(simulator: SimulatorServer) -> dict[str, str]:
    return {
        "POGO_API_BASE_URL": simulator.api_base_url,
        "POGO_TOKEN_URL": simulator.token_url,
        "POGO_APPLICATION_KEY": DEFAULT_APPLICATION_KEY,
        "POGO_SUBSCRIPTION_KEY": DEFAULT_SUBSCRIPTION_KEY,
        # The shared rate limit is the limiter's tests' business; these go at full speed.
        "POGO_RATE_LIMIT_PER_SECOND": "200",
    }


@pytest.fixture
def pogo_env(env, simulator):
    """The test services plus the simulator as PowerOffice Go."""
    for name, value in pogo_environment(simulator).items():
        env.setenv(name, value)
    reset_settings_cache()
    return env


@dataclass
class Books:
    """One tenant and its PowerOffice Go client in the simulator."""

    admin: SimulatorAdmin
    simulator: SimulatorServer
    client_key: str
    tenant_id: int
    today: dt.date

    def voucher(
        self,
        *lines: dict[str, Any],
        posted: dt.date | None = None,
        supplier: int = 20001,
        **options: Any,
    ) -> dict:
        """A posted supplier voucher (voucher date = posting date unless given)."""
        posted = posted or self.today
        return self.admin.add_supplier_voucher(
            self.client_key,
            supplier_no=supplier,
            voucher_date=options.pop("voucher_date", posted),
            posting_date=posted,
            lines=lines,
            **options,
        )

    def journal(
        self, voucher_type: str, *lines: dict[str, Any], posted: dt.date | None = None, **options
    ) -> dict:
        """A posted journal (ManualJournal, PayrollJournal, …); its lines must balance."""
        return self.admin.add_journal(
            self.client_key,
            voucher_type=voucher_type,
            voucher_date=posted or self.today,
            lines=lines,
            **options,
        )

    def transactions(self) -> list[dict]:
        """The simulator's own rows, to change behind the importer's back."""
        return self.simulator.simulator.store.client(self.client_key).transactions


def line(account: int, net: str, vat: str | None, project: str | None, text: str = "") -> dict:
    return {
        "account_no": account,
        "net_amount": Decimal(net),
        "vat_code": vat,
        "project_code": project,
        "description": text or f"konto {account}",
    }


def new_tenant(
    code: str, client_key: str, *, projects: dict[str, bool | None] = PROJECTS, **settings: Any
) -> int:
    options = {
        "expense_import_enabled": True,
        "expenses_billable_default": False,
        "error_emails": f"regnskap@{code}.no",
        **settings,
    }
    with session_scope() as session:
        tenant = add_tenant(session, code, client_key, TenantSettings(**options))
        for number, billable in projects.items():
            session.add(
                EntityState(
                    tenant_id=tenant.id,
                    kind="project",
                    number=number,
                    status="done",
                    expenses_billable=billable,
                )
            )
        return tenant.id


def open_books(simulator: SimulatorServer, code: str = "acme", **settings: Any) -> Books:
    """A seeded client with the projects in PowerOffice Go, and its tenant here."""
    admin = simulator.admin
    client_key = f"{code}-{uuid.uuid4().hex[:8]}"
    admin.create_client(client_key, f"{code.title()} Konsulent AS")
    admin.seed_client(client_key)
    admin.set_rate_limit(None)  # the client's own limiter keeps the pace
    projects = PowerOfficeClient(client_key).projects
    for number in [*PROJECTS, UNKNOWN_PROJECT]:
        projects.create({"Code": number, "Name": f"Prosjekt {number}"})
    tenant_id = new_tenant(code, client_key, **settings)
    return Books(admin, simulator, client_key, tenant_id, today_in_oslo())


@pytest.fixture
def books(clean_db, pogo_env, simulator) -> Books:
    return open_books(simulator)


def stored_expenses(tenant_id: int) -> list[Expense]:
    with session_scope() as session:
        query = select(Expense).where(Expense.tenant_id == tenant_id).order_by(Expense.source_id)
        rows = list(session.scalars(query))
        for row in rows:
            row.attachments  # noqa: B018 - loaded while the session is open
        return rows
