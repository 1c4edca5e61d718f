"""A worker process's memory over 10 000 tasks (issue 12: peak resident set under 150 MB
after 10 000 tasks; issue 4 asked for under 200).

One real `celery worker -Q transfers -c 1` (prefork: one parent, one pool process that runs
the tasks) consumes ten rounds of 1 000 tasks each:

    1       1 000 customers created (find by number, then create)
    2       1 000 projects created, one per customer
    3-6     4 × 500 invoices, customer and project unchanged (voucher, then its PDF:
            two tasks per invoice)
    7-10    4 × 1 000 customer messages with nothing changed (no PowerOffice Go call)

The resident set (VmRSS in /proc/<pid>/status) of the parent and of the pool process is
read at the start and after every round, when the queue is empty. It runs twice: with the
production setting `worker_max_tasks_per_child = 1000`, which replaces the pool process
every 1 000 tasks, and with it lifted to 100 000 (CELERY_WORKER_MAX_TASKS_PER_CHILD, the
command-line option through the environment), so that one pool process runs all 10 000
tasks and any growth shows.

Memory is measured, not the rate: the simulator has no latency and no rate limit here,
and POGO_RATE_LIMIT_PER_SECOND is 500.

    python -m benchmarks.worker_memory [--scale 1.0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    log,
    publish,
    wait_handled,
    write_results,
)
from tests.support.worker import WorkerProcess

NAME = "worker_memory"
LIMIT_MB = 150
SETTLE_SECONDS = 0.5
RUNS = {"recycled": "1000", "not_recycled": "100000"}  # worker_max_tasks_per_child


@dataclass
class Sample:
    tasks: int
    parent_mb: float
    child_mb: float
    child_peak_mb: float
    child_pid: int | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "parent_mb": round(self.parent_mb, 1),
            "child_mb": round(self.child_mb, 1),
            "child_peak_mb": round(self.child_peak_mb, 1),
            "child_pid": self.child_pid,
            "seconds": round(self.seconds, 1),
        }


@dataclass
class Curve:
    max_tasks_per_child: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def child_pids(self) -> int:
        return len({s.child_pid for s in self.samples if s.child_pid})


Round = Callable[[BenchTenant], list[dict[str, Any]]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="tasks per round × this")
    scale = parser.parse_args().scale
    started = time.monotonic()
    curves = {}
    with bench(NAME, rate_limit_per_second=500, rate_limit=None) as run:
        for label, max_tasks in RUNS.items():
            tenant = add_bench_tenant(run, f"memory-{label.replace('_', '-')}", seed=9)
            curves[label] = measure(run, tenant, max_tasks, scale)
    report(curves, scale, started)


def rounds(scale: float) -> list[tuple[int, Round]]:
    """(tasks, messages of the round) for the ten rounds."""
    n = max(1, int(1000 * scale))
    return [
        (
            n,
            lambda t: [t.sample.message("customer.changed", t.sample.customer()) for _ in range(n)],
        ),
        (
            n,
            lambda t: [
                t.sample.message("project.changed", t.sample.project(c)) for c in t.sample.customers
            ],
        ),
        *[(n, lambda t: invoices(t, n // 2)) for _ in range(4)],
        *[(n, lambda t: repeats(t, n)) for _ in range(4)],
    ]


def invoices(tenant: BenchTenant, count: int) -> list[dict[str, Any]]:
    sample = tenant.sample
    pairs = list(zip(sample.customers, sample.projects, strict=True))
    return [
        sample.message("invoice.finalized", sample.invoice(*pairs[i % len(pairs)]))
        for i in range(count)
    ]


def repeats(tenant: BenchTenant, count: int) -> list[dict[str, Any]]:
    """The customers again, unchanged, as Moment sends when a customer is saved as it was."""
    sample = tenant.sample
    return [
        sample.message("customer.changed", sample.customers[i % len(sample.customers)])
        for i in range(count)
    ]


def measure(run: Bench, tenant: BenchTenant, max_tasks: str, scale: float) -> Curve:
    log(f"worker with max tasks per child {max_tasks}")
    worker = run.worker(
        queues="transfers",
        concurrency=1,
        name=f"memory-{max_tasks}",
        extra_env={"CELERY_WORKER_MAX_TASKS_PER_CHILD": max_tasks},
    )
    curve = Curve(max_tasks)
    started = time.monotonic()
    curve.samples.append(sample(worker, 0, started))
    done = 0
    for tasks, build in rounds(scale):
        ids = publish(build(tenant))
        counts = wait_handled(ids, timeout=900, worker=worker)
        if counts.get("failed"):
            raise RuntimeError(f"{counts['failed']} transfers failed; see {worker.log_path}")
        done += tasks
        curve.samples.append(sample(worker, done, started))
        log(f"  {done} tasks: child {curve.samples[-1].child_mb:.1f} MB")
    worker.stop()
    return curve


def sample(worker: WorkerProcess, tasks: int, started: float) -> Sample:
    # A pool process that reached its task limit exits and is replaced just as the round
    # ends: let that settle, then read the one live pool process.
    time.sleep(SETTLE_SECONDS)
    child = _live_child(worker)
    return Sample(
        tasks=tasks,
        parent_mb=rss_mb(worker.process.pid),
        child_mb=rss_mb(child) if child else 0.0,
        child_peak_mb=rss_mb(child, "VmHWM") if child else 0.0,
        child_pid=child,
        seconds=time.monotonic() - started,
    )


def _live_child(worker: WorkerProcess, timeout: float = 10.0) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        live = [pid for pid in worker.children() if rss_mb(pid) > 0]  # not exited, not a zombie
        if len(live) == 1:
            return live[0]
        time.sleep(0.1)
    return None


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    """A process's resident set (or another Vm* line) from /proc, in MB; 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    for line in status.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(curves: dict[str, Curve], scale: float, started: float) -> None:
    figures = []
    for label, curve in curves.items():
        figures += curve_figures(label, curve)
    parameters = {
        "concurrency": 1,
        "pool": "prefork",
        "rounds": "customers created, projects created, 4 × invoices, 4 × unchanged customers",
        "tasks_per_round": max(1, int(1000 * scale)),
        "runs": RUNS,
        "simulator": "no latency, no rate limit; POGO_RATE_LIMIT_PER_SECOND=500",
    }
    details = {label: [s.as_dict() for s in curve.samples] for label, curve in curves.items()}
    write_results(NAME, figures, parameters, details, started=started)
    print_curves(curves)


