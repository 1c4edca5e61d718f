"""Lost work comes back by itself: a message whose worker died (its lease run out), every
unfinished message after the broker lost its data, and a task that never arrived."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from sqlalchemy import select, update

from config.settings import get_settings
from config.tasks import SEND_ERROR_EMAIL
from sandbox.sample_data import SampleCompany
from sync_worker import leases, recovery
from sync_worker.db.models import Attempt, Message, MessageStatus, OutboxEntry, utcnow
from sync_worker.db.session import session_scope
from sync_worker.producer import publish_many
from sync_worker.tenants import TenantSettings, add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.broker import empty_queue, queued_message_ids
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


def sent_again(redis_base_url: str) -> list[str]:
    """The messages whose task is in the broker; emptied for the next look."""
    ids = sorted(queued_message_ids(redis_base_url))
    empty_queue(redis_base_url)
    return ids


def test_the_lease_is_one_third_of_the_task_time_limit(env):
    env.setenv("SYNC_TASK_TIME_LIMIT", "240")
    env.setenv("SYNC_TASK_SOFT_TIME_LIMIT", "200")
    assert get_settings().lease_seconds == 80


def test_a_message_whose_lease_ran_out_is_sent_again_and_no_other(company, redis_base_url):
    dead, alive, waiting = published(company, 3)
    sent_again(redis_base_url)  # their first dispatch
    leases.hold([dead, alive])
    leases.hold([waiting], beyond=600)  # a retry's countdown, in a live worker's memory
    with session_scope() as session:
        session.execute(
            update(Message)
            .where(Message.id == dead)
            .values(lease_until=utcnow() - dt.timedelta(seconds=1))
        )

    assert recovery.sweep() == 1

    assert sent_again(redis_base_url) == [dead]
    with session_scope() as session:
        # Handed out again, to be held by the worker that receives it.
        again = session.get_one(Message, dead)
        assert again.lease_until is None and again.dispatched_at is not None
    assert recovery.sweep() == 0


def test_a_finished_message_is_never_enqueued_again(company):
    [done] = published(company)
    leases.hold([done])
    with session_scope() as session:
        message = session.get_one(Message, done)
        message.status = MessageStatus.DONE
        message.lease_until = utcnow() - dt.timedelta(minutes=5)

    assert recovery.sweep() == 0


def test_a_message_handed_out_but_never_received_is_sent_again(company, redis_base_url):
    lost, _fresh = published(company, 2)
    sent_again(redis_base_url)
    long_ago = recovery.never_received_cutoff() - dt.timedelta(seconds=1)
    with session_scope() as session:
        session.get_one(Message, lost).dispatched_at = long_ago

    assert recovery.sweep() == 1

    assert sent_again(redis_base_url) == [lost]
    assert recovery.sweep() == 0  # just handed out again: not lost again


def test_a_message_waiting_for_its_turn_is_the_dispatchers_not_lost(company, redis_base_url):
    [waiting] = published(company)
    sent_again(redis_base_url)
    with session_scope() as session:
        message = session.get_one(Message, waiting)
        message.dispatched_at = None
        message.received_at = utcnow() - dt.timedelta(hours=3)
    with session_scope() as session:
        session.execute(update(Message).values(status=MessageStatus.QUEUED))

    assert recovery.sweep() == 0  # not lost: the sweep's fill gives it its turn
    assert sent_again(redis_base_url) == [waiting]


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
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)  # as FLUSHALL would

    assert recovery.sweep() == 2
    assert sent_again(redis_base_url) == sorted(unfinished[1:])
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
