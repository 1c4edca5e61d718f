"""Scaling: invoices per second at 1, 2 and 4 transfer processes, and where a worker's
time goes when the rate limit is not the limit (issue 12, "Scaling figures").

The simulator answers at once and admits everything (no latency, no rate limit), and
POGO_RATE_LIMIT_PER_SECOND is 1 000 (the highest the settings allow), so what is measured
is the worker, PostgreSQL, Redis and the simulator, not PowerOffice Go's budget.

1. **Set-up** (not measured): `--tenants` tenants, each with `--customers` customers and
   their projects, transferred by a worker, and one invoice per tenant so that tokens and
   look-ups (accounts, VAT codes, departments, lock date) are cached before any phase.
2. **One phase per concurrency K** (1, 2, 4): a fresh `celery worker -Q transfers -c K`,
   then `--invoices` new invoices spread evenly over the tenants (customer and project
   unchanged since their transfer), published in one go (the producer's batches of 500);
   the dispatcher (`sync_worker.dispatch`) keeps its window of tasks in the broker and
   fills it at each task's end. Measured: wall time from publishing to the last invoice
   done, invoices/s, failed transfers (must be 0), PowerOffice Go requests per invoice,
   and the CPU seconds per invoice of the worker (its main process and its pool processes,
   replaced ones included, from psutil) and of this process (the simulator's threads
   and the waiting loop). PostgreSQL's and Redis's CPU are read machine-wide (every
   process of those names), so another load on the machine shows in them: details only.
3. **Profile**: the same load once more, run in this process as one pool process runs it
   (the worker's body without Celery's consumer, acknowledgement and result backend):
   take the next task from the broker (the order the dispatcher chose), take its lease as
   the worker's `task_received` signal does, `run_message` with the task's handler, then
   `dispatch.fill()` as `tasks.base.run_transfer` does at the end, all under cProfile
   (wall clock). The simulator runs in threads of this process, outside the profile, so
   the time in HTTP calls is the simulator's answer time plus the client's own. Each
   function's own time is put in one group by its module (PowerOffice Go HTTP: requests,
   urllib3, http.client; PostgreSQL: sqlalchemy, psycopg; Redis; JSON/marshmallow;
   Celery/kombu; our code; other); standard-library and built-in functions count for the
   groups that called them, shared by the time spent under each caller, so the groups add
   up to the whole. The top 40 entries by cumulative time go to
   `results/scaling-profile.txt`.

    python -m benchmarks.scaling [--invoices 1000] [--tenants 10] [--customers 20]
                                 [--concurrency 1,2,4] [--profile-invoices N]

`--invoices 10000` works too (about ten times as long; `make bench` runs the default). A run
of another size writes `results/scaling-<invoices>.json` and its own profile, beside the
default run's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from benchmarks.db_round_trips import receive
from benchmarks.harness import (
    RESULTS_DIR,
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    completion_span,
    log,
    publish,
    status_counts,
    wait_handled,
    write_results,
)
from config.tasks import TRANSFER_INVOICE, UPLOAD_INVOICE_ATTACHMENT, QueueName
from sync_worker import dispatch, kinds
from sync_worker.db.models import utcnow
from sync_worker.policy import Action
from sync_worker.transfers.invoices import upload_attachment
from sync_worker.transfers.runner import run_message
from tests.support.worker import WorkerProcess

NAME = "scaling"
DEFAULT_INVOICES = 1000
UNLIMITED = 1000  # POGO_RATE_LIMIT_PER_SECOND's highest allowed value
SETUP_CONCURRENCY = 4
PROFILE_TOP = 40
# Module paths (and built-in names) of each group, first match wins; what matches none
# (the standard library, built-ins) counts for its callers' groups.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PowerOffice Go HTTP (requests, urllib3)", ("/requests/", "/urllib3/", "http/client.py")),
    ("PostgreSQL (sqlalchemy, psycopg)", ("/sqlalchemy/", "psycopg")),
    ("Redis", ("/redis/",)),
    ("JSON / marshmallow", ("/json/", "/marshmallow/", "_json")),
    ("Celery / kombu", ("/celery/", "/kombu/", "/billiard/", "/amqp/")),
    ("our code", ("/sync_worker/", "/tasks/", "/config/", "/benchmarks/")),
)
OTHER = "other (standard library, not under a group)"


@dataclass
class Phase:
    """One concurrency's run over a fresh set of invoices."""

    concurrency: int
    invoices: int
    seconds: float
    publish_seconds: float
    counts: dict[str, int]
    requests: int
    worker_cpu: float
    bench_cpu: float
    services_cpu: dict[str, float]

    @property
    def per_second(self) -> float:
        return self.invoices / self.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=DEFAULT_INVOICES, help="invoices per phase")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--customers", type=int, default=20, help="customers per tenant")
    parser.add_argument("--concurrency", default="1,2,4", help="pool sizes, comma separated")
    parser.add_argument("--profile-invoices", type=int, help="invoices profiled (--invoices)")
    args = parser.parse_args()
    concurrencies = [int(k) for k in args.concurrency.split(",")]
    profiled = args.profile_invoices or args.invoices
    started = time.monotonic()
    with bench(NAME, rate_limit_per_second=UNLIMITED, rate_limit=None) as run:
        tenants = [
            add_bench_tenant(run, f"scale-{i:02d}", seed=200 + i) for i in range(args.tenants)
        ]
        set_up(run, tenants, args.customers)
        phases = [measure(run, tenants, k, args.invoices) for k in concurrencies]
        profile = profile_in_process(tenants, profiled)
    report(args, phases, profile, started)


