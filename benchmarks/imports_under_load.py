"""A burst of invoices while 200 tenants' expense imports run (issue 5: "one interval's
imports stay inside the shared rate limit and a burst of invoices published during it is
transferred with a delay of the same order as when idle").

Setup (not measured; simulator rate limit and latency off meanwhile):
- 200 tenants with the expense import on, each with its own seeded client in the
  simulator, one project known to Moment (stored as the transfers would have stored it)
  and two posted supplier vouchers with a PDF on that project, dated today;
- one more tenant whose 5 customers and 5 projects go through the transfers worker;
- the client's Redis (tokens, look-up cache, rate window) is emptied afterwards, so every
  import starts cold, with a token request, as after 15 minutes.

Then, with PowerOffice Go's limit of 10 requests/s (simulator and POGO_RATE_LIMIT_PER_SECOND)
and realistic latency, production's shape: a transfers worker (-c 4) and an imports worker
(-c 2) on their own queues.
1. idle: 30 invoices published at once; time from publishing to the last one done;
2. load: all 200 imports enqueued at once on `imports` (the worst case: the scheduler
   spreads them over the interval), then the same kind of burst of 30 invoices;
3. every import completes (each tenant's two expenses stored).

    python -m benchmarks.imports_under_load [--tenants 200] [--invoices 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

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
)
from benchmarks.harness import write_results as write
from config.settings import get_settings
from config.tasks import IMPORT_EXPENSES
from sandbox.sample_data import invoice_pdf
from sync_worker.db.models import Attempt, EntityState, Expense, utcnow
from sync_worker.db.session import session_scope
from sync_worker.norway import today_in_oslo
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.tenants import TenantSettings, add_tenant
from tests.support.worker import WorkerProcess, wait_until

NAME = "imports_under_load"
PROJECT = f"{dt.date.today().year}-100"
EXPENSES_PER_TENANT = 2  # two vouchers of one expense line each
ENTITIES = 5  # the burst tenant's customers and projects


@dataclass
class Burst:
    invoices: int
    seconds: float  # from publishing to the last invoice done
    latency: list[float]
    failed: int


@dataclass
class Imports:
    tenants: int
    seconds: float  # from enqueueing to the last expense stored
    complete: int  # tenants with every expense stored
    failed: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=30)
    args = parser.parse_args()
    started = time.monotonic()
    with bench(NAME, rate_limit=None) as run:
        log(f"setup: {args.tenants} tenants with expense import")
        tenant_ids = [book_import_tenant(run, n) for n in range(args.tenants)]
        run.client_redis().flushdb()  # cold: tokens, look-ups and the rate window
        run.simulator.admin.set_rate_limit(POGO_LIMIT)
        run.simulator.admin.set_faults(**REALISTIC_LATENCY)
        transfers = run.worker(queues="transfers", concurrency=4, name="transfers")
        imports = run.worker(queues="imports", concurrency=2, name="imports")
        burst_tenant = transfer_entities(run, transfers)
        figures, details = measure(run, transfers, imports, burst_tenant, tenant_ids, args)
    write(NAME, figures, vars(args), details, started=started)


def book_import_tenant(run: Bench, n: int) -> int:
    """A tenant whose PowerOffice Go client holds two supplier vouchers on its project."""
    code = f"import-{n:03d}"
    client_key = f"client-key-{code}"
    admin = run.simulator.admin
    admin.create_client(client_key, f"Importør {n} AS")
    admin.seed_client(client_key)
    setup_client(client_key).projects.create({"Code": PROJECT, "Name": f"Prosjekt {n}"})
    for supplier, account, vat, amount in (
        (20001, 7140, "13", "2400.00"),
        (20004, 6540, "1", "980.50"),
    ):
        admin.add_supplier_voucher(
            client_key,
            supplier_no=supplier,
            voucher_date=today_in_oslo(),
            lines=[
                {
                    "account_no": account,
                    "net_amount": amount,
                    "vat_code": vat,
                    "project_code": PROJECT,
                }
            ],
            pdf=invoice_pdf([f"Leverandørfaktura {supplier}", code]),
            pdf_filename=f"bilag-{supplier}.pdf",
        )
    with session_scope() as session:
        settings = TenantSettings(error_emails=f"regnskap@{code}.test", expense_import_enabled=True)
        tenant = add_tenant(session, code, client_key, settings)
        # The project as the transfers store it when Moment sends it (`project.changed`).
        session.add(EntityState(tenant_id=tenant.id, kind="project", number=PROJECT, status="done"))
        return tenant.id


def setup_client(client_key: str) -> PowerOfficeClient:
    """A client that setup may drive at full speed (the rate limit is the workers' business)."""
    return PowerOfficeClient(
        client_key, settings=dataclasses.replace(get_settings(), pogo_rate_limit_per_second=1000)
    )


def transfer_entities(run: Bench, transfers: WorkerProcess) -> BenchTenant:
    """The burst tenant's customers and projects, through the real pipeline."""
    tenant = add_bench_tenant(run, "burst", seed=11)
    sample = tenant.sample
    customers = [sample.customer() for _ in range(ENTITIES)]
    for kind, rows in (
        ("customer", customers),
        ("project", [sample.project(c) for c in customers]),
    ):
        ids = publish([sample.message(f"{kind}.changed", row) for row in rows])
        counts = wait_handled(ids, timeout=120, worker=transfers)
        if counts.get("done") != len(ids):
            raise RuntimeError(f"setup {kind}s did not all transfer: {counts}")
    return tenant


def measure(
    run: Bench,
    transfers: WorkerProcess,
    imports: WorkerProcess,
    tenant: BenchTenant,
    tenant_ids: list[int],
    args: argparse.Namespace,
) -> tuple[list[Figure], dict[str, Any]]:
    admin = run.simulator.admin
    admin.reset_stats()
    log(f"idle: burst of {args.invoices} invoices")
    idle = burst(tenant, args.invoices, transfers)
    idle_stats = admin.stats()
    admin.reset_stats()
    log(f"load: {len(tenant_ids)} imports enqueued at once, then the burst")
    since = utcnow()
    enqueue_imports(tenant_ids)
    wait_until(lambda: expenses_stored() > 0, timeout=60, what="the first import to store")
    loaded = burst(tenant, args.invoices, transfers)
    done = wait_imports(tenant_ids, since, imports)
    load_stats = admin.stats()
    return figures(idle, loaded, done, idle_stats, load_stats), {
        "idle_requests": idle_stats["by_endpoint"],
        "load_requests": load_stats["by_endpoint"],
        "retries_recorded": retries_recorded(since),
    }


def burst(tenant: BenchTenant, count: int, transfers: WorkerProcess) -> Burst:
    sample = tenant.sample
    pairs = list(zip(sample.customers, sample.projects, strict=True))
    messages = [
        sample.message("invoice.finalized", sample.invoice(*pairs[i % len(pairs)]))
        for i in range(count)
    ]
    since = utcnow()
    ids = publish(messages)
    counts = wait_handled(ids, timeout=300, worker=transfers)
    return Burst(len(ids), completion_span(ids, since), latencies(ids), counts.get("failed", 0))


def enqueue_imports(tenant_ids: list[int]) -> None:
    """What the scheduler sends, but every tenant's at once instead of at its own slot."""
    from sync_worker.app import app

    with app.producer_or_acquire() as producer:
        for tenant_id in tenant_ids:
            app.send_task(
                IMPORT_EXPENSES.name,
                kwargs={"tenant_id": tenant_id},
                queue=str(IMPORT_EXPENSES.queue),
                producer=producer,
            )


def expenses_stored() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Expense)) or 0


