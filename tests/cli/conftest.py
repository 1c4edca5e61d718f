"""Two tenants with transfers in the states an operator meets, stored as the pipeline
stores them (no worker: the tasks wait in this session's broker, which is emptied)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner, Result

from sandbox.sample_data import SampleCompany
from sync_worker.cli import cli
from sync_worker.db.models import Attempt, EntityState, SyncStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.producer import publish_many
from sync_worker.tenants import TenantSettings, add_tenant, get_tenant
from sync_worker.transfers import state as states
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.worker import clear_broker

TENANTS = ("acme", "nordlys")
# A reason as PowerOffice Go gives it: longer than a terminal line, over two lines.
LONG_REASON = (
    "invoice 20001 (customer 10001): PowerOffice Go refused the voucher: account 3000 "
    "requires a VAT code, and line 2 has none; set the VAT code on account 3000 in Moment "
    "and send the invoice again\nPowerOffice Go said: 400 Bad Request, VatCode is required"
)


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


@pytest.fixture
def companies(clean_db, redis_base_url) -> dict[str, SampleCompany]:
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        for code in TENANTS:
            settings = TenantSettings(error_emails=f"ops@{code}.test")
            add_tenant(session, code, f"client-key-of-{code}", settings)
    return {code: SampleCompany(code) for code in TENANTS}


def published_customer(company: SampleCompany) -> dict:
    customer = company.customer()
    publish_many([company.message("customer.changed", customer)])
    return customer


def stored_state(
    company: SampleCompany,
    status: SyncStatus,
    *,
    reason: str | None = None,
    step: str | None = None,
    pogo_id: str | None = None,
) -> EntityState:
    """A customer published and its transfer left in `status`, as a worker leaves it."""
    customer = published_customer(company)
    with session_scope() as session:
        tenant_id = get_tenant(session, company.tenant).id
        state = states.get_state(session, tenant_id, "customer", customer["number"])
        state.status, state.last_error, state.step, state.pogo_id = status, reason, step, pogo_id
        state.updated_at = utcnow() - dt.timedelta(minutes=5)
        session.flush()
        if reason:
            session.add(
                Attempt(
                    tenant_id=tenant_id,
                    entity_state_id=state.id,
                    step="customer",
                    outcome="failed",
                    http_status=400,
                    detail=reason,
                    pogo_detail="VatCode is required",
                    duration_ms=42,
                )
            )
        return state
