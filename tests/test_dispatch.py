"""Fair turns: the broker holds a short window of transfer tasks, handed out round robin
over the tenants with work, a tenant's single message before its batches."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from config.settings import reset_settings_cache
from sandbox.sample_data import SampleCompany
from sync_worker import dispatch, operations
from sync_worker.db.models import Lane, Message, Tenant
from sync_worker.db.session import session_scope
from sync_worker.producer import publish, publish_many
from sync_worker.tenants import add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.broker import empty_queue, queued_message_ids
from tests.support.worker import clear_broker

WINDOW = 6


@pytest.fixture
def companies(clean_db, redis_base_url, env) -> dict[str, SampleCompany]:
    env.setenv("SYNC_DISPATCH_WINDOW", str(WINDOW))
    reset_settings_cache()
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        for code in ("big", "mid", "small"):
            add_tenant(session, code, "client-key")
    return {code: SampleCompany(code) for code in ("big", "mid", "small")}


def customers(company: SampleCompany, count: int) -> list[dict]:
    return [company.message("customer.changed", company.customer()) for _ in range(count)]


def ids(messages: list[dict]) -> list[str]:
    return [message["message_id"] for message in messages]


def tenant_of(message_ids: list[str]) -> list[str]:
    query = select(Message.id, Tenant.code).join(Tenant).where(Message.id.in_(message_ids))
    with session_scope() as session:
        codes = dict(session.execute(query).tuples().all())
    return [codes[message_id] for message_id in message_ids]


def waiting() -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count()).select_from(Message).where(Message.dispatched_at.is_(None))
        )


def drain(redis_base_url: str) -> list[str]:
    """What a worker would take next, then the window filled again as a task's end does."""
    taken = queued_message_ids(redis_base_url)
    empty_queue(redis_base_url)
    dispatch.fill()
    return taken


def test_the_broker_holds_one_window_and_the_rest_waits_stored(companies, redis_base_url):
    assert all(r.ok for r in publish_many(customers(companies["big"], 20)))

    assert len(queued_message_ids(redis_base_url)) == WINDOW
    assert waiting() == 20 - WINDOW


def test_the_window_is_filled_only_once_it_runs_half_empty(companies, redis_base_url):
    publish_many(customers(companies["big"], 20))
    empty_queue(redis_base_url)
    publish_many(customers(companies["mid"], 1))  # a publish fills an empty window
    assert len(queued_message_ids(redis_base_url)) == WINDOW

    assert dispatch.fill() == 0  # a full window: not even a query

    first = queued_message_ids(redis_base_url)
    while len(first) > WINDOW // 2:
        first.pop()
    empty_queue(redis_base_url)
    assert dispatch.fill() == WINDOW


def test_turns_go_round_robin_over_the_tenants_with_work(companies, redis_base_url):
    big = customers(companies["big"], 12)
    mid = customers(companies["mid"], 3)
    publish_many(big)
    publish_many(mid)
    first = drain(redis_base_url)  # the big one's publish took the whole window alone
    assert tenant_of(first) == ["big"] * WINDOW

    second = drain(redis_base_url)
    # mid has not had a turn yet: it goes first, then the two take turns.
    assert tenant_of(second) == ["mid", "big", "mid", "big", "mid", "big"]
    assert tenant_of(drain(redis_base_url)) == ["big"] * 3
    assert waiting() == 0


def test_a_single_message_of_an_idle_tenant_goes_ahead_of_every_backlog(companies, redis_base_url):
    publish_many(customers(companies["big"], 30))
    publish_many(customers(companies["mid"], 30))
    drain(redis_base_url)
    [single] = customers(companies["small"], 1)
    publish(single)  # the window is full: it waits, first in line

    assert drain(redis_base_url)[0] != single["message_id"]
    assert drain(redis_base_url)[0] == single["message_id"]


def test_within_a_tenant_its_single_message_goes_ahead_of_its_batch(companies, redis_base_url):
    batch = customers(companies["big"], 20)
    publish_many(batch)
    [single] = customers(companies["big"], 1)
    publish(single)
    with session_scope() as session:
        lanes = dict(session.execute(select(Message.id, Message.lane)).tuples().all())
    assert lanes[single["message_id"]] == Lane.INTERACTIVE
    assert {lanes[m] for m in ids(batch)} == {Lane.BULK}

    drain(redis_base_url)
    assert drain(redis_base_url)[0] == single["message_id"]


def test_each_tenant_keeps_arrival_order_among_its_own(companies, redis_base_url):
    messages = customers(companies["big"], 15)
    publish_many(messages)
    handed_out = [message_id for _ in range(4) for message_id in drain(redis_base_url)]
    assert handed_out == ids(messages)


def test_an_operators_retransfer_of_many_is_bulk_and_of_one_interactive(companies):
    messages = customers(companies["mid"], 3)
    publish_many(messages)
    numbers = [m["data"]["number"] for m in messages]

    operations.retransfer("mid", "customer", numbers)
    operations.retransfer("mid", "customer", numbers[:1])

    with session_scope() as session:
        manual = list(
            session.scalars(
                select(Message.lane)
                .where(Message.trigger == "manual")
                .order_by(Message.received_at)
            )
        )
    assert manual == [Lane.BULK] * 3 + [Lane.INTERACTIVE]


def test_two_dispatchers_at_once_never_hand_out_the_same_message(companies, redis_base_url):
    publish_many(customers(companies["big"], 40))
    empty_queue(redis_base_url)
    handed: list[list[str]] = []
    start = threading.Barrier(4)

    def take() -> None:
        start.wait()
        with session_scope() as session:
            handed.append([turn.message_id for turn in dispatch.take_turns(session, 10)])

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [message_id for turns in handed for message_id in turns]
    assert len(every) == len(set(every)) and every


def test_turns_the_broker_cannot_take_are_given_back_to_wait(companies, redis_base_url, env):
    messages = customers(companies["big"], 3)
    publish_many(messages)
    with session_scope() as session:
        dispatch.give_back(session, ids(messages))
        turns = dispatch.take_turns(session, 3)
    env.setenv("SYNC_BROKER_URL", "redis://127.0.0.1:1/0")
    reset_settings_cache()
    from sync_worker.app import create_app

    assert dispatch.send(turns, create_app()) == 0
    assert waiting() == 3


def test_a_broker_that_is_down_leaves_a_publish_stored_and_waiting(companies, env):
    env.setenv("SYNC_BROKER_URL", "redis://127.0.0.1:1/0")
    reset_settings_cache()
    from sync_worker.app import create_app

    assert dispatch.room(create_app()) == 0
    assert dispatch.fill(create_app()) == 0


def test_a_tenants_lone_message_is_interactive_and_several_bulk():
    assert dispatch.lane_of(1) == Lane.INTERACTIVE
    assert dispatch.lane_of(2) == Lane.BULK
