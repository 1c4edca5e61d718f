"""What Moment's backend sees: claim, acknowledge, offered again, concurrent claimers."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from decimal import Decimal

import pytest

from sync_worker.db.models import Expense, ExpenseAttachment, utcnow
from sync_worker.db.session import session_scope
from sync_worker.expenses import moment_api
from sync_worker.tenants import UnknownTenant
from tests.expenses.conftest import new_tenant, pdf

LATER = dt.timedelta(minutes=11)  # past the 10-minute lease


@pytest.fixture
def acme(clean_db) -> int:
    return new_tenant("acme", "client-key")


def store(tenant_id: int, count: int, *, with_pdf: bool = False) -> list[int]:
    ids = []
    with session_scope() as session:
        for n in range(count):
            expense = Expense(
                tenant_id=tenant_id,
                source_id=f"pogo:voucher:v{n}:line:{n}",
                project_number="2026-017",
                description=f"Utlegg {n}",
                amount_incl_vat=Decimal("2480.00"),
                supplier_name="Norwegian Air Shuttle ASA",
                invoice_date=dt.date(2026, 11, 24),
                account_code="7140",
                billable=True,
                voucher_id=f"v{n}",
            )
            if with_pdf:
                content = pdf(f"bilag {n}")
                expense.attachments.append(
                    ExpenseAttachment(
                        filename=f"bilag-{n}.pdf",
                        content=content,
                        sha256=hashlib.sha256(content).hexdigest(),
                    )
                )
            session.add(expense)
            session.flush()
            ids.append(expense.id)
    return ids


def test_a_claim_gives_the_contracts_record_with_attachment_bytes(acme):
    store(acme, 1, with_pdf=True)

    batch = moment_api.claim_expenses("acme")

    (record,) = batch.records()
    attachment = record["attachments"][0]
    assert base64.b64decode(attachment["content_base64"]) == pdf("bilag 0")
    assert {k: v for k, v in record.items() if k != "attachments"} == {
        "id": record["id"],
        "tenant": "acme",
        "source_id": "pogo:voucher:v0:line:0",
        "project_number": "2026-017",
        "description": "Utlegg 0",
        "amount_incl_vat": "2480.00",
        "supplier_name": "Norwegian Air Shuttle ASA",
        "invoice_date": "2026-11-24",
        "account_code": "7140",
        "billable": True,
    }
    assert (attachment["filename"], attachment["content_type"]) == (
        "bilag-0.pdf",
        "application/pdf",
    )
    assert batch.expenses[0].attachments[0].content == pdf("bilag 0")


def test_claimed_expenses_are_not_offered_again_during_the_lease(acme):
    store(acme, 3)
    first = moment_api.claim_expenses("acme", limit=2)
    second = moment_api.claim_expenses("acme", limit=2)
    third = moment_api.claim_expenses("acme", limit=2)

    assert (len(first), len(second), len(third)) == (2, 1, 0)
    assert third.token is None
    assert first.lease_expires_at - utcnow() <= moment_api.LEASE


def test_what_is_not_acknowledged_is_offered_again_after_the_lease(acme):
    ids = store(acme, 3)
    batch = moment_api.claim_expenses("acme")
    # Moment saved the first two, then failed.
    assert moment_api.acknowledge("acme", ids=ids[:2]) == 2

    assert len(moment_api.claim_expenses("acme")) == 0
    again = moment_api.claim_expenses("acme", now=utcnow() + LATER)

    assert [e.id for e in again.expenses] == [ids[2]]
    # The old batch's token no longer covers the expense claimed again.
    assert moment_api.acknowledge("acme", batch) == 0
    assert moment_api.acknowledge("acme", again.token) == 1
    assert len(moment_api.claim_expenses("acme", now=utcnow() + 2 * LATER)) == 0


def test_an_acknowledged_batch_is_never_offered_again(acme):
    store(acme, 2)
    batch = moment_api.claim_expenses("acme")
    assert moment_api.acknowledge("acme", batch) == 2
    assert moment_api.acknowledge("acme", batch) == 0  # acknowledging twice is harmless
    assert len(moment_api.claim_expenses("acme", now=utcnow() + LATER)) == 0


def test_acknowledging_an_empty_batch_acknowledges_nothing(acme):
    empty = moment_api.claim_expenses("acme")
    store(acme, 2)
    assert moment_api.acknowledge("acme", empty) == 0
    assert len(moment_api.claim_expenses("acme")) == 2


def test_concurrent_claimers_never_get_the_same_expense(acme):
    ids = store(acme, 60)
    barrier = threading.Barrier(6)
    claimed: list[list[int]] = []

    def claim() -> None:
        barrier.wait()
        for _ in range(5):
            batch = moment_api.claim_expenses("acme", limit=4)
            claimed.append([e.id for e in batch.expenses])

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    every = [expense_id for batch in claimed for expense_id in batch]
    assert len(every) == len(set(every)) == 60
    assert sorted(every) == ids


def test_another_tenants_expenses_are_not_claimed_or_acknowledged(acme):
    other = new_tenant("other", "client-key-2")
    other_ids = store(other, 1)
    store(acme, 1)

    assert [e.tenant for e in moment_api.claim_expenses("acme").expenses] == ["acme"]
    assert moment_api.acknowledge("acme", ids=other_ids) == 0
    assert len(moment_api.claim_expenses("other")) == 1


def test_acknowledge_takes_a_batch_or_ids(acme):
    with pytest.raises(ValueError, match="not both"):
        moment_api.acknowledge("acme")
    with pytest.raises(ValueError, match="not both"):
        moment_api.acknowledge("acme", "token", ids=[1])


def test_an_unknown_tenant_is_named(acme):
    with pytest.raises(UnknownTenant, match="nope"):
        moment_api.claim_expenses("nope")


def test_the_list_shows_status_and_filters_on_the_import_date(acme):
    ids = store(acme, 3, with_pdf=True)
    with session_scope() as session:
        session.get_one(Expense, ids[0]).imported_at = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
    batch = moment_api.claim_expenses("acme", limit=2)
    moment_api.acknowledge("acme", ids=[batch.expenses[0].id])

    everything = moment_api.list_expenses("acme")
    recent = moment_api.list_expenses("acme", since=dt.date(2026, 1, 6))

    assert [e.status for e in everything] == ["acknowledged", "claimed", "new"]
    assert [e.id for e in recent] == ids[1:]
    assert everything[0].attachments[0].content is None  # listed without the bytes
    assert everything[0].attachments[0].sha256 == hashlib.sha256(pdf("bilag 0")).hexdigest()
