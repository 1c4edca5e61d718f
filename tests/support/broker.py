"""What the test broker (Redis database 13, under the session's key prefix) holds."""

from __future__ import annotations

import base64
import json

import redis

from config.tasks import QueueName
from tests.conftest import BROKER_KEY_PREFIX


def queued_tasks(redis_base_url: str, queue: QueueName = QueueName.TRANSFERS) -> list[dict]:
    """The tasks waiting in `queue`, oldest first, as kombu stores them."""
    broker = redis.Redis.from_url(f"{redis_base_url}/13")
    try:
        raws = broker.lrange(f"{BROKER_KEY_PREFIX}{queue}", 0, -1)
    finally:
        broker.close()
    return [json.loads(raw) for raw in reversed(raws)]


def queued_message_ids(redis_base_url: str) -> list[str]:
    """The message ids of the transfer tasks waiting in the broker, oldest first."""
    return [
        json.loads(base64.b64decode(task["body"]))[1]["message_id"]
        for task in queued_tasks(redis_base_url)
    ]


def empty_queue(redis_base_url: str, queue: QueueName = QueueName.TRANSFERS) -> None:
    """Take every task out of `queue`, and nothing else (the sweep's broker mark stays)."""
    broker = redis.Redis.from_url(f"{redis_base_url}/13")
    try:
        broker.delete(f"{BROKER_KEY_PREFIX}{queue}")
    finally:
        broker.close()
