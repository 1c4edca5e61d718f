"""The Celery application: `celery -A sync_worker.app worker` and `flower -A sync_worker.app`."""

from __future__ import annotations

import sys

from celery import Celery
from celery.signals import worker_process_init

from config.celery import celery_config
from config.settings import SettingsError, get_settings
from config.tasks import TASK_MODULES
from sync_worker.db.session import dispose_engines
from sync_worker.logging import configure_logging
from sync_worker.redis_store import reset_redis_clients


def create_app() -> Celery:
    """Build the app from the validated settings; a bad setting ends the process in one line."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        sys.stderr.write(f"sync-worker: configuration error: {exc}\n")
        raise SystemExit(2) from None
    configure_logging(settings.log_level)
    celery = Celery("sync_worker", include=list(TASK_MODULES))
    celery.conf.update(celery_config(settings))
    return celery


@worker_process_init.connect
def _after_fork(**_kwargs) -> None:
    # Pooled connections must not be shared with the parent process after a fork.
    dispose_engines()
    reset_redis_clients()


app = create_app()