def curve_figures(label: str, curve: Curve) -> list[Figure]:
    first, last = curve.samples[0], curve.samples[-1]
    # Recycled, the pool process read at the end is a fresh one; only the other run's
    # pool process has really run every task.
    name = f"{label.replace('_', ' ')} (max tasks per child {curve.max_tasks_per_child})"
    return [
        Figure(f"{name}: pool process at start", first.child_mb, "MB"),
        Figure(f"{name}: pool process at {last.tasks} tasks", last.child_mb, "MB", LIMIT_MB),
        Figure(
            f"{name}: pool process, highest sample",
            max(s.child_mb for s in curve.samples),
            "MB",
            LIMIT_MB,
        ),
        Figure(f"{name}: parent at {last.tasks} tasks", last.parent_mb, "MB", LIMIT_MB),
        Figure(f"{name}: pool processes used", curve.child_pids, ""),
    ]


def print_curves(curves: dict[str, Curve]) -> None:
    for label, curve in curves.items():
        print(f"\n  {label} (max tasks per child {curve.max_tasks_per_child}):")
        print("    tasks   child MB   parent MB   child pid   seconds")
        for s in curve.samples:
            print(
                f"    {s.tasks:>5}   {s.child_mb:>8.1f}   {s.parent_mb:>9.1f}"
                f"   {s.child_pid or '-':>9}   {s.seconds:>7.1f}"
            )


if __name__ == "__main__":
    main()
