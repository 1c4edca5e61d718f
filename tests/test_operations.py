"""Operators' re-drives: retry only what failed or stalled; sweep up lost tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from sandbox.sample_data import SampleCompany
from sync_worker import operations
from sync_worker.db.models import EntityState, Message, OutboxEntry, SyncStatus, utcnow
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


def test_requeue_stalled_enqueues_only_messages_nothing_happened_to(company):
    old, fresh = (company.message("customer.changed", company.customer()) for _ in range(2))
    publish_many([old, fresh])
    with session_scope() as session:
        session.get(Message, old["message_id"]).received_at = utcnow() - dt.timedelta(hours=3)
        entries_before = len(session.scalars(select(OutboxEntry)).all())
    assert operations.requeue_stalled() == 1
    with session_scope() as session:
        newest = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id.desc())).first()
        assert len(session.scalars(select(OutboxEntry)).all()) == entries_before + 1
        assert newest.args == {"message_id": old["message_id"]}


def test_retransfer_is_for_customers_and_projects(company):
    assert operations.retransfer("acme", "customer", ["77777"])[0].queued is False
