"""The worst day (issue 11): invoices with their customers and projects across several
tenants, while PowerOffice Go misbehaves and the workers are killed and Redis is emptied.

The simulator answers 10 % of requests with a 5xx, bursts of 429, tokens that die early,
and writes whose answer is lost; worker processes (the main process and its pool children
together) are SIGKILLed at random moments and started again; once, mid-batch, every Redis
database of the system (broker, results, tokens and look-ups) is emptied. beat runs as in
production. Nobody publishes again and nobody runs a command. At the end:

- every invoice exactly once in PowerOffice Go, with its PDF (duplicates 0, lost 0);
- every customer at the newest version Moment sent;
- every message done, or failed with its error e-mail;
- the time from the last kill, and from the flush, until everything drained;
- the PowerOffice Go calls, and the faults injected.

    python -m benchmarks.fault_suite [--tenants 3] [--invoices 300] [--kills 5] [--out F]

`make test` runs it small (tests/pipeline/test_worst_day.py); docs/reliability.md holds
the figures of the last big run. Exits 1 when a figure misses its target.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.harness import (
    POGO_LIMIT,
    RESULTS_DIR,
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    flush_redis,
    log,
    publish,
    reset_process_caches,
    status_counts,
    write_results,
)
from sandbox.simulator import FaultConfig
from sync_worker.db.models import Message, MessageStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.notifications.mailbox import Mailbox
from sync_worker.tenants import TenantSettings
from tests.support.worker import ROOT, WorkerProcess, wait_until

NAME = "fault_suite"
DRAIN_TARGET_SECONDS = 180  # after the last kill: "within 3 minutes of the workers coming back"
FLUSH_TARGET_SECONDS = 300  # after the Redis flush: "within 5 minutes"
# Short limits, so that a lease (a third of the time limit) runs out in seconds.
WORKER_SETTINGS = {
    "SYNC_TASK_TIME_LIMIT": "30",
    "SYNC_TASK_SOFT_TIME_LIMIT": "20",
    "SYNC_RETRY_BACKOFF_BASE": "1",
    "SYNC_RETRY_BACKOFF_MAX": "4",
    "SYNC_TRANSFER_MAX_RETRIES": "40",
    "SYNC_WAIT_FIRST_SECONDS": "1",
    "SYNC_WAIT_MAX_SECONDS": "2",
    "SYNC_CREDIT_NOTE_WAIT_SECONDS": "60",
    "POGO_TIMEOUT_SECONDS": "5",
}


def base_faults(invoices: int, seed: int, rate_limit_burst: int = 0) -> FaultConfig:
    return FaultConfig(
        error_rate=0.10,
        lose_responses=max(2, invoices // 20),
        token_lifetime_seconds=15,
        rate_limit_burst=rate_limit_burst,
        random_seed=seed,
    )


@dataclass
class Chaos:
    """The workers as they come and go, and what was done to them."""

    run: Bench
    env: dict[str, str]
    workdir: Path
    worker: WorkerProcess | None = None
    incarnation: int = 0
    kills: int = 0
    flushed_at: float | None = None
    last_kill_at: float | None = None
    lost_responses: int = 0
    beat: subprocess.Popen | None = None
    events: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def start_worker(self) -> None:
        self.incarnation += 1
        self.worker = WorkerProcess(
            self.env,
            concurrency=2,
            name=f"chaos{self.incarnation}",
            log_path=self.workdir / f"worker-{self.incarnation}.log",
        ).start()

    def kill_worker(self) -> None:
        """SIGKILL the worker's main process and its pool children at once."""
        os.killpg(self.worker.process.pid, signal.SIGKILL)
        self.worker.process.wait()
        self.kills += 1
        self.last_kill_at = time.monotonic()
        self.events.append(f"kill {self.kills} at {self._elapsed()}")

    def start_beat(self) -> None:
        log_file = (self.workdir / "beat.log").open("ab")
        self.beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sync_worker.app",
                "beat",
                "-s",
                str(self.workdir / "beat-schedule"),
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def flush_redis(self) -> None:
        """Redis comes back empty: the broker, the results, tokens, limits, look-ups."""
        for url in self.run.redis_urls:
            flush_redis(url)
        self.flushed_at = time.monotonic()
        self.events.append(f"Redis flushed at {self._elapsed()}")

    def burst_of_429(self, invoices: int, seed: int) -> None:
        admin = self.run.simulator.admin
        self.lost_responses += _losses_taken(admin.faults())
        admin.set_faults(**base_faults(invoices, seed, rate_limit_burst=8).to_dict())

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.beat is not None and self.beat.poll() is None:
            os.killpg(self.beat.pid, signal.SIGTERM)
            self.beat.wait(timeout=20)

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"


def _losses_taken(faults: dict[str, Any]) -> int:
    return faults["config"]["lose_responses"] - faults["remaining"]["lose_responses"]