# --- set-up ----------------------------------------------------------------------------------


def set_up(run: Bench, tenants: Sequence[BenchTenant], customers: int) -> None:
    """Customers, then their projects, then one invoice per tenant (tokens and look-ups
    cached), by a worker of its own."""
    worker = run.worker(queues="transfers", concurrency=SETUP_CONCURRENCY, name="setup")
    steps = (
        ("customers", lambda t: [t.sample.customer() for _ in range(customers)], "customer"),
        ("projects", lambda t: [t.sample.project(c) for c in t.sample.customers], "project"),
    )
    for label, rows_of, kind in steps:
        log(f"setup: {customers * len(tenants)} {label}")
        messages = [t.sample.message(f"{kind}.changed", r) for t in tenants for r in rows_of(t)]
        _transfer(publish(messages), worker, label)
    log("setup: one invoice per tenant")
    _transfer(publish(invoices(tenants, len(tenants))), worker, "warm-up invoices")
    worker.stop()


def _transfer(ids: list[str], worker: WorkerProcess, what: str) -> None:
    counts = wait_handled(ids, timeout=600, worker=worker)
    if counts.get("done") != len(ids):
        raise RuntimeError(f"setup {what} did not all transfer: {counts}")


def invoices(tenants: Sequence[BenchTenant], count: int) -> list[dict[str, Any]]:
    """`count` new invoices spread evenly over the tenants, each tenant's together (as a
    bulk finalize sends them), its customers and projects in turn."""
    messages = []
    for index, tenant in enumerate(tenants):
        sample = tenant.sample
        pairs = list(zip(sample.customers, sample.projects, strict=True))
        share = count // len(tenants) + (1 if index < count % len(tenants) else 0)
        messages += [
            sample.message("invoice.finalized", sample.invoice(*pairs[i % len(pairs)]))
            for i in range(share)
        ]
    return messages


# --- the phases with real workers ------------------------------------------------------------


def measure(run: Bench, tenants: Sequence[BenchTenant], concurrency: int, count: int) -> Phase:
    worker = run.worker(queues="transfers", concurrency=concurrency, name=f"c{concurrency}")
    messages = invoices(tenants, count)  # built before the clock starts
    log(f"concurrency {concurrency}: {count} invoices")
    run.simulator.admin.reset_stats()
    worker_before, bench_before = tree_cpu(worker), time.process_time()
    services_before = services_cpu()
    since = utcnow()
    clock = time.monotonic()
    ids = publish(messages)
    publish_seconds = time.monotonic() - clock
    counts = wait_handled(ids, timeout=max(600.0, count * 0.5), worker=worker)
    phase = Phase(
        concurrency=concurrency,
        invoices=len(ids),
        seconds=completion_span(ids, since),
        publish_seconds=publish_seconds,
        counts=counts,
        requests=run.simulator.admin.stats()["total_requests"],
        worker_cpu=tree_cpu(worker) - worker_before,
        bench_cpu=time.process_time() - bench_before,
        services_cpu={
            name: seconds - services_before.get(name, 0.0)
            for name, seconds in services_cpu().items()
        },
    )
    worker.stop()
    log(f"  {phase.per_second:.1f} invoices/s, {counts}")
    return phase


def tree_cpu(worker: WorkerProcess) -> float:
    """CPU seconds of the worker's main process and its pool processes, live and reaped
    (a pool process replaced after its task limit counts in the parent's children times)."""
    parent = psutil.Process(worker.process.pid)
    times = parent.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in parent.children():
        try:
            child_times = child.cpu_times()
        except psutil.NoSuchProcess:  # gone between the listing and the read
            continue
        total += child_times.user + child_times.system
    return total


