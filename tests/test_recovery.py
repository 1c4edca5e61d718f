"""Lost work comes back by itself: a message whose worker died (its lease run out), every
unfinished message after the broker lost its data, and a task that never arrived."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from sqlalchemy import select, update

from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL, TRANSFER_CUSTOMER
from sandbox.sample_data import SampleCompany
from sync_worker import leases, recovery
from sync_worker.db.models import Attempt, Message, MessageStatus, OutboxEntry, utcnow
from sync_worker.db.session import session_scope
from sync_worker.producer import publish_many
from sync_worker.tenants import TenantSettings, add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.worker import clear_broker


@pytest.fixture
def company(clean_db, redis_base_url, env):
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        add_tenant(session, "acme", "client-key", TenantSettings(error_emails="ops@acme.no"))
    recovery.sweep()  # the broker's mark, set once: what follows starts from an intact broker
    return SampleCompany("acme")


def published(company, count: int = 1) -> list[str]:
    messages = [company.message("customer.changed", company.customer()) for _ in range(count)]
    assert all(result.ok for result in publish_many(messages))
    return [message["message_id"] for message in messages]


def requeued_ids(since_id: int) -> list[str]:
    with session_scope() as session:
        entries = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.id > since_id, OutboxEntry.task_name == TRANSFER_CUSTOMER.name
            )
        )
        return sorted(entry.args["message_id"] for entry in entries)


def last_entry_id() -> int:
    with session_scope() as session:
        return session.scalar(select(OutboxEntry.id).order_by(OutboxEntry.id.desc()).limit(1))


def test_the_lease_is_one_third_of_the_task_time_limit(env):
    env.setenv("SYNC_TASK_TIME_LIMIT", "240")
    env.setenv("SYNC_TASK_SOFT_TIME_LIMIT", "200")
    assert get_settings().lease_seconds == 80


def test_a_message_whose_lease_ran_out_is_enqueued_again_and_no_other(company):
    dead, alive, waiting = published(company, 3)
    leases.hold([dead, alive])
    leases.hold([waiting], beyond=600)  # a retry's countdown, in a live worker's memory
    with session_scope() as session:
        session.execute(
            update(Message)
            .where(Message.id == dead)
            .values(lease_until=utcnow() - dt.timedelta(seconds=1))
        )
    before = last_entry_id()

    assert recovery.sweep() == 1

    assert requeued_ids(before) == [dead]
    with session_scope() as session:
        # Given back to the broker: lost again only after the visibility timeout.
        lease = session.get_one(Message, dead).lease_until
    visibility = get_settings().visibility_timeout_seconds
    assert lease > utcnow() + dt.timedelta(seconds=visibility)
    assert recovery.sweep() == 0


def test_a_finished_message_is_never_enqueued_again(company):
    [done] = published(company)
    leases.hold([done])
    with session_scope() as session:
        message = session.get_one(Message, done)
        message.status = MessageStatus.DONE
        message.lease_until = utcnow() - dt.timedelta(minutes=5)

    assert recovery.sweep() == 0


def test_a_queued_message_never_tried_for_longer_than_the_visibility_timeout(company):
    old, _fresh = published(company, 2)
    with session_scope() as session:
        session.get_one(Message, old).received_at = utcnow() - dt.timedelta(hours=3)
    before = last_entry_id()

    assert recovery.sweep() == 1

    assert requeued_ids(before) == [old]
    assert recovery.sweep() == 0  # waiting behind a backlog is not being lost again


def test_after_the_broker_lost_its_data_every_unfinished_message_goes_out_again(
    company, redis_base_url
):
    unfinished = published(company, 3)
    with session_scope() as session:
        session.get_one(Message, unfinished[0]).status = MessageStatus.DONE
        attempt = Attempt(tenant_id=1, step="customer", outcome="failed")
        session.add(attempt)
        session.flush()
        session.add(
            OutboxEntry(
                task_name=SEND_ERROR_EMAIL.name, args={"attempt_id": attempt.id}, sent_at=utcnow()
            )
        )
    before = last_entry_id()
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)  # as FLUSHALL would

    assert recovery.sweep() == 2
    assert requeued_ids(before) == sorted(unfinished[1:])
    with session_scope() as session:
        [email] = session.scalars(
            select(OutboxEntry).where(OutboxEntry.task_name == SEND_ERROR_EMAIL.name)
        )
        assert email.sent_at is None  # left for the relay to send again
    assert recovery.sweep() == 0  # once: the mark is back


def test_the_broker_mark_lives_in_the_brokers_redis_under_its_prefix(company, redis_base_url):
    client = redis.Redis.from_url(f"{redis_base_url}/13")
    try:
        assert client.get(f"{BROKER_KEY_PREFIX}{recovery.BROKER_MARK}") == b"1"
    finally:
        client.close()


def test_a_task_received_for_a_retry_is_held_until_its_eta_and_a_lease_more():
    _seconds_until = leases.seconds_until
    in_ten_minutes = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    assert 590 < _seconds_until(in_ten_minutes.isoformat()) <= 600
    assert _seconds_until(None) == 0.0
    assert _seconds_until((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()) == 0
