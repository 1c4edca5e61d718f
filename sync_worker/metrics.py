"""Metrics in Prometheus' format, read from the durable store when scraped.

What PostgreSQL knows is the truth for every process at once, so these are gauges computed
at scrape time, the same whichever worker or command serves them: transfers by tenant,
kind and status; the age of the oldest transfer not done; the outbox backlog; and each
tenant's last reconciliation (its findings by problem, those that need a person, when it
finished). `sync-worker metrics` prints them, or serves them on a port.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from sync_worker.db.models import EntityState, OutboxEntry, SyncStatus, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.reconcile.compare import Problem
from sync_worker.reconcile.store import latest_of_every_tenant
from sync_worker.scheduling import as_utc

PREFIX = "sync_worker"


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
    """A registry with the stored-state gauges: what `sync-worker metrics` serves."""
    stored = CollectorRegistry(auto_describe=False)
    stored.register(StoredStateCollector())
    return stored


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
