"""`sync-worker worker` and `sync-worker beat`: thin wrappers over Celery's own."""

from __future__ import annotations

import os
import sys

import click

from config.celery import QUEUES
from config.settings import get_settings
from sync_worker import counters


def _queues(_ctx, _param, value: str) -> str:
    names = [q.strip() for q in value.split(",") if q.strip()]
    unknown = sorted(set(names) - set(QUEUES))
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(QUEUES)} (comma-separated)")
    return ",".join(names)


@click.command()
@click.option(
    "--queues",
    "-Q",
    default=",".join(QUEUES),
    show_default=True,
    callback=_queues,
    help="Queues to consume; run one worker per queue in production.",
)
@click.option("--concurrency", "-c", type=click.IntRange(min=1), help="Worker processes.")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--hostname", "-n", help="Node name, e.g. transfers@%h.")
def worker(queues: str, concurrency: int | None, loglevel: str, hostname: str | None) -> None:
    """Run a Celery worker (fair scheduling, one task prefetched per process)."""
    from sync_worker.app import app

    argv = ["worker", "-Q", queues, "-O", "fair", "--loglevel", loglevel]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if hostname:
        argv += ["--hostname", hostname]
    # Its counters need prometheus-client's multiprocess mode, chosen when that is first
    # imported, which this process did already: the worker starts afresh with it on.
    environment = counters.worker_environment(get_settings().metrics_port)
    if environment is not None:
        celery = [sys.executable, "-m", "celery", "-A", "sync_worker.app", *argv]
        os.execve(sys.executable, celery, environment)  # noqa: S606 (our own argv, no shell)
    app.worker_main(argv)


@click.command()
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option(
    "--schedule-file",
    default="celerybeat-schedule",
    show_default=True,
    help="Where beat keeps when each entry last ran.",
)
def beat(loglevel: str, schedule_file: str) -> None:
    """Run celery-beat. Exactly one must run; see README, "Running in production"."""
    from sync_worker.app import app

    app.start(["beat", "--loglevel", loglevel, "--schedule", schedule_file])