@dataclass
class Books:
    """What Moment sent a tenant: the invoices, and each customer's newest name."""

    tenant: BenchTenant
    error_email: str
    invoices: list[dict[str, Any]] = field(default_factory=list)
    newest_names: dict[str, str] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)


def books_of(tenant: BenchTenant, error_email: str, invoices: int, rng: random.Random) -> Books:
    """Customers with a project each, invoices on them, and a tenth of the customers
    changed again after their invoices (a newer version to end at)."""
    sample = tenant.sample
    books = Books(tenant, error_email)
    people = [sample.customer() for _ in range(max(1, invoices // 4))]
    projects = [sample.project(customer) for customer in people]
    books.messages += [sample.message("customer.changed", c) for c in people]
    books.messages += [sample.message("project.changed", p) for p in projects]
    for index in range(invoices):
        pair = index % len(people)
        invoice = sample.invoice(people[pair], projects[pair])
        books.invoices.append(invoice)
        books.messages.append(sample.message("invoice.finalized", invoice))
    for customer in people:
        books.newest_names[str(customer["number"])] = customer["name"]
    for customer in rng.sample(people, max(1, len(people) // 10)):
        changed = {**customer, "name": customer["name"].replace(" AS", " Holding AS")}
        books.newest_names[str(customer["number"])] = changed["name"]
        books.messages.append(sample.message("customer.changed", changed))
    return books


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--invoices", type=int, default=300, help="in all, over the tenants")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to drain at most")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="directory for results")
    options = parser.parse_args(argv)
    # Stopped from outside (a timeout, ^C): end as on an error, so that the workers and
    # beat this run started are stopped with it, not left consuming the next run's tasks.
    signal.signal(signal.SIGTERM, _stopped)
    rng = random.Random(options.seed)
    started = time.monotonic()
    faults = base_faults(options.invoices, options.seed)
    with (
        Mailbox() as mailbox,
        tempfile.TemporaryDirectory(prefix="sync-fault-suite-") as workdir,
        bench(NAME, rate_limit_per_second=POGO_LIMIT, rate_limit=POGO_LIMIT, faults=faults) as run,
    ):
        env = {
            **run.env,
            **WORKER_SETTINGS,
            "SMTP_HOST": mailbox.host,
            "SMTP_PORT": str(mailbox.port),
            "SMTP_FROM": "sync-worker@fault-suite.test",
        }
        os.environ.update(env)
        reset_process_caches()
        all_books = [
            books_of(
                add_bench_tenant(
                    run,
                    f"worst{index}",
                    seed=options.seed + index,
                    settings=TenantSettings(error_emails=f"errors@worst{index}.test"),
                ),
                f"errors@worst{index}.test",
                options.invoices // options.tenants,
                rng,
            )
            for index in range(options.tenants)
        ]
        chaos = Chaos(run, env, Path(workdir))
        try:
            result = _the_day(chaos, all_books, options, rng, mailbox)
        finally:
            chaos.stop()
    figures = _figures(result)
    write_results(
        NAME,
        figures,
        {
            "tenants": options.tenants,
            "invoices": sum(len(b.invoices) for b in all_books),
            "kills": options.kills,
            "seed": options.seed,
            "faults": {
                "error_rate": faults.error_rate,
                "lose_responses": faults.lose_responses,
                "token_lifetime_seconds": faults.token_lifetime_seconds,
                "rate_limit_burst_per_kill": 8,
            },
            "worker_settings": WORKER_SETTINGS,
        },
        {
            "events": result["events"],
            "statuses": result["statuses"],
            "by_status": result["by_status"],
        },
        started=started,
        directory=options.out,
    )
    return 0 if all(figure.ok is not False for figure in figures) else 1


def _stopped(signum: int, _frame) -> None:
    raise SystemExit(128 + signum)


def _the_day(chaos: Chaos, all_books: list[Books], options, rng, mailbox) -> dict[str, Any]:
    admin = chaos.run.simulator.admin
    admin.reset_stats()
    chaos.start_beat()
    chaos.start_worker()
    messages = [m for books in all_books for m in books.messages]
    rng.shuffle(messages)  # a customer's newer version may come before its invoices
    log(f"publishing {len(messages)} messages")
    ids = publish(messages)
    flush_after = max(1, options.kills // 2)
    for kill in range(1, options.kills + 1):
        # Spread over the batch: the k-th kill once k/(kills+1) of it is done, while the
        # worker holds work, at a random moment after that.
        share = kill / (options.kills + 1)
        wait_until(
            lambda share=share: _done_share(ids) >= share and _held() > 0,
            timeout=options.timeout,
            interval=0.2,
            what="the worker to be in the middle of the batch",
        )
        time.sleep(rng.uniform(0.2, 3.0))
        chaos.events.append(f"{_held()} messages leased when the worker was killed")
        chaos.kill_worker()
        if kill == flush_after:
            chaos.flush_redis()
        chaos.burst_of_429(options.invoices, options.seed)
        chaos.start_worker()
        log(f"kill {kill} of {options.kills}: {status_counts(ids)}")
    wait_until(
        lambda: _drained(ids),
        timeout=options.timeout,
        interval=0.5,
        what=f"every message to be handled; worker log:\n{chaos.worker.log_tail()}",
    )
    drained_at = time.monotonic()
    chaos.lost_responses += _losses_taken(admin.faults())
    stats = admin.stats()
    return {
        "invoices": sum(len(b.invoices) for b in all_books),
        "kills": chaos.kills,
        "flushes": 1 if chaos.flushed_at else 0,
        "drain_after_last_kill": drained_at - chaos.last_kill_at,
        "drain_after_flush": drained_at - chaos.flushed_at if chaos.flushed_at else 0.0,
        "calls": stats["total_requests"],
        "by_status": stats["by_status"],
        "lost_responses": chaos.lost_responses,
        "statuses": status_counts(ids),
        "events": chaos.events,
        **_books_checked(all_books, admin, mailbox),
    }


def _done_share(ids: list[str]) -> float:
    counts = status_counts(ids)
    return (counts.get("done", 0) + counts.get("stale", 0)) / len(ids)


def _held() -> int:
    """Messages with a live lease: held by a worker (received, running, waiting to retry),
    or given back to the broker by the sweep."""
    with session_scope() as session:
        return session.scalar(
            select(func.count()).where(
                Message.status == MessageStatus.QUEUED, Message.lease_until > utcnow()
            )
        )


def _drained(ids: list[str]) -> bool:
    counts = status_counts(ids)
    return counts.get("queued", 0) == 0


def _books_checked(all_books: list[Books], admin, mailbox) -> dict[str, int]:
    duplicates = lost = without_pdf = stale_customers = 0
    failed_without_email = 0
    for books in all_books:
        key = books.tenant.client_key
        posted: dict[str, list[dict]] = {}
        for voucher in admin.vouchers(key):
            if voucher.get("InvoiceNo") is not None and not voucher.get("IsReversed"):
                posted.setdefault(str(voucher["InvoiceNo"]), []).append(voucher)
        for invoice in books.invoices:
            found = posted.get(str(invoice["number"]), [])
            lost += not found
            duplicates += max(0, len(found) - 1)
            without_pdf += sum(1 for voucher in found if not voucher.get("HasPdf"))
        names = {str(c["Number"]): c["Name"] for c in admin.customers(key)}
        stale_customers += sum(
            1 for number, name in books.newest_names.items() if names.get(number) != name
        )
        failed = status_counts([m["message_id"] for m in books.messages]).get("failed", 0)
        if failed and not mailbox.to(books.error_email):
            failed_without_email += failed
    return {
        "duplicates": duplicates,
        "lost": lost,
        "without_pdf": without_pdf,
        "stale_customers": stale_customers,
        "failed_without_email": failed_without_email,
    }


def _figures(result: dict[str, Any]) -> list[Figure]:
    by_status = result["by_status"]
    five_xx = sum(count for status, count in by_status.items() if status.startswith("5"))
    return [
        Figure("invoices", result["invoices"], ""),
        Figure("worker kills (SIGKILL, main process and pool)", result["kills"], "", 1, True),
        Figure("Redis flushes (every database of the system)", result["flushes"], "", 1, True),
        Figure("injected 5xx answers", five_xx, ""),
        Figure("injected 429 answers", by_status.get("429", 0), ""),
        Figure("injected lost responses after a write", result["lost_responses"], ""),
        Figure("401s from tokens that died early", by_status.get("401", 0), ""),
        Figure("invoices posted twice (duplicates)", result["duplicates"], "", 0),
        Figure("invoices not in PowerOffice Go (lost)", result["lost"], "", 0),
        Figure("vouchers without their PDF", result["without_pdf"], "", 0),
        Figure("customers not at Moment's newest version", result["stale_customers"], "", 0),
        Figure("failed messages without an error e-mail", result["failed_without_email"], "", 0),
        Figure("failed messages", result["statuses"].get("failed", 0), ""),
        Figure(
            "drained after the last kill",
            result["drain_after_last_kill"],
            "s",
            DRAIN_TARGET_SECONDS,
        ),
        Figure(
            "drained after the Redis flush", result["drain_after_flush"], "s", FLUSH_TARGET_SECONDS
        ),
        Figure("PowerOffice Go calls", result["calls"], ""),
        Figure("calls per invoice", result["calls"] / max(1, result["invoices"]), "calls"),
    ]


if __name__ == "__main__":
    sys.exit(main())