def services_cpu() -> dict[str, float]:
    """CPU seconds of every PostgreSQL and Redis process on this machine, by name."""
    totals = {"postgres": 0.0, "redis-server": 0.0}
    for process in psutil.process_iter(["name"]):
        name = process.info["name"] or ""
        if name not in totals:
            continue
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        totals[name] += times.user + times.system
    return totals


# --- the profile -----------------------------------------------------------------------------


HANDLERS = {
    TRANSFER_INVOICE.name: kinds.get(kinds.INVOICE).handler,
    UPLOAD_INVOICE_ATTACHMENT.name: upload_attachment,
}


@dataclass
class Profile:
    invoices: int
    tasks: int
    seconds: float
    outcomes: dict[str, int]
    profiler: cProfile.Profile

    def stats(self, stream: io.StringIO | None = None) -> pstats.Stats:
        return pstats.Stats(self.profiler, stream=stream)


def profile_in_process(tenants: Sequence[BenchTenant], count: int) -> Profile:
    """The load run task by task in this process, as one pool process runs it, under
    cProfile."""
    log(f"profile: {count} invoices in this process")
    ids = publish(invoices(tenants, count))  # stored, and the dispatcher's first window sent
    profiler = cProfile.Profile()
    outcomes: dict[str, int] = {}
    tasks = 0
    clock = time.monotonic()
    with _broker_connection() as connection:
        channel = connection.default_channel
        profiler.enable()
        for task_name, message_id in _tasks(channel):
            receive(message_id)
            decision = run_message(message_id, HANDLERS[task_name], task_id=f"profile-{tasks}")
            dispatch.fill()
            tasks += 1
            outcomes[decision.action.value] = outcomes.get(decision.action.value, 0) + 1
        profiler.disable()
    seconds = time.monotonic() - clock
    counts = status_counts(ids)
    if counts.get("done") != len(ids) or set(outcomes) - {Action.DONE.value}:
        raise RuntimeError(f"profiled invoices did not all end done: {counts}, {outcomes}")
    log(f"  {len(ids) / seconds:.1f} invoices/s under the profiler")
    return Profile(len(ids), tasks, seconds, outcomes, profiler)


def _broker_connection():
    from sync_worker.app import app

    return app.connection_for_write()


def _tasks(channel: Any) -> Iterator[tuple[str, str]]:
    """(task name, message id) of each transfer task the broker hands out, until it has
    none left (the dispatcher fills it again after every task)."""
    while True:
        message = channel.basic_get(str(QueueName.TRANSFERS), no_ack=True)
        if message is None:
            return
        _args, kwargs, _embed = message.decode()
        yield message.headers["task"], kwargs["message_id"]


def group_of(key: tuple[str, int, str]) -> str | None:
    """The group of a pstats entry (file, line, function); None for one that counts for
    its callers."""
    filename, _line, function = key
    where = filename if filename != "~" else function
    for group, markers in GROUPS:
        if any(marker in where for marker in markers):
            return group
    return None


def group_times(stats: pstats.Stats) -> dict[str, float]:
    """Every function's own time put in one group; an ungrouped function's time shared
    among its callers' groups by the time spent under each caller."""
    entries = stats.stats  # type: ignore[attr-defined]
    shares: dict[Any, dict[str, float]] = {}
    in_progress: set[Any] = set()

    def share_of(key: Any) -> dict[str, float]:
        if key in shares:
            return shares[key]
        group = group_of(key)
        if group is not None:
            shares[key] = {group: 1.0}
            return shares[key]
        # A caller already being resolved is a recursion: its weight is left out.
        in_progress.add(key)
        callers = entries[key][4] if key in entries else {}
        weights = {
            c: edge[3] for c, edge in callers.items() if c not in in_progress and c in entries
        }
        total = sum(weights.values())
        result: dict[str, float] = {}
        for caller, weight in weights.items():
            for name, part in share_of(caller).items():
                result[name] = result.get(name, 0.0) + part * weight / total
        in_progress.discard(key)
        shares[key] = result or {OTHER: 1.0}
        return shares[key]

    times: dict[str, float] = {name: 0.0 for name, _markers in GROUPS} | {OTHER: 0.0}
    for key, (_cc, _nc, own, _cumulative, _callers) in entries.items():
        for name, part in share_of(key).items():
            times[name] += own * part
    return times


