"""PowerOffice Go calls per invoice, against the simulator with realistic latency and
PowerOffice Go's real limit of 10 requests per second (issue 4, "Speed and memory").

1. N customers and N projects are transferred (not measured).
2. Phase "unchanged": N invoices, one per customer and project, neither changed since its
   transfer. Target: at most 2.1 calls per invoice (the voucher and its PDF; look-ups of
   accounts, VAT codes, departments and the lock date cached per tenant, tokens cached).
3. Phase "changed": N more invoices whose customer (name, e-mail) and project (name) both
   changed since their last transfer. Target: at most 4 calls per invoice.

Calls per invoice = requests the simulator received during the phase / N. For each phase
also: invoices per second, publish-to-done latency (p50, p95), 429s the simulator
answered, failed transfers (must be 0) and the most requests in any one-second window
(must be at most 10).

    python -m benchmarks.calls_per_invoice [--invoices 60] [--latency-ms 60 --jitter-ms 40]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import (
    POGO_LIMIT,
    REALISTIC_LATENCY,
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    completion_span,
    count_429,
    latencies,
    log,
    max_per_window,
    percentile,
    publish,
    retries_recorded,
    wait_handled,
    write_results,
)
from sandbox.simulator import FaultConfig
from sync_worker.db.models import utcnow
from tests.support.worker import WorkerProcess

NAME = "calls_per_invoice"
TRANSFER_CONCURRENCY = 4  # as production runs the transfers worker (README)


@dataclass
class Phase:
    """What one batch of invoices cost and how fast it went."""

    invoices: int
    requests: int
    by_endpoint: dict[str, Any]
    seconds: float
    latency: list[float]
    status_429: int
    failed: int
    max_per_second: int
    retries: dict[str, int]

    @property
    def calls_per_invoice(self) -> float:
        return self.requests / self.invoices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=60, help="invoices per phase")
    parser.add_argument("--latency-ms", type=int, default=REALISTIC_LATENCY["latency_ms"])
    parser.add_argument("--jitter-ms", type=int, default=REALISTIC_LATENCY["latency_jitter_ms"])
    args = parser.parse_args()
    count = args.invoices
    latency = {**REALISTIC_LATENCY, "latency_ms": args.latency_ms}
    latency["latency_jitter_ms"] = args.jitter_ms
    # Another latency is a sensitivity check: its results go to a file of their own.
    name = NAME if latency == REALISTIC_LATENCY else f"{NAME}-{args.latency_ms}+{args.jitter_ms}ms"
    started = time.monotonic()
    with bench(name, rate_limit=POGO_LIMIT, faults=FaultConfig(**latency)) as run:
        tenant = add_bench_tenant(run, "calls", seed=4)
        worker = run.worker(queues="transfers", concurrency=TRANSFER_CONCURRENCY, name="transfers")
        customers, projects = transfer_entities(run, worker, tenant, count)
        log(f"phase unchanged: {count} invoices")
        unchanged = measure(run, worker, invoices(tenant, customers, projects))
        log(f"phase changed: {count} invoices")
        changed_customers = [changed_customer(c) for c in customers]
        changed_projects = [{**p, "name": p["name"] + " (fase 2)"} for p in projects]
        changed = measure(run, worker, invoices(tenant, changed_customers, changed_projects))
    report(name, count, latency, (unchanged, changed), started)


def transfer_entities(
    run: Bench, worker: WorkerProcess, tenant: BenchTenant, count: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Customers first, then their projects (a project waits for its customer otherwise)."""
    sample = tenant.sample
    customers = [sample.customer() for _ in range(count)]
    projects = [sample.project(customer) for customer in customers]
    for kind, rows in (("customer", customers), ("project", projects)):
        log(f"setup: {count} {kind}s")
        ids = publish([sample.message(f"{kind}.changed", row) for row in rows])
        counts = wait_handled(ids, timeout=300, worker=worker)
        if counts.get("done") != len(ids):
            raise RuntimeError(f"setup {kind}s did not all transfer: {counts}")
    return customers, projects


def invoices(
    tenant: BenchTenant, customers: list[dict[str, Any]], projects: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    sample = tenant.sample
    return [
        sample.message("invoice.finalized", sample.invoice(customer, project))
        for customer, project in zip(customers, projects, strict=True)
    ]


def changed_customer(customer: dict[str, Any]) -> dict[str, Any]:
    """The same customer with a new name and contact e-mail, as when edited in Moment."""
    return {
        **customer,
        "name": customer["name"].replace(" AS", " Holding AS"),
        "contact_email": "kontakt@" + customer["contact_email"].split("@", 1)[1],
    }


def measure(run: Bench, worker: WorkerProcess, messages: list[dict[str, Any]]) -> Phase:
    admin = run.simulator.admin
    admin.reset_stats()
    since = utcnow()
    ids = publish(messages)
    counts = wait_handled(ids, timeout=600, worker=worker)
    stats = admin.stats()
    return Phase(
        invoices=len(ids),
        requests=stats["total_requests"],
        by_endpoint=stats["by_endpoint"],
        seconds=completion_span(ids, since),
        latency=latencies(ids),
        status_429=count_429(stats),
        failed=counts.get("failed", 0),
        max_per_second=max_per_window(stats),
        retries=retries_recorded(since),
    )


def phase_figures(label: str, phase: Phase, calls_target: float) -> list[Figure]:
    return [
        Figure(f"{label}: calls per invoice", phase.calls_per_invoice, "calls", calls_target),
        Figure(f"{label}: throughput", phase.invoices / phase.seconds, "invoices/s"),
        Figure(f"{label}: latency p50 (publish → done)", percentile(phase.latency, 0.5), "s"),
        Figure(f"{label}: latency p95 (publish → done)", percentile(phase.latency, 0.95), "s"),
        Figure(f"{label}: 429 answers (waited out)", phase.status_429, ""),
        Figure(f"{label}: failed transfers", phase.failed, "", 0),
        Figure(f"{label}: max requests in one second", phase.max_per_second, "", POGO_LIMIT),
    ]


def report(
    name: str, count: int, latency: dict[str, int], phases: tuple[Phase, Phase], started: float
) -> None:
    unchanged, changed = phases
    figures = [
        *phase_figures("unchanged", unchanged, 2.1),
        *phase_figures("changed", changed, 4.0),
    ]
    parameters = {
        "invoices_per_phase": count,
        "simulator_rate_limit_per_second": POGO_LIMIT,
        "pogo_rate_limit_per_second": POGO_LIMIT,
        "latency": latency,
        "transfer_worker_concurrency": TRANSFER_CONCURRENCY,
    }
    details = {
        name: {
            "requests": phase.requests,
            "seconds": round(phase.seconds, 2),
            "by_endpoint": phase.by_endpoint,
            "retries_recorded": phase.retries,
        }
        for name, phase in (("unchanged", unchanged), ("changed", changed))
    }
    write_results(name, figures, parameters, details, started=started)


if __name__ == "__main__":
    main()
