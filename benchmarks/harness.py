"""What every benchmark shares: real services, a fresh database, the simulator, workers,
waiting for messages, and writing the figures.

Each benchmark runs in its own process (`benchmarks.run_all` starts one per script): the
Celery app and the settings are read once per process from the environment, so a
process per benchmark is what keeps one benchmark's settings out of the next.

Redis databases 10-12 are the benchmarks' own (the tests use 13-15; BENCH_REDIS_FIRST_DB
moves them, for a second benchmark at the same time) and are flushed at the start and end
of every run; every run gets a new PostgreSQL database, dropped after.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import redis
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from config.settings import reset_settings_cache
from sandbox.sample_data import SampleCompany
from sandbox.simulator import SimulatorServer
from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY, DEFAULT_SUBSCRIPTION_KEY
from sync_worker.db import migrate
from sync_worker.db.models import Attempt, Message
from sync_worker.db.session import dispose_engines, session_scope
from sync_worker.producer import publish_many
from sync_worker.redis_store import reset_redis_clients
from sync_worker.tenants import TenantSettings, add_tenant
from tests import services
from tests.conftest import fresh_postgres_database
from tests.support.worker import WorkerProcess, wait_until

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Two benchmarks at once (a long one and a quick check) need databases of their own.
FIRST_REDIS_DB = int(os.environ.get("BENCH_REDIS_FIRST_DB", "10"))
BROKER_DB, RESULTS_DB, CLIENT_DB = FIRST_REDIS_DB, FIRST_REDIS_DB + 1, FIRST_REDIS_DB + 2
TERMINAL = ("done", "stale", "failed")
# PowerOffice Go's own answer time, as the simulator adds it to every request: 60 ms plus
# up to 40 ms more, drawn per request (seeded, so runs repeat).
REALISTIC_LATENCY = {"latency_ms": 60, "latency_jitter_ms": 40, "random_seed": 7}
POGO_LIMIT = 10  # requests per second per subscription key, PowerOffice Go's real limit


# --- figures and results -----------------------------------------------------------------


@dataclass
class Figure:
    """One measured number; `target` is checked as `value <= target` or `>=` (`at_least`)."""

    name: str
    value: float
    unit: str = ""
    target: float | None = None
    at_least: bool = False

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.at_least else self.value <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.at_least else '≤'} {format_number(self.target)}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "target_text": self.target_text}


def format_number(value: float) -> str:
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.3g}"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version()}


def write_results(
    name: str,
    figures: Sequence[Figure],
    parameters: dict[str, Any],
    details: dict[str, Any] | None = None,
    *,
    started: float,
    directory: Path = RESULTS_DIR,
) -> Path:
    """Print the figures and keep them in benchmarks/results/<name>.json (or `directory`)."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run_seconds": round(time.monotonic() - started, 1),
        "machine": machine(),
        "parameters": parameters,
        "figures": [figure.as_dict() for figure in figures],
        "details": details or {},
    }
    path = directory / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print_figures(name, figures)
    print(f"-> {path}")
    return path


def print_figures(name: str, figures: Sequence[Figure]) -> None:
    print(f"\n== {name}")
    for figure in figures:
        verdict = {True: "ok", False: "MISSED", None: ""}[figure.ok]
        value = f"{format_number(figure.value)} {figure.unit}".strip()
        print(f"  {figure.name:<74} {value:>18}  {figure.target_text:<10} {verdict}")


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile (0-1), interpolated; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- the services and this process's environment -----------------------------------------


@dataclass
class Bench:
    """One benchmark run's services; `env` is what this process and its workers use."""

    name: str
    env: dict[str, str]
    redis_base_url: str
    database_url: str
    simulator: SimulatorServer
    stack: contextlib.ExitStack
    workers: list[WorkerProcess] = field(default_factory=list)

    @property
    def redis_urls(self) -> list[str]:
        return [f"{self.redis_base_url}/{db}" for db in (BROKER_DB, RESULTS_DB, CLIENT_DB)]

    def client_redis(self) -> redis.Redis:
        """The Redis of tokens, the shared rate limit and the look-up cache."""
        return redis.Redis.from_url(f"{self.redis_base_url}/{CLIENT_DB}")

    def broker_redis(self) -> redis.Redis:
        return redis.Redis.from_url(f"{self.redis_base_url}/{BROKER_DB}")

    def worker(
        self,
        *,
        queues: str,
        concurrency: int,
        name: str,
        extra_env: dict[str, str] | None = None,
    ) -> WorkerProcess:
        """A real `celery worker` process with this run's settings, stopped at the end."""
        log_path = Path(tempfile.gettempdir()) / f"sync-bench-{self.name}-{name}.log"
        log_path.unlink(missing_ok=True)
        process = WorkerProcess(
            {**self.env, **(extra_env or {})},
            queues=queues,
            concurrency=concurrency,
            name=f"bench-{name}",
            log_path=log_path,
        )
        self.stack.enter_context(process)
        self.workers.append(process)
        return process


@contextlib.contextmanager
def bench(
    name: str, *, rate_limit_per_second: int = POGO_LIMIT, **simulator_options: Any
) -> Iterator[Bench]:
    """Redis and PostgreSQL (found or started as the tests do), a fresh migrated database,
    the simulator in this process, and this process's environment pointed at all of it."""
    with contextlib.ExitStack() as stack:
        redis_base = services.ensure_redis(stack)
        admin_url = services.ensure_postgres(stack)
        database_url = stack.enter_context(fresh_postgres_database(admin_url))
        migrate.upgrade(database_url)
        simulator = stack.enter_context(SimulatorServer(**simulator_options))
        env = _settings_env(redis_base, database_url, simulator, rate_limit_per_second)
        run = Bench(name, env, redis_base, database_url, simulator, stack)
        for url in run.redis_urls:
            flush_redis(url)
        stack.callback(_flush_all, run.redis_urls)
        _apply_env(env)
        stack.callback(reset_process_caches)
        yield run