def top_entries(stats: pstats.Stats, limit: int) -> list[dict[str, Any]]:
    entries = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(entries.items(), key=lambda item: item[1][3], reverse=True)[:limit]
    return [
        {
            "function": pstats.func_std_string(key),
            "calls": calls,
            "own_s": round(own, 3),
            "cumulative_s": round(cumulative, 3),
        }
        for key, (_cc, calls, own, cumulative, _callers) in ranked
    ]


def results_name(invoices: int) -> str:
    """The results file's name: a run of another size is kept beside the default one."""
    return NAME if invoices == DEFAULT_INVOICES else f"{NAME}-{invoices}"


def profile_path(invoices: int) -> Path:
    return RESULTS_DIR / f"{results_name(invoices)}-profile.txt"


def write_profile(profile: Profile, path: Path) -> None:
    text = io.StringIO()
    text.write(
        f"cProfile (wall clock) of {profile.invoices} invoices, {profile.tasks} tasks, run in"
        f" one process as a worker's pool process runs them: {profile.seconds:.1f} s.\n"
        "python -m benchmarks.scaling; its docstring says how.\n"
    )
    profile.stats(text).strip_dirs().sort_stats("cumulative").print_stats(PROFILE_TOP)
    path.write_text(text.getvalue())


# --- the report ------------------------------------------------------------------------------


def report(
    args: argparse.Namespace, phases: Sequence[Phase], profile: Profile, started: float
) -> None:
    figures: list[Figure] = []
    for phase in phases:
        k, n = phase.concurrency, phase.invoices
        figures += [
            Figure(f"{k} process(es): invoices per second", phase.per_second, "invoices/s"),
            Figure(f"{k} process(es): wall time to drain {n} invoices", phase.seconds, "s"),
            Figure(f"{k} process(es): failed transfers", phase.counts.get("failed", 0), "", 0),
            Figure(f"{k} process(es): worker CPU per invoice", 1000 * phase.worker_cpu / n, "ms"),
            Figure(
                f"{k} process(es): simulator + benchmark process CPU per invoice",
                1000 * phase.bench_cpu / n,
                "ms",
            ),
        ]
    if phases and phases[0].concurrency == 1:
        base = phases[0].per_second
        figures += [
            Figure(f"speed-up at {p.concurrency} processes (vs 1)", p.per_second / base, "×")
            for p in phases[1:]
        ]
    times = group_times(profile.stats())
    whole = sum(times.values())
    figures.append(
        Figure(
            "profile: invoices per second in one process (no Celery, under cProfile)",
            profile.invoices / profile.seconds,
            "invoices/s",
        )
    )
    figures += [
        Figure(f"profile share: {name}", 100 * seconds / whole, "%")
        for name, seconds in times.items()
    ]
    write_profile(profile, profile_path(args.invoices))
    parameters = {
        "invoices_per_phase": args.invoices,
        "tenants": args.tenants,
        "customers_per_tenant": args.customers,
        "concurrency": [p.concurrency for p in phases],
        "profiled_invoices": profile.invoices,
        "simulator": "no latency, no rate limit",
        "pogo_rate_limit_per_second": UNLIMITED,
        "customers_and_projects": "unchanged since their transfer",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    details = {
        "phases": [phase_details(p) for p in phases],
        "profile": {
            "invoices": profile.invoices,
            "tasks": profile.tasks,
            "seconds": round(profile.seconds, 2),
            "outcomes": profile.outcomes,
            "seconds_by_group": {name: round(s, 2) for name, s in times.items()},
            "share_by_group_percent": {
                name: round(100 * s / whole, 1) for name, s in times.items()
            },
            "top_cumulative": top_entries(profile.stats(), 25),
            "pstats_text": f"benchmarks/results/{profile_path(args.invoices).name}",
        },
    }
    write_results(results_name(args.invoices), figures, parameters, details, started=started)


def phase_details(phase: Phase) -> dict[str, Any]:
    return {
        "concurrency": phase.concurrency,
        "invoices": phase.invoices,
        "seconds": round(phase.seconds, 2),
        "publish_seconds": round(phase.publish_seconds, 2),
        "statuses": phase.counts,
        "pogo_requests_per_invoice": round(phase.requests / phase.invoices, 3),
        "worker_cpu_seconds": round(phase.worker_cpu, 2),
        "simulator_and_benchmark_cpu_seconds": round(phase.bench_cpu, 2),
        "machine_wide_service_cpu_seconds": {
            name: round(s, 2) for name, s in phase.services_cpu.items()
        },
    }


if __name__ == "__main__":
    main()
