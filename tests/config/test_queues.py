"""Each queue on its own route: a message sent to a queue's advertised exchange and routing
key lands in that queue only, so only that queue's worker runs it (real Redis)."""

from __future__ import annotations

import codecs
import re
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from kombu import Connection, Exchange, Queue

from config import tasks
from config.celery import QUEUES, TASK_QUEUES, celery_config
from config.settings import Settings, load_settings
from config.tasks import QueueName
from tests.support.worker import clear_broker

ROOT = Path(__file__).resolve().parents[2]
ROUTE_ROW = re.compile(r"^\| `(?P<queue>[a-z_]+)` \| `(?P<exchange>[^`]+)` \| `(?P<key>[^`]+)` \|")


def advertised_routes() -> dict[str, tuple[str, str]]:
    """Queue → (exchange, routing key), as docs/celery.md tells producers and operators."""
    text = (ROOT / "docs" / "celery.md").read_text(encoding="utf-8")
    section = text.split("## Queues", 1)[1].split("\n## ", 1)[0]
    return {
        match["queue"]: (match["exchange"], match["key"])
        for match in map(ROUTE_ROW.match, section.splitlines())
        if match
    }


def documented_upgrade_commands() -> list[tuple[str, list[bytes]]]:
    """The `redis-cli ... SREM key member...` lines docs/celery.md has an operator run once."""
    text = (ROOT / "docs" / "celery.md").read_text(encoding="utf-8")
    commands = []
    for line in text.splitlines():
        if line.startswith("redis-cli "):
            words = shlex.split(line)
            key, *members = words[words.index("SREM") + 1 :]
            commands.append((key, [codecs.decode(m, "unicode_escape").encode() for m in members]))
    return commands


@pytest.fixture
def settings(env) -> Iterator[Settings]:
    """The test broker under a prefix of this test's own, so no other test's task is seen."""
    env.setenv("SYNC_BROKER_KEY_PREFIX", f"sync-test-queues-{uuid.uuid4().hex[:8]}:")
    settings = load_settings()
    yield settings
    clear_broker(settings.broker_url, settings.broker_key_prefix)


@pytest.fixture
def connection(settings) -> Iterator[Connection]:
    with Connection(
        settings.broker_url, transport_options={"global_keyprefix": settings.broker_key_prefix}
    ) as connection:
        yield connection


def declare_every_queue(connection: Connection) -> None:
    """What the three workers do when they start: each declares its queue and binding."""
    for queue in TASK_QUEUES:
        queue.bind(connection.default_channel).declare()


def drain(connection: Connection, queue: Queue) -> list:
    bound = queue.bind(connection.default_channel)
    messages = []
    while (message := bound.get(no_ack=True)) is not None:
        messages.append(message)
    return messages


def test_every_queue_is_advertised_with_its_own_exchange_and_routing_key():
    routes = advertised_routes()
    assert set(routes) == set(QUEUES)
    assert {queue.name: (queue.exchange.name, queue.routing_key) for queue in TASK_QUEUES} == (
        routes
    )
    assert len({exchange for exchange, _ in routes.values()}) == len(QUEUES)
    assert len({key for _, key in routes.values()}) == len(QUEUES)


def test_a_message_sent_to_each_advertised_route_lands_in_its_queue_only(connection):
    declare_every_queue(connection)
    producer = connection.Producer()
    for queue, (exchange, key) in advertised_routes().items():
        producer.publish(
            {"sent_to": queue}, exchange=Exchange(exchange, type="direct"), routing_key=key
        )

    for queue in TASK_QUEUES:
        assert [message.payload for message in drain(connection, queue)] == [
            {"sent_to": queue.name}
        ], queue.name


def test_every_task_sent_by_celery_lands_in_its_own_queue_only(settings, connection):
    app = Celery("queues-test", set_as_current=False)
    app.conf.update(celery_config(settings))
    declare_every_queue(connection)
    for task in tasks.ALL_TASKS:
        app.send_task(task.name)

    for queue in TASK_QUEUES:
        received = [message.headers["task"] for message in drain(connection, queue)]
        expected = [task.name for task in tasks.ALL_TASKS if task.queue == queue.name]
        assert sorted(received) == sorted(expected), queue.name


def test_the_documented_upgrade_step_ends_the_old_shared_route(settings, connection):
    # As the old configuration left Redis: every queue bound to the default queue's route.
    shared = str(QueueName.TRANSFERS)
    for name in QUEUES:
        Queue(str(name), Exchange(shared, type="direct"), routing_key=shared).bind(
            connection.default_channel
        ).declare()

    broker = redis.Redis.from_url(settings.broker_url)
    commands = documented_upgrade_commands()
    assert commands
    for key, members in commands:
        assert broker.srem(settings.broker_key_prefix + key, *members) == len(members), key
    broker.close()
    declare_every_queue(connection)
    connection.Producer().publish(
        {"sent_to": shared}, exchange=Exchange(shared, type="direct"), routing_key=shared
    )

    assert {queue.name: len(drain(connection, queue)) for queue in TASK_QUEUES} == {
        str(name): int(name is QueueName.TRANSFERS) for name in QUEUES
    }
