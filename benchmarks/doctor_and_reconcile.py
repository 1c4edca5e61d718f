"""PowerOffice Go calls of the setup doctor and of a month's reconciliation for a tenant with
500 invoices (issue 9: "under 20 PowerOffice Go calls each").

1. One tenant (expense import on), 150 customers with a project each, and 500 invoices on
   them dated over the last 30 days, transferred by a real worker into the simulator (not
   measured; the simulator answers without added latency and without its rate limit here,
   since neither changes how many calls are made, only how long the setup takes).
2. The doctor, cold (the token and every look-up forgotten), then again on the cached
   look-ups (`--cached`).
3. The reconciliation of the 30 days, on books that agree; then on books with one of each
   difference made by hand (a voucher reversed, a duplicate keyed in, a total changed, a
   customer edited, a voucher whose PDF PowerOffice Go refused), cold again.

Calls = requests the simulator received during the run (the client's own count is reported
too, and must agree).

    python -m benchmarks.doctor_and_reconcile [--invoices 500] [--customers 150]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from decimal import Decimal
from typing import Any

from benchmarks.harness import (
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    log,
    publish,
    timed,
    wait_handled,
    write_results,
)
from sync_worker import kinds
from sync_worker.db.session import session_scope
from sync_worker.doctor import diagnose
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.reconcile import reconcile
from sync_worker.tenants import TenantSettings
from sync_worker.transfers.state import find_state

NAME = "doctor_and_reconcile"
CALL_TARGET = 19  # "under 20 PowerOffice Go calls each"
PERIOD_DAYS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--customers", type=int, default=150)
    options = parser.parse_args()
    started = time.monotonic()
    with bench(NAME, rate_limit_per_second=1000, rate_limit=None) as run:
        tenant = add_bench_tenant(
            run,
            "books",
            settings=TenantSettings(
                error_emails="errors@books.test",
                expense_import_enabled=True,
                expenses_billable_default=True,
            ),
        )
        worker = run.worker(queues="transfers,notifications", concurrency=4, name="transfers")
        invoices = transfer_books(tenant, worker, options.invoices, options.customers)
        today = tenant.sample.today
        period = (today - dt.timedelta(days=PERIOD_DAYS), today)

        doctor_cold = measured(run, lambda: diagnose(tenant.code), cold=True)
        doctor_warm = measured(run, lambda: diagnose(tenant.code, fresh=False), cold=False)
        clean = measured(run, lambda: reconcile(tenant.code, *period, fix=False), cold=True)
        seed_differences(run, tenant, worker, invoices)
        seeded = measured(run, lambda: reconcile(tenant.code, *period, fix=False), cold=True)

    figures = [
        Figure("doctor, cold: PowerOffice Go calls", doctor_cold["requests"], "", CALL_TARGET),
        Figure("doctor, on cached look-ups: calls", doctor_warm["requests"], "", CALL_TARGET),
        Figure(
            f"reconciliation, {options.invoices} invoices agreeing: calls",
            clean["requests"],
            "",
            CALL_TARGET,
        ),
        Figure(
            "reconciliation, with 5 differences made by hand: calls",
            seeded["requests"],
            "",
            CALL_TARGET,
        ),
        Figure("findings on books that agree", len(clean["report"].findings), "", 0),
        Figure("findings on books with 5 differences", len(seeded["report"].findings), "", 5),
        Figure("doctor, cold: wall time", doctor_cold["seconds"], "s"),
        Figure("reconciliation of the month: wall time", clean["seconds"], "s"),
    ]
    write_results(
        NAME,
        figures,
        {
            "invoices": options.invoices,
            "customers": options.customers,
            "projects": options.customers,
            "period_days": PERIOD_DAYS,
        },
        {
            name: {
                "by_endpoint": part["by_endpoint"],
                "client_count": part["report"].calls,
                "findings": [_described(f) for f in part["report"].findings],
            }
            for name, part in (
                ("doctor_cold", doctor_cold),
                ("doctor_cached", doctor_warm),
                ("reconcile_clean", clean),
                ("reconcile_seeded", seeded),
            )
        },
        started=started,
    )


def _described(finding) -> str:
    """A doctor's finding by its check, a reconciliation's by its problem and number."""
    if hasattr(finding, "check"):
        return f"{finding.status} {finding.check}"
    return f"{finding.problem.name.lower()} {finding.number}"


def transfer_books(tenant: BenchTenant, worker, count: int, customers: int) -> list[dict[str, Any]]:
    sample = tenant.sample
    people = [sample.customer() for _ in range(customers)]
    projects = [sample.project(customer, department_code="20") for customer in people]
    for kind, rows in (("customer", people), ("project", projects)):
        log(f"setup: {len(rows)} {kind}s")
        ids = publish([sample.message(f"{kind}.changed", row) for row in rows])
        _all_done(wait_handled(ids, timeout=600, worker=worker), kind)
    invoices = [
        sample.invoice(
            people[index % customers],
            projects[index % customers],
            invoice_date=sample.today - dt.timedelta(days=index % PERIOD_DAYS),
        )
        for index in range(count)
    ]
    log(f"setup: {count} invoices")
    ids = publish([sample.message("invoice.finalized", invoice) for invoice in invoices])
    _all_done(wait_handled(ids, timeout=900, worker=worker), "invoice")
    return invoices


def _all_done(counts: dict[str, int], kind: str) -> None:
    if set(counts) != {"done"}:
        raise RuntimeError(f"setup {kind}s did not all transfer: {counts}")


def measured(run: Bench, action, *, cold: bool) -> dict[str, Any]:
    """Run the doctor or the reconciliation; what it cost PowerOffice Go."""
    if cold:
        run.client_redis().flushdb()  # tokens and look-ups forgotten
    admin = run.simulator.admin
    admin.reset_stats()
    report, seconds = timed(action)
    stats = admin.stats()
    if stats["total_requests"] != report.calls:
        raise RuntimeError(f"the client counted {report.calls}, the simulator {stats}")
    return {
        "report": report,
        "requests": stats["total_requests"],
        "by_endpoint": stats["by_endpoint"],
        "seconds": seconds,
    }


def seed_differences(
    run: Bench, tenant: BenchTenant, worker, invoices: list[dict[str, Any]]
) -> None:
    """One of each difference the reconciliation reports, made as a person would make it,
    and one invoice more whose PDF PowerOffice Go refused (posted, its upload failed)."""
    admin, key = run.simulator.admin, tenant.client_key
    admin.set_invalid_privileges(key, ["VoucherDocumentation_Full"])
    last = invoices[-1]
    extra = tenant.sample.invoice(last["customer"], last["project"])
    wait_handled(
        publish([tenant.sample.message("invoice.finalized", extra)]), timeout=120, worker=worker
    )
    admin.set_invalid_privileges(key, [])
    removed, duplicated, changed = (str(i["number"]) for i in invoices[:3])
    with session_scope() as session:
        state = {
            number: find_state(session, tenant.tenant_id, kinds.INVOICE, number)
            for number in (removed, duplicated, changed)
        }
        customer = find_state(
            session, tenant.tenant_id, kinds.CUSTOMER, str(invoices[4]["customer"]["number"])
        )
    admin.reverse_voucher(key, state[removed].pogo_id)
    admin.key_in_copy(key, state[duplicated].pogo_id)
    admin.reverse_voucher(key, state[changed].pogo_id)
    admin.key_in_copy(
        key, state[changed].pogo_id, total=Decimal(invoices[2]["total_incl_vat"]) + 100
    )
    PowerOfficeClient(key).customers.patch(
        int(customer.pogo_id), [{"op": "replace", "path": "/Name", "value": "Endret for hånd AS"}]
    )


if __name__ == "__main__":
    main()