def wait_imports(tenant_ids: list[int], since: dt.datetime, imports: WorkerProcess) -> Imports:
    expected = len(tenant_ids) * EXPENSES_PER_TENANT
    wait_until(
        lambda: expenses_stored() >= expected or import_failures(since) > 0,
        timeout=900,
        interval=0.5,
        what=f"{expected} expenses; imports worker log:\n{imports.log_tail()}",
    )
    with session_scope() as session:
        complete = session.scalar(
            select(func.count()).select_from(
                select(Expense.tenant_id)
                .group_by(Expense.tenant_id)
                .having(func.count() >= EXPENSES_PER_TENANT)
                .subquery()
            )
        )
        last = session.scalar(select(func.max(Expense.imported_at)))
    return Imports(
        len(tenant_ids), (last - since).total_seconds(), complete, import_failures(since)
    )


def import_failures(since: dt.datetime) -> int:
    with session_scope() as session:
        return (
            session.scalar(
                select(func.count()).where(
                    Attempt.step == "expense_import",
                    Attempt.outcome == "failed",
                    Attempt.created_at >= since,
                )
            )
            or 0
        )


def figures(
    idle: Burst,
    loaded: Burst,
    done: Imports,
    idle_stats: dict[str, Any],
    load_stats: dict[str, Any],
) -> list[Figure]:
    return [
        Figure("burst when idle: publish → all done", idle.seconds, "s"),
        Figure("burst under imports: publish → all done", loaded.seconds, "s"),
        Figure("burst delay under imports / idle", loaded.seconds / idle.seconds, "×"),
        Figure("burst when idle: latency p95", percentile(idle.latency, 0.95), "s"),
        Figure("burst under imports: latency p95", percentile(loaded.latency, 0.95), "s"),
        Figure("failed transfers", idle.failed + loaded.failed, "", 0),
        Figure("imports complete", done.complete, "tenants", done.tenants, at_least=True),
        Figure("imports failed", done.failed, "", 0),
        Figure("all imports: enqueue → last expense stored", done.seconds, "s"),
        Figure("max requests in one second (idle)", max_per_window(idle_stats), "", POGO_LIMIT),
        Figure("max requests in one second (load)", max_per_window(load_stats), "", POGO_LIMIT),
        Figure("429 answers (waited out)", count_429(idle_stats) + count_429(load_stats), ""),
        Figure("requests during the load phase", load_stats["total_requests"], ""),
    ]


if __name__ == "__main__":
    main()
