"""The Celery application: `celery -A sync_worker.app worker` and `flower -A sync_worker.app`."""

from __future__ import annotations

import logging
import threading
import time

from celery import Celery
from celery.signals import (
    setup_logging,
    task_postrun,
    task_prerun,
    task_received,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
)
from celery.worker import state as worker_state
from sqlalchemy.exc import DBAPIError

from config.celery import celery_config
from config.settings import SettingsError, get_settings, settings_or_exit
from config.tasks import TASK_MODULES
from sync_worker import leases, metrics, recovery
from sync_worker import logging as sync_logging
from sync_worker.db.session import (
    database_problem,
    dispose_engines,
    is_schema_missing,
    session_scope,
)
from sync_worker.redis_store import reset_redis_clients
from sync_worker.tenants import UndecryptableClientKeys, undecryptable_tenants

log = logging.getLogger(__name__)


def create_app() -> Celery:
    """Build the app from the validated settings; a bad setting ends the process in one line."""
    settings = settings_or_exit("sync-worker")
    sync_logging.configure_logging(settings.log_level, settings.log_format)
    celery = Celery("sync_worker", include=list(TASK_MODULES))
    celery.conf.update(celery_config(settings))
    return celery


@setup_logging.connect
def _keep_our_logging(**_kwargs) -> None:
    """Celery's worker and beat log through the handler `create_app` set up (JSON or
    text, in context, redacted) instead of replacing it with their own."""


@task_prerun.connect
def _bind_task_context(task_id=None, task=None, kwargs=None, **_kwargs) -> None:
    """Every line a task logs names it: its id, its try, and the message it is about."""
    sync_logging.clear_context()
    sync_logging.bind(
        task_id=task_id,
        attempt=task.request.retries + 1 if task is not None else None,
        message_id=(kwargs or {}).get("message_id"),
    )


@task_postrun.connect
def _clear_task_context(**_kwargs) -> None:
    sync_logging.clear_context()


@worker_init.connect
def _refuse_to_start_when_every_message_would_fail(**_kwargs) -> None:
    """Stop the worker, in one line, on what would fail every message of a tenant: a
    SYNC_SECRET_KEY that cannot decrypt its client key (each message would otherwise end in
    an e-mail asking the accountant to correct data that is not wrong), or a schema not
    migrated. A database that does not answer yet is only warned about: tasks retry."""
    problem = start_up_problem()
    if problem is not None:
        log.critical("the worker stops: %s", problem)
        raise SystemExit(2)


def start_up_problem() -> str | None:
    """What stops a worker from starting, in one line without a secret; None when it may."""
    try:
        with session_scope() as session:
            failing = undecryptable_tenants(session)
    except SettingsError as exc:
        return str(exc)
    except DBAPIError as exc:
        if is_schema_missing(exc):
            return database_problem(exc)
        log.warning("%s; starting all the same, tasks retry", database_problem(exc) or exc)
        return None
    if failing:
        return (
            f"{UndecryptableClientKeys(failing, 'SYNC_SECRET_KEY')}; set the key they were "
            "stored with, or re-encrypt them with `sync-worker tenant rotate-keys`"
        )
    return None


@task_received.connect
def _hold_what_arrives(request=None, **_kwargs) -> None:
    """The worker holds a message's lease from the moment it receives its task: over the
    countdown of a retry (the task waits in this worker until its ETA), then one lease."""
    message_id = (request.kwargs or {}).get("message_id") if request is not None else None
    if not message_id:
        return
    try:
        leases.hold([message_id], beyond=leases.seconds_until(request.eta))
    except Exception:  # the consumer must go on; the lease is taken again when it runs
        log.warning("could not take the lease of message %s", message_id, exc_info=True)


@worker_ready.connect
def _recover_lost_work(**_kwargs) -> None:
    """A worker that starts may be the one that died: it sweeps for lost work at once, and
    then, every half lease, renews the leases of what it holds and sweeps again, in a
    thread of its main process (`sync_worker.leases`, `sync_worker.recovery`)."""
    threading.Thread(target=_hold_and_sweep_forever, name="leases", daemon=True).start()


def _hold_and_sweep_forever() -> None:
    pause = get_settings().lease_seconds / 2
    while True:
        try:
            # What waits in this worker for a free process, or runs, is held: only a worker
            # that is gone lets a lease run out, however long its backlog.
            leases.hold(_held_here())
            recovery.sweep()
        except Exception:  # the database or the broker is away: the next round tries again
            log.warning("renewing leases or sweeping for lost work failed", exc_info=True)
        time.sleep(pause)


def _held_here() -> list[str]:
    """The messages of the tasks this worker has received and not finished."""
    for _ in range(3):  # the consumer changes the sets while they are read: read again
        try:
            requests = (*worker_state.reserved_requests, *worker_state.active_requests)
        except RuntimeError:
            continue
        return [
            message_id
            for request in requests
            if isinstance(request.kwargs, dict) and (message_id := request.kwargs.get("message_id"))
        ]
    return []


@worker_init.connect
def _clear_old_counts(**_kwargs) -> None:
    """The counts of a worker that ran before go before this one forks its pool."""
    metrics.clear_multiprocess_directory()


@worker_ready.connect
def _serve_metrics(**_kwargs) -> None:
    """Each worker serves its metrics, those of every pool process, from its main process."""
    metrics.serve_worker(get_settings())


@worker_process_shutdown.connect
def _forget_ended_process(pid=None, **_kwargs) -> None:
    metrics.process_gone(pid)


@worker_process_init.connect
def _after_fork(**_kwargs) -> None:
    # Pooled connections must not be shared with the parent process after a fork.
    dispose_engines()
    reset_redis_clients()


app = create_app()
