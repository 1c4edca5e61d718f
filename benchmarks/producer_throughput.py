"""The producer: messages stored in PostgreSQL and enqueued on Redis per second, on one core
(issue 12: a single `publish` at least 500 a second, one transaction per call; batches at
least 1 500). Each batch size is measured `--repeats` times and reported as the median
with the range, as one run on a busy machine says little.

Realistic messages (one customer and one project for every eight invoices, each invoice
with three lines and its PDF in base64) are published with `publish` (batch size 1) and
`publish_many` in batches of 100 and 500, into a real PostgreSQL database and the real
Redis broker. No worker runs; the broker is checked (every task is there) and flushed
after each batch size. The messages are built before the clock starts.

One core: the producer is one Python thread; its CPU time (`time.process_time`, user +
system) next to the wall time shows how much of one core it used. PostgreSQL and Redis
run in their own processes; the machine's CPU time (from /proc/stat) shows their share.

    python -m benchmarks.producer_throughput [--messages 10000] [--single 3000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    BROKER_DB,
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    flush_redis,
    log,
    status_counts,
    write_results,
)
from config.settings import get_settings
from sync_worker.producer import publish, publish_many

NAME = "producer_throughput"
BATCH_SIZES = (1, 100, 500)
TENANTS = 4
TARGET_SINGLE_PER_SECOND = 500
TARGET_BATCHED_PER_SECOND = 1500


@dataclass
class Run:
    batch_size: int
    messages: int
    wall_seconds: float
    cpu_seconds: float  # this process: user + system
    machine_cpu_seconds: float  # every process on the machine (PostgreSQL, Redis too)
    stored: int

    @property
    def per_second(self) -> float:
        return self.messages / self.wall_seconds

    @property
    def cores_used(self) -> float:
        return self.cpu_seconds / self.wall_seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_size": self.batch_size,
            "messages": self.messages,
            "wall_seconds": round(self.wall_seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "machine_cpu_seconds": round(self.machine_cpu_seconds, 3),
            "messages_per_second": round(self.per_second, 1),
            "producer_cores_used": round(self.cores_used, 3),
            "messages_found_stored": self.stored,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="per batched run")
    parser.add_argument("--single", type=int, default=3_000, help="for batch size 1")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each batch size")
    args = parser.parse_args()
    started = time.monotonic()
    with bench(NAME) as run:
        tenants = [add_bench_tenant(run, f"producer-{n}", seed=n) for n in range(TENANTS)]
        runs = []
        for repeat in range(args.repeats):
            for size in BATCH_SIZES:
                count = args.single if size == 1 else args.messages
                messages = build_messages(tenants, count)
                log(f"run {repeat + 1}, batch size {size}: {count} messages")
                runs.append(measure(run, messages, size))
    report(runs, started)


def build_messages(tenants: list[BenchTenant], count: int) -> list[dict[str, Any]]:
    """Per ten messages: a customer, its project, and eight invoices (each with its PDF)."""
    messages: list[dict[str, Any]] = []
    while len(messages) < count:
        sample = tenants[len(messages) // 10 % len(tenants)].sample
        customer = sample.customer()
        project = sample.project(customer)
        messages.append(sample.message("customer.changed", customer))
        messages.append(sample.message("project.changed", project))
        for _ in range(8):
            invoice = sample.invoice(customer, project)
            messages.append(sample.message("invoice.finalized", invoice))
    return messages[:count]


def measure(run: Bench, messages: list[dict[str, Any]], batch_size: int) -> Run:
    machine_before = machine_cpu_seconds()
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    if batch_size == 1:
        for message in messages:
            publish(message)
    else:
        for start in range(0, len(messages), batch_size):
            results = publish_many(messages[start : start + batch_size])
            if not all(result.ok for result in results):
                raise RuntimeError(f"refused: {[str(r) for r in results if not r.ok][:3]}")
    wall = time.perf_counter() - wall_before
    cpu = time.process_time() - cpu_before
    machine = machine_cpu_seconds() - machine_before
    # Every message is stored; the broker holds the dispatcher's window of them, and the
    # rest wait in PostgreSQL for their turn (sync_worker.dispatch).
    stored = sum(status_counts([m["message_id"] for m in messages]).values())
    on_broker = tasks_on_broker(run)
    window = get_settings().dispatch_window
    if stored != len(messages) or not 0 < on_broker <= window:
        raise RuntimeError(
            f"{len(messages)} published, {stored} stored, {on_broker} tasks on the broker"
        )
    flush_redis(f"{run.redis_base_url}/{BROKER_DB}")
    return Run(batch_size, len(messages), wall, cpu, machine, stored)


def tasks_on_broker(run: Bench) -> int:
    """Tasks waiting on the `transfers` queue (kombu keeps a list per queue and priority)."""
    broker = run.broker_redis()
    try:
        return sum(broker.llen(key) for key in broker.scan_iter(match="transfers*"))
    finally:
        broker.close()


def machine_cpu_seconds() -> float:
    """CPU time every process on the machine has used since boot (all cores, not idle)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def report(runs: list[Run], started: float) -> None:
    figures = []
    for size in BATCH_SIZES:
        repeats = [run for run in runs if run.batch_size == size]
        rates = [run.per_second for run in repeats]
        label = "publish (one at a time)" if size == 1 else f"batch {size}"
        target = TARGET_SINGLE_PER_SECOND if size == 1 else TARGET_BATCHED_PER_SECOND
        cores = statistics.median(run.cores_used for run in repeats)
        machine = statistics.median(run.machine_cpu_seconds / run.wall_seconds for run in repeats)
        figures += [
            Figure(f"{label}: messages/s, median", statistics.median(rates), "msg/s", target, True),
            Figure(f"{label}: messages/s, lowest run", min(rates), "msg/s"),
            Figure(f"{label}: messages/s, highest run", max(rates), "msg/s"),
            Figure(f"{label}: producer CPU / wall", cores, "cores", 1.0),
            Figure(f"{label}: machine CPU / wall", machine, "cores"),
        ]
    parameters = {
        "batch_sizes": list(BATCH_SIZES),
        "messages": {str(run.batch_size): run.messages for run in runs},
        "repeats": len(runs) // len(BATCH_SIZES),
        "mix": "per 10: 1 customer, 1 project, 8 invoices (3 lines, base64 PDF)",
        "tenants": TENANTS,
    }
    details = {"runs": [run.as_dict() for run in runs]}
    write_results(NAME, figures, parameters, details, started=started)


if __name__ == "__main__":
    main()
