"""Month-end: 50 tenants under one 10 requests/second budget, and a naive integration on
the same simulator and load, in the same run (issue 12).

The simulator answers in 60-100 ms (`REALISTIC_LATENCY`) and admits 10 requests a second;
four transfer processes run, as production does. Three phases:

1. **Set-up** (not measured, budget lifted): each tenant's customers and projects, and one
   invoice of last month, are transferred, so that its token and look-ups are in use when
   the month-end comes, as for a tenant that works in the system during the month. The
   warm-up (`sync_worker.poweroffice.warmup`) then keeps them fresh, in the background
   lane, in a thread of this process as beat and the imports worker would.
2. **Month-end.** 50 tenants with a heavy-tailed number of invoices: one with 2 000, three
   with 200, the rest with 1-20. The big ones publish in batches (bulk) at the start, the
   small ones finalize one invoice at a time (interactive) over the first two minutes;
   one invoice in ten comes with its customer and project changed, one in a hundred of
   the big tenants' is followed by its credit note. Throughout, until the backlog has
   drained, a small tenant with nothing else pending finalizes one invoice every few
   seconds (the trickle). Measured: wall time to drain, calls per invoice, the budget
   used (requests admitted per second over the busy interval / 10), 429s, failed
   transfers, finalize-to-posted latency (the trickle's, the small tenants', the big
   tenant's), and each tenant's share of the invoices posted while it had work waiting
   against the even split among the tenants with work at that moment.
3. **Comparison.** A fresh load of the same mix (`--compare` invoices over ten of the
   tenants, one in ten changed), transferred by the system, then another of the same
   mix by the naive integration (`benchmarks.naive`): one invoice at a time, everything
   fetched and sent every time. Invoices per second and calls per invoice of both, and
   the ratio.

    python -m benchmarks.month_end [--scale 1.0] [--compare 200] [--seed 12]

`--scale` multiplies every tenant's number of invoices (0.1 runs in about 3 minutes).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from benchmarks.calls_per_invoice import changed_customer
from benchmarks.harness import (
    POGO_LIMIT,
    REALISTIC_LATENCY,
    Bench,
    BenchTenant,
    Figure,
    add_bench_tenant,
    bench,
    count_429,
    log,
    percentile,
    publish,
    status_counts,
    wait_handled,
    write_results,
)
from benchmarks.naive import NaiveIntegration, Throughput, run_naive
from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY, DEFAULT_SUBSCRIPTION_KEY
from sync_worker.db.models import Attempt, Message
from sync_worker.db.session import session_scope
from sync_worker.poweroffice import warmup
from sync_worker.producer import publish as publish_one
from tests.support.worker import WorkerProcess

NAME = "month_end"
TRANSFER_CONCURRENCY = 4  # production's transfers worker (README)
BIG, MEDIUM = 2000, 200
MEDIUM_TENANTS, TENANTS = 3, 50
SMALL_MAX = 20
BURST_SECONDS = 120  # the small tenants finalize within the first two minutes
TRICKLE_EVERY_SECONDS = 4.0
CHANGED_SHARE = 0.1  # invoices whose customer and project changed since their transfer
CREDIT_SHARE = 0.01  # of the big tenants' invoices, followed by a credit note
INVOICES_PER_CUSTOMER = 10  # the big tenants'; a small one has a customer per 3 invoices
WARMUP_TICK_SECONDS = 30.0
SMALL_DEADLINE_SECONDS = 240  # every small tenant's last burst invoice posted by then
SETUP_RATE = 1000  # requests a second while setting up: not measured

# Targets (issue 12).
TRICKLE_P95_TARGET, TRICKLE_MAX_TARGET = 15.0, 60.0
BUDGET_TARGET = 0.97
NAIVE_RATIO_TARGET = 5.0
PDF_LAG_TARGET = 1.2  # finalize → done with PDF p50 within 20 % of finalize → posted p50
FAIR_SHARE_TARGET = 1.0


# --- the load --------------------------------------------------------------------------------


@dataclass
class Company:
    """One tenant of the month-end, its customers and projects, and what it finalized."""

    tenant: BenchTenant
    burst: int  # invoices in the opening burst
    customers: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # every month-end message it published

    @property
    def code(self) -> str:
        return self.tenant.code

    @property
    def small(self) -> bool:
        return self.burst <= SMALL_MAX

    def invoice_messages(
        self, count: int, rng: random.Random, *, credit_share: float = 0.0
    ) -> list[dict[str, Any]]:
        """`count` invoices over its customers, one in ten with both changed; after some,
        a credit note of it."""
        sample = self.tenant.sample
        messages = []
        for index in range(count):
            which = index % len(self.customers)
            customer, project = self.customers[which], self.projects[which]
            if rng.random() < CHANGED_SHARE:
                customer = changed_customer(customer) | {"name": f"{customer['name']} {index}"}
                project = {**project, "name": f"{project['name']} (fase {index})"}
                self.customers[which], self.projects[which] = customer, project
            invoice = sample.invoice(customer, project)
            messages.append(sample.message("invoice.finalized", invoice))
            if rng.random() < credit_share:
                credit = sample.invoice(customer, project, credit_for=invoice)
                messages.append(sample.message("credit_note.finalized", credit))
        return messages


def burst_sizes(scale: float, rng: random.Random) -> list[int]:
    """One big tenant, three of 200, and 46 small ones, most with a handful (heavy tail)."""
    small = [max(1, min(SMALL_MAX, round(SMALL_MAX * rng.random() ** 2.5))) for _ in range(46)]
    sizes = [BIG] + [MEDIUM] * MEDIUM_TENANTS
    return [max(1, round(size * scale)) for size in sizes] + small


def add_companies(run: Bench, sizes: Sequence[int]) -> list[Company]:
    companies = []
    for index, size in enumerate(sizes):
        tenant = add_bench_tenant(run, f"firm{index:02d}", seed=100 + index)
        customers = max(1, size // (INVOICES_PER_CUSTOMER if size > SMALL_MAX else 3))
        company = Company(tenant, size)
        for _ in range(customers):
            customer = tenant.sample.customer()
            company.customers.append(customer)
            company.projects.append(tenant.sample.project(customer))
        companies.append(company)
    return companies


def set_up(run: Bench, companies: Sequence[Company]) -> None:
    """Customers, then projects, then one invoice of last month each, with the budget
    lifted: the tenants are in use, their look-ups and tokens cached."""
    admin = run.simulator.admin
    admin.set_rate_limit(None)
    worker = run.worker(
        queues="transfers",
        concurrency=TRANSFER_CONCURRENCY,
        name="setup",
        extra_env={"POGO_RATE_LIMIT_PER_SECOND": str(SETUP_RATE)},
    )
    for kind in ("customer", "project"):
        rows = [(c, row) for c in companies for row in getattr(c, f"{kind}s")]
        log(f"set-up: {len(rows)} {kind}s")
        _publish_and_wait(
            [c.tenant.sample.message(f"{kind}.changed", row) for c, row in rows], worker
        )
    log(f"set-up: last month's invoice of each of {len(companies)} tenants")
    last_month = [
        c.tenant.sample.message(
            "invoice.finalized",
            c.tenant.sample.invoice(c.customers[0], c.projects[0]),
        )
        for c in companies
    ]
    _publish_and_wait(last_month, worker)
    worker.stop()
    admin.set_rate_limit(POGO_LIMIT)
    admin.set_faults(**REALISTIC_LATENCY)


def _publish_and_wait(messages: list[dict[str, Any]], worker: WorkerProcess) -> None:
    ids = publish(messages)
    counts = wait_handled(ids, timeout=900, worker=worker)
    if counts.get("done") != len(ids):
        raise RuntimeError(f"set-up did not all transfer: {counts}")


# --- the month-end ---------------------------------------------------------------------------


@dataclass
class Clock:
    """The run's start, in this process's monotonic time and as a UTC wall time."""

    monotonic: float
    wall: dt.datetime

    @classmethod
    def now(cls) -> Clock:
        return cls(time.monotonic(), dt.datetime.now(dt.UTC))

    def elapsed(self) -> float:
        return time.monotonic() - self.monotonic

    def at(self, wall: dt.datetime) -> float:
        """Seconds since the start of a wall time."""
        return (wall - self.wall).total_seconds()


@dataclass
class Event:
    at: float
    company: Company
    messages: list[dict[str, Any]]
    single: bool  # one at a time through `publish` (interactive), else a batch


def schedule(companies: Sequence[Company], rng: random.Random) -> list[Event]:
    events = []
    for company in companies:
        if company.small:
            for message in company.invoice_messages(company.burst, rng):
                events.append(Event(rng.uniform(0, BURST_SECONDS), company, [message], True))
        else:
            messages = company.invoice_messages(company.burst, rng, credit_share=CREDIT_SHARE)
            start = 0.0 if company.burst >= BIG * 0.5 else rng.uniform(2, 30)
            for offset, first in enumerate(range(0, len(messages), 500)):
                chunk = messages[first : first + 500]
                events.append(Event(start + offset, company, chunk, False))
    return sorted(events, key=lambda event: event.at)


@dataclass
class MonthEnd:
    clock: Clock
    companies: list[Company]
    trickle: list[str]
    drained_at: float
    requests: int
    by_endpoint: dict[str, Any]
    status_429: int
    arrivals: list[float]
    counts: dict[str, int]


def month_end(run: Bench, companies: list[Company], rng: random.Random) -> MonthEnd:
    admin = run.simulator.admin
    events = schedule(companies, rng)
    admin.reset_stats()
    run.worker(queues="transfers", concurrency=TRANSFER_CONCURRENCY, name="transfers")
    stop_warmup = _warm_up_in_background()
    clock = Clock.now()
    trickle: list[str] = []
    try:
        for event in events:
            _sleep_until(clock, event.at)
            if event.single:
                event.company.ids.append(publish_one(event.messages[0]).message_id)
            else:
                event.company.ids += publish(event.messages)
        log(f"burst published at {clock.elapsed():.0f} s; trickling until the backlog drains")
        big = companies[0]
        _trickle_while(clock, companies, rng, trickle, until=lambda: _drained(big.ids))
        drained_at = clock.elapsed()
        every = [i for c in companies for i in c.ids]
        counts = wait_handled(every, timeout=900)
    finally:
        stop_warmup()
    log(f"drained at {drained_at:.0f} s")
    stats = admin.stats()
    return MonthEnd(
        clock=clock,
        companies=companies,
        trickle=trickle,
        drained_at=drained_at,
        requests=stats["total_requests"],
        by_endpoint=stats["by_endpoint"],
        status_429=count_429(stats),
        arrivals=run.simulator.simulator.stats.arrival_times(DEFAULT_SUBSCRIPTION_KEY),
        counts=counts,
    )


def _sleep_until(clock: Clock, at: float) -> None:
    time.sleep(max(0.0, at - clock.elapsed()))


def _trickle_while(
    clock: Clock,
    companies: Sequence[Company],
    rng: random.Random,
    trickle: list[str],
    *,
    until: Callable[[], bool],
) -> None:
    """Every few seconds, one invoice of a small tenant that has nothing pending."""
    small = [c for c in companies if c.small]
    next_at = clock.elapsed()
    while not until():
        next_at += TRICKLE_EVERY_SECONDS
        _sleep_until(clock, next_at)
        idle = [c for c in small if _drained(c.ids)]
        if not idle:
            continue
        company = rng.choice(idle)
        [message] = company.invoice_messages(1, rng)
        message_id = publish_one(message).message_id
        company.ids.append(message_id)
        trickle.append(message_id)


def _drained(ids: Sequence[str]) -> bool:
    counts = status_counts(ids)
    return sum(counts.get(status, 0) for status in ("done", "stale", "failed")) == len(ids)


def _warm_up_in_background() -> Callable[[], None]:
    """The warm-up, once a tick, as beat and the imports worker would run it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(WARMUP_TICK_SECONDS):
            try:
                warmup.run()
            except Exception as exc:  # a benchmark's helper thread: say so, go on
                log(f"warm-up failed: {exc}")

    thread = threading.Thread(target=loop, name="warm-up", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(timeout=60)

    return halt


# --- what the month-end shows ------------------------------------------------------------------


@dataclass
class Timings:
    """Per message: received, handed to the broker, voucher posted and done, in seconds
    since the start."""

    received: dict[str, float]
    handed: dict[str, float]
    posted: dict[str, float]
    done: dict[str, float]

    def latency(self, ids: Sequence[str]) -> list[float]:
        return [self.posted[i] - self.received[i] for i in ids if i in self.posted]

    def each(self) -> tuple[dict[str, float], ...]:
        """received, handed, posted, done: in that order."""
        return self.received, self.handed, self.posted, self.done

    def done_latency(self, ids: Sequence[str]) -> list[float]:
        return [self.done[i] - self.received[i] for i in ids if i in self.done]


def timings(clock: Clock, ids: Sequence[str]) -> Timings:
    received, handed, posted, done = {}, {}, {}, {}
    with session_scope() as session:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for message_id, received_at, dispatched_at, processed_at in session.execute(
                select(
                    Message.id, Message.received_at, Message.dispatched_at, Message.processed_at
                ).where(Message.id.in_(chunk))
            ):
                received[message_id] = clock.at(received_at)
                if dispatched_at is not None:
                    handed[message_id] = clock.at(dispatched_at)
                if processed_at is not None:
                    done[message_id] = clock.at(processed_at)
            for message_id, first in session.execute(
                select(Attempt.message_id, func.min(Attempt.created_at))
                .where(
                    Attempt.message_id.in_(chunk),
                    Attempt.step == "voucher",
                    Attempt.outcome == "ok",
                )
                .group_by(Attempt.message_id)
            ):
                posted[message_id] = clock.at(first)
    return Timings(received, handed, posted, done)


def fair_shares(companies: Sequence[Company], times: Timings) -> dict[str, dict[str, float]]:
    """Each tenant's turns (messages handed to the broker) while it had work waiting,
    against its fair share of them, fill by fill (`shares_by_fill`)."""
    periods = {
        company.code: [
            (times.received[i], times.handed[i]) for i in company.ids if i in times.handed
        ]
        for company in companies
    }
    shares = shares_by_fill(periods)
    for company in companies:
        shares[company.code]["messages"] = len(company.ids)
    return shares


def shares_by_fill(periods: dict[str, list[tuple[float, float]]]) -> dict[str, dict[str, float]]:
    """Turns against fair turns, per tenant, from each message's (received, handed) times.

    A fill is one hand-out: the messages it handed share one time. Its turns are shared
    among the tenants with work waiting when it ran (a message received before it and not
    handed out before it), max-min fairly: evenly, except that a tenant with fewer
    messages waiting than the even split is owed only those, and what it leaves goes to
    the others. A tenant's deficit is its fair turns less those it got.

    Round robin serves a tenant that starts waiting at the next fill, ahead of the even
    split (it has had no turn for longest): its one message is owed a fraction of that
    fill and gets a whole turn. The tenants with a backlog pay for it, a little below
    1.0 each; and a tenant whose wait ends mid-rotation is a fraction of a turn short.
    Reckoned over fixed intervals instead, a turn that fell just past an interval's end
    counted against the tenant (0.857 for a firm of 16 invoices: one turn)."""
    fills = sorted({handed for pairs in periods.values() for _, handed in pairs})
    received = {code: sorted(r for r, _ in pairs) for code, pairs in periods.items()}
    handed = {code: sorted(h for _, h in pairs) for code, pairs in periods.items()}
    achieved: dict[str, int] = defaultdict(int)
    fair: dict[str, float] = defaultdict(float)
    for at in fills:
        waiting = {
            code: bisect.bisect_right(received[code], at) - bisect.bisect_left(handed[code], at)
            for code in periods
        }
        waiting = {code: n for code, n in waiting.items() if n > 0}
        now = {
            code: bisect.bisect_right(handed[code], at) - bisect.bisect_left(handed[code], at)
            for code in waiting
        }
        for code, owed in _water_filled(waiting, sum(now.values())).items():
            fair[code] += owed
            achieved[code] += now[code]
    return {
        code: {
            "turns": achieved[code],
            "fair_turns": round(fair[code], 2),
            "deficit": round(fair[code] - achieved[code], 2),
            "ratio": round(achieved[code] / fair[code], 3) if fair[code] else float("nan"),
        }
        for code in periods
    }


def _water_filled(demand: dict[str, int], capacity: float) -> dict[str, float]:
    """Max-min fair shares of `capacity` for these demands."""
    owed: dict[str, float] = {}
    left = sorted(demand, key=lambda code: demand[code])
    while left:
        even = capacity / len(left)
        code = left[0]
        if demand[code] > even:
            owed.update((name, even) for name in left)
            break
        owed[code] = demand[code]
        capacity -= demand[code]
        left.pop(0)
    return owed


def budget_used(result: MonthEnd) -> tuple[float, float]:
    """Requests admitted per second from the first request to the drain, over the limit;
    and that interval's length."""
    start = result.clock.monotonic
    arrivals = sorted(t - start for t in result.arrivals)
    busy = [t for t in arrivals if 0 <= t <= result.drained_at]
    if len(busy) < 2:
        return 0.0, 0.0
    span = busy[-1] - busy[0]
    admitted = len(busy) - result.status_429
    return admitted / span / POGO_LIMIT, span


def month_end_figures(result: MonthEnd) -> tuple[list[Figure], dict[str, Any]]:
    companies = result.companies
    every = [i for c in companies for i in c.ids]
    times = timings(result.clock, every)
    big = companies[0]
    trickle = set(result.trickle)
    small_burst = [c for c in companies if c.small]
    last_posted = {
        c.code: max(times.posted[i] for i in c.ids if i not in trickle and i in times.posted)
        for c in small_burst
        if any(i not in trickle for i in c.ids)
    }
    burst_small_ids = [i for c in small_burst for i in c.ids if i not in trickle]
    trickle_latency = times.latency(result.trickle)
    big_latency = times.latency(big.ids)
    shares = fair_shares(companies, times)
    owed = {code: s for code, s in shares.items() if s["fair_turns"] >= 1}
    most_short = max(owed, key=lambda code: owed[code]["deficit"], default="none")
    least_ratio = min(owed, key=lambda code: owed[code]["ratio"], default="none")
    used, span = budget_used(result)
    invoices = len(every)
    medium_ids = [i for c in companies[1 : 1 + MEDIUM_TENANTS] for i in c.ids]
    figures = [
        Figure("month-end: invoices and credit notes", invoices, ""),
        Figure("month-end: wall time to drain", result.drained_at, "s"),
        Figure(
            "month-end: calls per invoice (look-ups and tokens included)",
            result.requests / invoices,
            "calls",
        ),
        Figure(
            "month-end: budget used (admitted requests/s over the busy interval / 10)",
            used * 100,
            "%",
            BUDGET_TARGET * 100,
            at_least=True,
        ),
        Figure("month-end: 429 answers (waited out)", result.status_429, ""),
        Figure("month-end: failed transfers", result.counts.get("failed", 0), "", 0),
        Figure(
            "trickle (small tenant, nothing pending): finalize → posted p50",
            percentile(trickle_latency, 0.5),
            "s",
        ),
        Figure(
            "trickle: finalize → posted p95",
            percentile(trickle_latency, 0.95),
            "s",
            TRICKLE_P95_TARGET,
        ),
        Figure(
            "trickle: finalize → posted max",
            max(trickle_latency, default=0),
            "s",
            TRICKLE_MAX_TARGET,
        ),
        Figure(
            "small tenants' burst (≤ 20 each): finalize → posted p95",
            percentile(times.latency(burst_small_ids), 0.95),
            "s",
        ),
        Figure(
            "small tenants' burst: the last one's last invoice posted after",
            max(last_posted.values()),
            "s",
            SMALL_DEADLINE_SECONDS,
        ),
        Figure("big tenant: finalize → posted p50", percentile(big_latency, 0.5), "s"),
        Figure("big tenant: finalize → posted p95", percentile(big_latency, 0.95), "s"),
        Figure("big tenant: finalize → posted max", max(big_latency, default=0), "s"),
        Figure(
            "medium tenants: finalize → posted p95",
            percentile(times.latency(medium_ids), 0.95),
            "s",
        ),
        Figure(
            f"least share of its fair turns while waiting ({least_ratio})",
            owed[least_ratio]["ratio"] if owed else float("nan"),
            "×",
            FAIR_SHARE_TARGET,
            at_least=True,
        ),
        Figure(
            f"most fair turns a tenant went without while waiting ({most_short})",
            owed[most_short]["deficit"] if owed else float("nan"),
            "turns",
        ),
        Figure(
            "all: finalize → done with PDF p50 / finalize → posted p50",
            percentile(times.done_latency(every), 0.5)
            / max(percentile(times.latency(every), 0.5), 1e-9),
            "×",
        ),
    ]
    details = {
        "busy_interval_seconds": round(span, 1),
        "requests": result.requests,
        "by_endpoint": result.by_endpoint,
        "trickle_invoices": len(result.trickle),
        "small_tenants_last_posted": {k: round(v, 1) for k, v in sorted(last_posted.items())},
        "fair_shares": shares,
        # Every message's times, so that a figure can be reckoned again from the file.
        "timings": {
            c.code: [[round(t.get(i, float("nan")), 3) for t in times.each()] for i in c.ids]
            for c in companies
        },
        "statuses": result.counts,
    }
    return figures, details


# --- the comparison with a naive integration ------------------------------------------------


@dataclass(frozen=True)
class Burst:
    """The system's comparison burst: its throughput, and how soon its invoices landed."""

    throughput: Throughput
    posted_p50: float  # finalize → voucher posted
    done_p50: float  # finalize → done with its PDF


def comparison_companies(companies: Sequence[Company]) -> list[Company]:
    """Ten tenants: the medium ones and the small ones with the most customers."""
    small = sorted((c for c in companies if c.small), key=lambda c: -len(c.customers))
    return [*companies[1 : 1 + MEDIUM_TENANTS], *small[: 10 - MEDIUM_TENANTS]]


def comparison_load(
    companies: Sequence[Company], count: int, rng: random.Random
) -> list[tuple[Company, dict[str, Any]]]:
    load = []
    for index in range(count):
        company = companies[index % len(companies)]
        [message] = company.invoice_messages(1, rng)
        load.append((company, message))
    return load


def system_on(run: Bench, load: list[tuple[Company, dict[str, Any]]]) -> Burst:
    admin = run.simulator.admin
    admin.reset_stats()
    clock = Clock.now()
    ids = publish([message for _, message in load])
    counts = wait_handled(ids, timeout=900)
    seconds = clock.elapsed()
    if counts.get("done") != len(ids):
        raise RuntimeError(f"the system's comparison load did not all transfer: {counts}")
    times = timings(clock, ids)
    stats = admin.stats()
    return Burst(
        Throughput(len(ids), stats["total_requests"], seconds, count_429(stats)),
        posted_p50=percentile(times.latency(ids), 0.5),
        done_p50=percentile(times.done_latency(ids), 0.5),
    )


def naive_on(run: Bench, load: list[tuple[Company, dict[str, Any]]]) -> Throughput:
    """The same kind of load through the naive integration, one invoice after the other."""
    admin = run.simulator.admin
    admin.reset_stats()
    integrations: dict[str, NaiveIntegration] = {}
    started = time.monotonic()
    for company, message in load:
        if company.code not in integrations:
            integrations[company.code] = NaiveIntegration(
                api_base_url=run.simulator.api_base_url,
                token_url=run.simulator.token_url,
                application_key=DEFAULT_APPLICATION_KEY,
                subscription_key=DEFAULT_SUBSCRIPTION_KEY,
                client_key=company.tenant.client_key,
                tenant=company.code,
            )
        run_naive(integrations[company.code], [message])
    seconds = time.monotonic() - started
    stats = admin.stats()
    return Throughput(len(load), stats["total_requests"], seconds, count_429(stats))


def comparison_figures(burst: Burst, naive: Throughput) -> list[Figure]:
    ours = burst.throughput
    return [
        Figure("comparison burst: finalize → posted p50", burst.posted_p50, "s"),
        Figure("comparison burst: finalize → done with PDF p50", burst.done_p50, "s"),
        Figure(
            "comparison burst: done with PDF p50 / posted p50",
            burst.done_p50 / burst.posted_p50,
            "×",
            PDF_LAG_TARGET,
        ),
        Figure("comparison: this system, invoices/s", ours.per_second, "invoices/s"),
        Figure("comparison: this system, calls per invoice", ours.calls_per_invoice, "calls"),
        Figure("comparison: naive integration, invoices/s", naive.per_second, "invoices/s"),
        Figure(
            "comparison: naive integration, calls per invoice", naive.calls_per_invoice, "calls"
        ),
        Figure(
            "comparison: invoices/s, this system / naive",
            ours.per_second / naive.per_second,
            "×",
            NAIVE_RATIO_TARGET,
            at_least=True,
        ),
    ]


# --- the run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="× every tenant's invoices")
    parser.add_argument("--compare", type=int, default=200, help="invoices in the comparison")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    name = NAME if args.scale == 1.0 else f"{NAME}-x{args.scale:g}"
    with bench(name, rate_limit=None) as run:
        companies = add_companies(run, burst_sizes(args.scale, rng))
        set_up(run, companies)
        log(f"month-end: {sum(c.burst for c in companies)} invoices from {len(companies)} tenants")
        result = month_end(run, companies, rng)
        figures, details = month_end_figures(result)
        chosen = comparison_companies(companies)
        log(f"comparison: this system, {args.compare} invoices")
        burst = system_on(run, comparison_load(chosen, args.compare, rng))
        log(f"comparison: the naive integration, {args.compare} invoices")
        naive = naive_on(run, comparison_load(chosen, args.compare, rng))
    figures += comparison_figures(burst, naive)
    parameters = {
        "scale": args.scale,
        "tenants": len(companies),
        "burst_sizes": [c.burst for c in companies],
        "comparison_invoices": args.compare,
        "pogo_rate_limit_per_second": POGO_LIMIT,
        "latency": REALISTIC_LATENCY,
        "transfer_worker_concurrency": TRANSFER_CONCURRENCY,
        "trickle_every_seconds": TRICKLE_EVERY_SECONDS,
        "changed_share": CHANGED_SHARE,
        "credit_share": CREDIT_SHARE,
        "seed": args.seed,
    }
    details["comparison"] = {
        "ours": vars(burst.throughput)
        | {"per_second": burst.throughput.per_second}
        | {"posted_p50": burst.posted_p50, "done_p50": burst.done_p50},
        "naive": vars(naive) | {"per_second": naive.per_second},
    }
    write_results(name, figures, parameters, details, started=started)


if __name__ == "__main__":
    main()
