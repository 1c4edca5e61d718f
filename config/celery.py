"""Celery configuration for an accounting integration, where a lost or doubled task is money.

Read docs/celery.md for the reasons behind each choice; the invariants are also tested.
"""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

from config.beat import beat_schedule
from config.settings import Settings
from config.tasks import ALL_TASKS, QueueName

QUEUES = tuple(QueueName)


def task_queue(name: QueueName) -> Queue:
    """The queue with its own direct exchange and routing key, both named as the queue: a
    message sent to that route lands in this queue only, so only this queue's worker runs it
    (all three once shared the default queue's route, and every worker ran every such task)."""
    return Queue(str(name), Exchange(str(name), type="direct"), routing_key=str(name))


TASK_QUEUES = tuple(task_queue(name) for name in QUEUES)

# Each task has its queue; a finalized invoice never waits behind an expense import.
ROUTES = {task.name: {"queue": str(task.queue)} for task in ALL_TASKS}


BROKER_SOCKET_TIMEOUT_SECONDS = 5


def celery_config(settings: Settings) -> dict[str, Any]:
    """The whole Celery configuration, derived from the validated settings."""
    transport = {
        # Redis re-delivers an unacknowledged task after this long; it must outlast the
        # longest retry countdown plus a run, or a waiting task is run twice.
        "visibility_timeout": settings.visibility_timeout_seconds,
        # A broker that accepts the connection but never answers fails a publish in
        # seconds (the outbox keeps the task for the relay), not forever.
        "socket_connect_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
        "socket_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
    }
    if settings.broker_key_prefix:
        # Several deployments (or test sessions) on one Redis keep their queues apart.
        transport["global_keyprefix"] = settings.broker_key_prefix
    if settings.broker_url.startswith("memory://"):
        # The embedded demo's in-memory broker polls; its default second per poll is slow.
        transport["polling_interval"] = 0.01
    return {
        "broker_url": settings.broker_url,
        "result_backend": settings.result_backend,
        "broker_transport_options": transport,
        "result_backend_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A task that ends failed (`tasks.base.WorkFailed`) is acknowledged, not redelivered:
        # its books are kept and its e-mail is on its way.
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.task_soft_time_limit_seconds,
        "task_time_limit": settings.task_time_limit_seconds,
        "task_queues": list(TASK_QUEUES),
        "task_default_queue": str(QueueName.TRANSFERS),
        "task_routes": ROUTES,
        "task_ignore_result": True,
        "result_expires": 24 * 3600,
        "task_track_started": True,
        "task_send_sent_event": True,
        "worker_send_task_events": True,
        "worker_max_tasks_per_child": 1000,
        "worker_hijack_root_logger": False,
        "timezone": "Europe/Oslo",
        "enable_utc": True,
        "beat_schedule": beat_schedule(settings),
    }
