"""Database round trips per invoice (issue 12, "Less database work per invoice").

Invoices run through the real runner in this process, against PostgreSQL and the
simulator, one at a time, as a worker's process runs them:

1. N customers and N projects are transferred (not measured).
2. N invoices, one per customer and project, neither changed since: the voucher and its
   PDF, in whatever runs the current code makes of them (the upload task too, when the
   invoice leaves its PDF to one).

For each invoice, what a worker does with its task is counted in three parts:

- **receipt**: the worker's `task_received` signal takes the message's lease
  (`sync_worker.app._hold_what_arrives`, run as the signal runs it, after the task is
  taken from the broker);
- **runner**: `run_message` with the kind's handler, the body of `tasks.base.run_transfer`;
- **task end**: `dispatch.fill()`, which `run_transfer` runs after it, in the steady state
  of a backlog: one task leaves the broker's window per invoice, and the window is filled
  when it is half empty.

Once per run, apart: one round of a worker's lease thread (`leases.hold` of what it holds,
then `recovery.sweep()`), which runs every half lease per worker, not per invoice.

Round trips = statements + commits + rollbacks + pool pre-pings (`tests.support.round_trips`
says how each is seen); psycopg's BEGIN per transaction is counted apart. Target: at most
50 per invoice.

    python -m benchmarks.db_round_trips [--invoices 40]
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from benchmarks.harness import (
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    log,
    publish,
    write_results,
)
from config.tasks import QueueName
from sync_worker import dispatch, kinds, leases, recovery
from sync_worker.db.models import Message, MessageStatus
from sync_worker.db.session import get_engine, session_scope
from sync_worker.policy import Action
from sync_worker.transfers.invoices import upload_attachment
from sync_worker.transfers.runner import run_message
from tests.support.round_trips import RoundTrips, counting

NAME = "db_round_trips"
TARGET_PER_INVOICE = 50
HELD_BY_A_WORKER = 8  # messages a worker's lease thread renews per round (4 processes × 2)
UNLIMITED = 1000  # requests per second: round trips are counted here, not timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=40)
    args = parser.parse_args()
    started = time.monotonic()
    with bench(NAME, rate_limit_per_second=UNLIMITED, rate_limit=None) as run:
        tenant = add_bench_tenant(run, "rounds", seed=12)
        parts, outcomes = measure(run, tenant, args.invoices)
        sweep = measure_sweep()
    report(args.invoices, parts, outcomes, sweep, started)


def measure(
    run: Bench, tenant: BenchTenant, count: int
) -> tuple[dict[str, RoundTrips], dict[str, int]]:
    """Each part's round trips over `count` unchanged-customer invoices, and how the
    invoices ended."""
    sample = tenant.sample
    customers = [sample.customer() for _ in range(count)]
    projects = [sample.project(customer) for customer in customers]
    for kind, rows in (("customer", customers), ("project", projects)):
        log(f"setup: {count} {kind}s")
        transfer_all(publish([sample.message(f"{kind}.changed", row) for row in rows]))
    purge_broker()
    log(f"measured: {count} invoices")
    ids = publish(
        [
            sample.message("invoice.finalized", sample.invoice(customer, project))
            for customer, project in zip(customers, projects, strict=True)
        ]
    )
    engine = get_engine()
    parts = {"receipt": RoundTrips(), "runner": RoundTrips(), "task end": RoundTrips()}
    outcomes: dict[str, int] = {}
    for message_id in ids:
        take_one_task()
        with counting(engine) as trips:
            receive(message_id)
        parts["receipt"].add(trips)
        with counting(engine) as trips:
            decision = run_message(message_id, kinds.get(kinds.INVOICE).handler, task_id="bench")
            if decision.action is not Action.DONE and pdf_left_to_its_task(message_id):
                # The PDF's own task: received, and run, by a worker too.
                receive(message_id)
                decision = run_message(message_id, upload_attachment, task_id="bench-pdf")
        parts["runner"].add(trips)
        outcomes[decision.action.value] = outcomes.get(decision.action.value, 0) + 1
        with counting(engine) as trips:
            dispatch.fill()
        parts["task end"].add(trips)
    return parts, outcomes


def transfer_all(message_ids: list[str]) -> None:
    for message_id in message_ids:
        with session_scope() as session:
            kind = session.get_one(Message, message_id).kind
        decision = run_message(message_id, kinds.get(kind).handler)
        if decision.action is not Action.DONE:
            raise RuntimeError(f"setup {kind} {message_id} ended {decision}")


def pdf_left_to_its_task(message_id: str) -> bool:
    with session_scope() as session:
        return session.get_one(Message, message_id).status == MessageStatus.QUEUED


def receive(message_id: str) -> None:
    """What the worker's `task_received` signal does with a task that arrives."""
    from sync_worker.app import _hold_what_arrives

    _hold_what_arrives(request=SimpleNamespace(kwargs={"message_id": message_id}, eta=None))


def _broker_channel():
    from sync_worker.app import app

    return app.connection_for_write()


def take_one_task() -> None:
    """A worker takes the next transfer task from the broker: the window has one less."""
    with _broker_channel() as connection:
        connection.default_channel.basic_get(str(QueueName.TRANSFERS), no_ack=True)


def purge_broker() -> None:
    """The setup's tasks were run here, not by a worker: they leave the broker."""
    with _broker_channel() as connection:
        connection.default_channel.queue_purge(str(QueueName.TRANSFERS))


def measure_sweep() -> RoundTrips:
    """One round of a worker's lease thread, as `sync_worker.app` runs it."""
    with session_scope() as session:
        held = list(session.scalars(select(Message.id).limit(HELD_BY_A_WORKER)))
    recovery.sweep()  # the first round of a run marks the broker, which the next ones read
    with counting(get_engine()) as trips:
        leases.hold(held)
        recovery.sweep()
    return trips


def report(
    count: int,
    parts: dict[str, RoundTrips],
    outcomes: dict[str, int],
    sweep: RoundTrips,
    started: float,
) -> None:
    whole = RoundTrips()
    for part in parts.values():
        whole.add(part)
    figures = [
        Figure(
            "round trips per invoice (receipt + runner + task end)",
            per(whole.total, count),
            "",
            TARGET_PER_INVOICE,
        ),
        Figure("  statements per invoice", per(whole.statement_count, count)),
        Figure("  commits per invoice", per(whole.commits, count)),
        Figure("  rollbacks per invoice", per(whole.rollbacks, count)),
        Figure("  pool pre-pings per invoice", per(whole.pre_pings, count)),
        Figure("  entity_states reads per invoice", per(whole.entity_state_reads, count)),
        Figure("  advisory lock calls per invoice", per(whole.advisory_lock_calls, count)),
        *[
            Figure(f"{name}: round trips per invoice", per(part.total, count))
            for name, part in parts.items()
        ],
        Figure("lease thread: round trips per round (per worker, every half lease)", sweep.total),
    ]
    details: dict[str, Any] = {
        "outcomes": outcomes,
        "per invoice": per_invoice(whole, count),
        **{f"{name} per invoice": per_invoice(part, count) for name, part in parts.items()},
        "lease thread, one round": sweep.as_dict(),
    }
    write_results(NAME, figures, {"invoices": count}, details, started=started)


def per(value: float, count: int) -> float:
    return round(value / count, 2)


def per_invoice(trips: RoundTrips, count: int) -> dict[str, Any]:
    return {
        name: (
            {label: per(n, count) for label, n in value.items()}
            if isinstance(value, dict)
            else per(value, count)
        )
        for name, value in trips.as_dict().items()
    }


if __name__ == "__main__":
    main()