def _settings_env(
    redis_base: str, database_url: str, simulator: SimulatorServer, per_second: int
) -> dict[str, str]:
    return {
        "SYNC_DATABASE_URL": database_url,
        "SYNC_BROKER_URL": f"{redis_base}/{BROKER_DB}",
        "SYNC_RESULT_BACKEND": f"{redis_base}/{RESULTS_DB}",
        "SYNC_REDIS_URL": f"{redis_base}/{CLIENT_DB}",
        "SYNC_SECRET_KEY": Fernet.generate_key().decode(),
        "POGO_API_BASE_URL": simulator.api_base_url,
        "POGO_TOKEN_URL": simulator.token_url,
        "POGO_APPLICATION_KEY": DEFAULT_APPLICATION_KEY,
        "POGO_SUBSCRIPTION_KEY": DEFAULT_SUBSCRIPTION_KEY,
        "POGO_RATE_LIMIT_PER_SECOND": str(per_second),
        "POGO_TIMEOUT_SECONDS": "30",
    }


def _apply_env(env: dict[str, str]) -> None:
    os.environ.update(env)
    reset_process_caches()


def reset_process_caches() -> None:
    """Settings, engines and Redis clients are cached per process; forget them."""
    reset_settings_cache()
    dispose_engines()
    reset_redis_clients()


def flush_redis(url: str) -> None:
    """Empty one Redis database: these are the benchmarks' own (10-12), nobody else's."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _flush_all(urls: Iterable[str]) -> None:
    for url in urls:
        flush_redis(url)


# --- tenants and messages ------------------------------------------------------------------


@dataclass
class BenchTenant:
    """A Moment company here, with its own seeded client in the simulator."""

    code: str
    client_key: str
    tenant_id: int
    sample: SampleCompany


def add_bench_tenant(
    run: Bench, code: str, *, seed: int = 1, settings: TenantSettings | None = None
) -> BenchTenant:
    client_key = f"client-key-{code}-{uuid.uuid4().hex[:6]}"
    admin = run.simulator.admin
    admin.create_client(client_key, f"{code} AS")
    admin.seed_client(client_key)
    with session_scope() as session:
        tenant = add_tenant(
            session,
            code,
            client_key,
            settings or TenantSettings(error_emails=f"errors@{code}.test"),
        )
        tenant_id = tenant.id
    return BenchTenant(code, client_key, tenant_id, SampleCompany(code, seed=seed))


def publish(messages: Sequence[dict[str, Any]], batch: int = 500) -> list[str]:
    """Publish through the producer; returns the accepted message ids. Refusals are a bug
    in the benchmark, so they stop it."""
    ids: list[str] = []
    for start in range(0, len(messages), batch):
        results = publish_many(messages[start : start + batch])
        refused = [str(r) for r in results if not r.ok]
        if refused:
            raise RuntimeError(f"the producer refused {len(refused)}: {refused[:3]}")
        ids += [r.message_id for r in results if r.message_id]
    return ids


def status_counts(ids: Sequence[str]) -> dict[str, int]:
    """How many of these messages are in each status."""
    counts: dict[str, int] = {}
    with session_scope() as session:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            rows = session.execute(
                select(Message.status, func.count())
                .where(Message.id.in_(chunk))
                .group_by(Message.status)
            )
            for status, count in rows:
                counts[status] = counts.get(status, 0) + count
    return counts


def wait_handled(
    ids: Sequence[str], *, timeout: float, worker: WorkerProcess | None = None
) -> dict[str, int]:
    """Wait until every message is done, stale or failed; returns the status counts."""

    def handled() -> dict[str, int] | None:
        counts = status_counts(ids)
        return counts if sum(counts.get(s, 0) for s in TERMINAL) == len(ids) else None

    tail = f"; worker log:\n{worker.log_tail()}" if worker else ""
    return wait_until(handled, timeout=timeout, interval=0.1, what=f"{len(ids)} messages{tail}")


def latencies(ids: Sequence[str]) -> list[float]:
    """Seconds from storing each message (publish) to its last step (done)."""
    with session_scope() as session:
        rows = session.execute(
            select(Message.received_at, Message.processed_at).where(Message.id.in_(ids))
        ).all()
    return [(done - received).total_seconds() for received, done in rows if done is not None]


def completion_span(ids: Sequence[str], since: dt.datetime) -> float:
    """Seconds from `since` until the last of these messages was done."""
    with session_scope() as session:
        last = session.scalar(select(func.max(Message.processed_at)).where(Message.id.in_(ids)))
    return (last - since).total_seconds() if last else float("nan")


def retries_recorded(since: dt.datetime) -> dict[str, int]:
    """Retries and failures the workers recorded since `since`, by outcome and status."""
    with session_scope() as session:
        rows = session.execute(
            select(Attempt.outcome, Attempt.http_status, func.count())
            .where(Attempt.created_at >= since, Attempt.outcome.in_(("retry", "failed")))
            .group_by(Attempt.outcome, Attempt.http_status)
        )
        return {f"{outcome} ({status or '-'})": count for outcome, status, count in rows}


def count_429(stats: dict[str, Any]) -> int:
    return int(stats["by_status"].get("429", 0))


def max_per_window(stats: dict[str, Any]) -> int:
    return int(stats["max_requests_per_window"].get(DEFAULT_SUBSCRIPTION_KEY, 0))


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started
