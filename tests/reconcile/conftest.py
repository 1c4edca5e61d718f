"""A tenant whose invoices went through the real transfer steps into the simulator over
HTTP (the PDF upload too, unless a test leaves it out), for the reconciliation to compare."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from sync_worker import kinds
from sync_worker.db.models import utcnow
from sync_worker.db.session import session_scope
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.poweroffice.resources.voucher_documentation import VoucherDocumentation
from sync_worker.reconcile import Report, reconcile
from sync_worker.transfers.messages import newest_message
from sync_worker.transfers.runner import run_message
from sync_worker.transfers.state import find_state
from sync_worker.transfers.steps import ATTACHMENT_UPLOADED, VOUCHER_POSTED
from tests.doctor.conftest import (  # the simulator and its settings: the doctor's fixtures
    OWNER,
    Setup,
    open_setup,
    pogo_env,  # noqa: F401
    simulator,  # noqa: F401
)

PERIOD_DAYS = 30
UPLOAD_PATH = VoucherDocumentation.path


def find_state_of(tenant_id: int, number: str):
    with session_scope() as session:
        return find_state(session, tenant_id, kinds.INVOICE, number)


@dataclass
class Books:
    """The tenant (`setup`) and the invoices Moment finalized, by number."""

    setup: Setup
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def finalize(self, customer: dict[str, Any], project: dict[str, Any]) -> str:
        """Store an invoice as the producer does, not transferred yet; its number back."""
        invoice = self.setup.send(
            "invoice.finalized", self.setup.company.invoice(customer, project)
        )
        number = str(invoice["number"])
        self.invoices[number] = invoice
        return number

    def transfer(self, number: str, *, with_pdf: bool = True) -> None:
        """Run the invoice's transfer as the worker does: the voucher, then its PDF in the
        same run; `with_pdf=False` has PowerOffice Go refuse the upload, which is left to
        its own task (which the tests run themselves, or not)."""
        with session_scope() as session:
            message = newest_message(session, self.setup.tenant_id, kinds.INVOICE, number)
            message.dispatched_at = utcnow()  # its turn, as the dispatcher hands it out
            message_id = message.id
        if not with_pdf:
            self.setup.admin.set_faults(error_rate=1.0, error_paths=[UPLOAD_PATH])
        try:
            run_message(message_id, kinds.get(kinds.INVOICE).handler)
        finally:
            self.setup.admin.clear_faults()
        state = find_state_of(self.setup.tenant_id, number)
        assert state.step == (ATTACHMENT_UPLOADED if with_pdf else VOUCHER_POSTED), state.step

    def pogo_id(self, kind: str, number: str) -> str:
        with session_scope() as session:
            return find_state(session, self.setup.tenant_id, kind, number).pogo_id

    def client(self) -> PowerOfficeClient:
        return PowerOfficeClient(self.setup.client_key)

    def reconcile(self, date_from: dt.date | None = None, date_to: dt.date | None = None) -> Report:
        """The last `PERIOD_DAYS` days, unless told otherwise."""
        today = self.setup.company.today
        return reconcile(
            self.setup.code,
            date_from or today - dt.timedelta(days=PERIOD_DAYS),
            date_to or today,
        )


@pytest.fixture
def books(clean_db, pogo_env, simulator, monkeypatch) -> Books:  # noqa: F811
    # The worker would take the transfers from the outbox and the dispatcher; the tests
    # run them themselves.
    monkeypatch.setattr("sync_worker.outbox.send", lambda ids, app=None: len(list(ids)))
    monkeypatch.setattr("sync_worker.dispatch.fill", lambda app=None: 0)
    return Books(open_setup(simulator))


def finalize_many(books: Books, count: int, customers: int = 4) -> list[str]:
    """`count` invoices spread over `customers` customers, each with its project."""
    company = books.setup.company
    pairs = []
    for _ in range(customers):
        customer = books.setup.send("customer.changed", company.customer())
        project = company.project(customer, department_code="20", owner_email=OWNER)
        pairs.append((customer, project))
    return [books.finalize(*pairs[index % customers]) for index in range(count)]
