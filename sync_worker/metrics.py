"""Metrics in Prometheus' format: the durable store's gauges and the processes' counters.

What PostgreSQL knows is the truth for every process at once, so these are gauges computed
at scrape time, the same whichever worker or command serves them: transfers by tenant,
kind and status; the age of the oldest transfer not done; the outbox backlog; and each
tenant's last reconciliation (its findings by problem, those that need a person, when it
finished). Beside them, the counters of `sync_worker.counters`: in a worker, those of all
its processes (prometheus-client's multiprocess files); elsewhere, this process's own.

Every worker serves them on SYNC_METRICS_PORT (`serve_worker`, from its main process);
`sync-worker metrics` prints them, or serves them on a port.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, generate_latest, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from config.settings import Settings
from sync_worker import counters
from sync_worker.db.models import EntityState, OutboxEntry, SyncStatus, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.reconcile.compare import Problem
from sync_worker.reconcile.store import latest_of_every_tenant
from sync_worker.scheduling import as_utc

log = logging.getLogger(__name__)

PREFIX = counters.PREFIX


class StoredStateCollector(Collector):
    """Every gauge the durable store answers, read in one session per scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with session_scope() as session:
            yield self._transfers(session)
            yield self._oldest_pending(session)
            yield self._outbox_backlog(session)
            yield from self._reconciliations(session)

    def _transfers(self, session) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            f"{PREFIX}_transfers",
            "Entities by tenant, kind and the status of their last transfer.",
            labels=["tenant", "kind", "status"],
        )
        rows = session.execute(
            select(Tenant.code, EntityState.kind, EntityState.status, func.count())
            .join(Tenant, Tenant.id == EntityState.tenant_id)
            .group_by(Tenant.code, EntityState.kind, EntityState.status)
        )
        for tenant, kind, status, count in rows:
            family.add_metric([tenant, kind, status], count)
        return family

    def _oldest_pending(self, session) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            f"{PREFIX}_oldest_pending_transfer_age_seconds",
            "Seconds since the oldest transfer not done or failed last changed.",
        )
        oldest = session.scalar(
            select(func.min(EntityState.updated_at)).where(
                EntityState.status.notin_((SyncStatus.DONE, SyncStatus.FAILED))
            )
        )
        family.add_metric([], _age(oldest))
        return family

    def _outbox_backlog(self, session) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            f"{PREFIX}_outbox_backlog", "Tasks stored in the outbox and not yet sent to the broker."
        )
        family.add_metric(
            [], session.scalar(select(func.count()).where(OutboxEntry.sent_at.is_(None)))
        )
        return family

    def _reconciliations(self, session) -> Iterator[GaugeMetricFamily]:
        findings = GaugeMetricFamily(
            f"{PREFIX}_reconciliation_findings",
            "Findings of the tenant's last reconciliation, by problem.",
            labels=["tenant", "problem"],
        )
        needs_person = GaugeMetricFamily(
            f"{PREFIX}_reconciliation_needs_person",
            "Findings of the tenant's last reconciliation that only a person can settle.",
            labels=["tenant"],
        )
        finished = GaugeMetricFamily(
            f"{PREFIX}_reconciliation_last_finished_timestamp_seconds",
            "When the tenant's last reconciliation finished (Unix time).",
            labels=["tenant"],
        )
        for tenant, report in latest_of_every_tenant(session).items():
            counts = report.counts()
            for problem in Problem:
                findings.add_metric([tenant, problem.name.lower()], counts[problem.name.lower()])
            needs_person.add_metric([tenant], counts["needs_person"])
            if report.finished_at is not None:
                finished.add_metric([tenant], report.finished_at.timestamp())
        yield from (findings, needs_person, finished)


def registry() -> CollectorRegistry:
    """The stored-state gauges and the counters: what a worker and `sync-worker metrics`
    serve. In multiprocess mode the counters are read from every process's files."""
    served = CollectorRegistry(auto_describe=False)
    served.register(StoredStateCollector())
    directory = counters.multiprocess_directory()
    if directory is None:
        served.register(counters.REGISTRY)
    else:
        multiprocess.MultiProcessCollector(served, path=directory)
    return served


def exposition() -> bytes:
    """The metrics now, in Prometheus' text format."""
    return generate_latest(registry())


def _age(moment: dt.datetime | None) -> float:
    return 0.0 if moment is None else max(0.0, (utcnow() - as_utc(moment)).total_seconds())


def serve(host: str, port: int) -> WSGIServer:
    """Serve the metrics at http://host:port/metrics in a background thread; the server,
    for the caller to keep (or shut down)."""
    server, _thread = start_http_server(port, addr=host, registry=registry())
    return server


def serve_worker(settings: Settings) -> WSGIServer | None:
    """Serve a worker's metrics on SYNC_METRICS_PORT, from its main process; None when the
    port is 0, or taken (said in the log: the worker goes on transferring)."""
    if settings.metrics_port == 0:
        return None
    if not counters.multiprocess():
        log.warning(
            "serving metrics without PROMETHEUS_MULTIPROC_DIR: the counters are this "
            "process's only, not its pool's; start the worker with `sync-worker worker`"
        )
    try:
        server = serve(settings.metrics_host, settings.metrics_port)
    except OSError as exc:
        log.error(
            "cannot serve metrics on %s:%d (SYNC_METRICS_PORT): %s",
            settings.metrics_host,
            settings.metrics_port,
            exc,
        )
        return None
    log.info(
        "serving metrics at http://%s:%d/metrics", settings.metrics_host, settings.metrics_port
    )
    return server


def clear_multiprocess_directory() -> None:
    """Remove the counts a worker that ran before left in PROMETHEUS_MULTIPROC_DIR, before
    this one forks its pool; only prometheus-client's files, whatever else is there."""
    directory = counters.multiprocess_directory()
    if directory is None:
        return
    for stale in Path(directory).glob("*.db"):
        stale.unlink(missing_ok=True)


def process_gone(pid: int | None) -> None:
    """A pool process ended: its live gauges no longer count (its counters still do)."""
    if pid is not None and counters.multiprocess():
        multiprocess.mark_process_dead(pid, counters.multiprocess_directory())
