"""Operators' re-drives: retry only what failed or stalled; sweep up lost tasks."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.sample_data import SampleCompany
from sync_worker import operations
from sync_worker.db.models import EntityState, Message, SyncStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.producer import publish_many
from sync_worker.tenants import add_tenant
from sync_worker.transfers import state as states
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.worker import clear_broker


@pytest.fixture
def company(clean_db, redis_base_url):
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        add_tenant(session, "acme", "client-key")
    return SampleCompany("acme")


def published_state(company, status: SyncStatus, *, age: dt.timedelta) -> EntityState:
    customer = company.customer()
    publish_many([company.message("customer.changed", customer)])
    with session_scope() as session:
        state = states.get_state(session, 1, "customer", customer["number"])
        state.status = status
        state.updated_at = utcnow() - age
        session.flush()
        return state


def test_retry_refuses_a_transfer_that_is_still_going_on(company):
    running = published_state(company, SyncStatus.RETRYING, age=dt.timedelta(minutes=5))
    [result] = operations.retry([running.id])
    assert not result.queued and "still retrying" in str(result)


def test_retry_takes_a_failed_or_a_stalled_transfer(company):
    failed = published_state(company, SyncStatus.FAILED, age=dt.timedelta(minutes=5))
    stalled = published_state(company, SyncStatus.IN_PROGRESS, age=dt.timedelta(hours=3))
    results = operations.retry([failed.id, stalled.id])
    assert [r.queued for r in results] == [True, True]
    with session_scope() as session:
        assert session.get(EntityState, failed.id).status == SyncStatus.PENDING


def test_retransfer_is_for_customers_and_projects(company):
    assert operations.retransfer("acme", "customer", ["77777"])[0].queued is False


def carried_by_an_invoice(company, customer: dict, *, name: str) -> dict:
    """An invoice carrying a newer copy of `customer`, recorded as the copy transferred."""
    invoice = company.invoice({**customer, "name": name}, None)
    message = company.message("invoice.finalized", invoice)
    publish_many([message])
    with session_scope() as session:
        state = states.get_state(session, 1, "customer", str(customer["number"]))
        state.pogo_id, state.status = "77", SyncStatus.DONE
        state.source_message_id = message["message_id"]
    return message


def queued_copy(company, number) -> dict:
    [result] = operations.retransfer("acme", "customer", [str(number)])
    assert result.queued, str(result)
    message_id = str(result).rsplit(" as ", 1)[1]
    with session_scope() as session:
        return session.get_one(Message, message_id).payload


def test_retransfer_sends_the_newer_copy_an_invoice_carried(company):
    customer = company.customer()
    publish_many([company.message("customer.changed", customer)])
    carried_by_an_invoice(company, customer, name="Fjellnord Regnskap AS (ny)")

    payload = queued_copy(company, customer["number"])

    assert payload["type"] == "customer.changed" and payload["trigger"] == "manual"
    assert payload["data"]["name"] == "Fjellnord Regnskap AS (ny)"


def test_retransfer_finds_a_customer_moment_only_sent_inside_invoices(company):
    customer = company.customer()
    carrier = carried_by_an_invoice(company, customer, name="Bare på faktura AS")

    payload = queued_copy(company, customer["number"])

    assert payload["data"]["name"] == "Bare på faktura AS"
    assert payload["occurred_at"] == carrier["occurred_at"]


def test_retransfer_keeps_the_entitys_own_message_when_it_is_the_newer(company):
    customer = company.customer()
    carried_by_an_invoice(company, customer, name="Eldre kopi AS")
    publish_many([company.message("customer.changed", {**customer, "name": "Nyere AS"})])

    assert queued_copy(company, customer["number"])["data"]["name"] == "Nyere AS"
