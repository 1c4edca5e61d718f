"""Worker processes for test_rate_limit_processes.py: each builds its own PowerOfficeClient
from its own environment (as a Celery worker does) and calls the simulator in a loop.

Run with the `spawn` start method, so nothing of the test process (sockets, Redis
connections, the simulator's threads) leaks into a worker: each starts as cold as a real one.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from redis import Redis

from config.settings import load_settings
from sync_worker.errors import SyncError
from sync_worker.poweroffice import PowerOfficeClient

START_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Job:
    """What one worker process does: `calls` look-ups for one tenant."""

    environment: dict[str, str]
    redis_url: str
    client_key: str
    calls: int
    background: bool = False
    delay: float = 0.0  # seconds to wait after the common start


@dataclass
class Report:
    """What one worker process saw; times are `time.monotonic()`, shared by the host."""

    background: bool
    began: float = 0.0
    ended: float = 0.0
    done_at: list[float] = field(default_factory=list)  # when each call came back
    failures: list[str] = field(default_factory=list)
    requests: int = 0  # HTTP requests sent, the token's included


def hammer(job: Job, start: Barrier, reports: Queue) -> None:
    """The body of one worker process; it always reports, even when it crashes."""
    report = Report(job.background)
    try:
        os.environ.update(job.environment)
        client = PowerOfficeClient(
            job.client_key,
            settings=load_settings(),
            redis=Redis.from_url(job.redis_url),
            background=job.background,
        )
        start.wait(timeout=START_TIMEOUT_SECONDS)
        time.sleep(job.delay)
        _calls(client, job.calls, report)
        report.requests = client.calls
    except Exception:
        report.failures.append(traceback.format_exc(limit=3))
    reports.put(report)


def _calls(client: PowerOfficeClient, count: int, report: Report) -> None:
    report.began = time.monotonic()
    for _ in range(count):
        try:
            client.customers.find_by_number(10042)
        except SyncError as exc:  # a call that failed, e.g. for lack of budget
            report.failures.append(f"{type(exc).__name__}: {exc}")
        report.done_at.append(time.monotonic())
    report.ended = time.monotonic()


def run(jobs: list[Job], timeout: float = 120.0) -> list[Report]:
    """Start one process per job, let them begin together, and collect their reports."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(jobs))
    reports = context.Queue()
    processes = [
        context.Process(target=hammer, args=(job, start, reports), daemon=True) for job in jobs
    ]
    for process in processes:
        process.start()
    try:
        return _collect(reports, processes, timeout)
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()


def _collect(reports: Queue, processes: list, timeout: float) -> list[Report]:
    """One report per process; fails early when a process died without reporting."""
    collected: list[Report] = []
    deadline = time.monotonic() + timeout
    while len(collected) < len(processes):
        try:
            collected.append(reports.get(timeout=0.5))
        except queue.Empty:
            if time.monotonic() > deadline or not any(p.is_alive() for p in processes):
                missing = len(processes) - len(collected)
                raise RuntimeError(f"{missing} worker process(es) did not report") from None
    return collected
