"""Counters and histograms kept by the processes that do the work, every one defined here.

What PostgreSQL knows is in `sync_worker.metrics` (gauges read when scraped); these count
what happens as it happens: messages at the door, transfers decided, calls to PowerOffice
Go and the rate limiter's waits, e-mails, expense imports. Each call site is one line
that names the event; the label values are short categories, never free text, so that
the number of series stays small (a tenant code, a kind, an HTTP status, an endpoint
with its ids replaced by `{id}`).

A Celery worker is prefork: its tasks run in child processes, each with its own memory.
prometheus-client's multiprocess mode has every process write its counts to files in
PROMETHEUS_MULTIPROC_DIR, which the worker's main process adds up when scraped. The mode
is chosen when prometheus-client is first imported, so the variable must be in the
environment before then (`worker_environment`, used by `sync-worker worker`). Without it
the counts are this process's own (the CLI, the HTTP door, a test).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, values

from sync_worker import kinds

PREFIX = "sync_worker"
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNKNOWN = "unknown"  # a message type the contract does not know, or none at all
NO_ANSWER = "no_answer"  # the status of a call that got no HTTP answer (timeout, refused)

# Where this process's counts are registered when it is not in multiprocess mode; in
# multiprocess mode the files are read instead (`sync_worker.metrics.registry`).
REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES_RECEIVED = Counter(
    f"{PREFIX}_messages_received",
    "Messages offered to the producer, by message type and what became of them "
    "(accepted, duplicate, refused).",
    ["type", "status"],
    registry=REGISTRY,
)
MESSAGES_REFUSED = Counter(
    f"{PREFIX}_messages_refused",
    "Messages refused at the door, by message type and reason (contract, unknown_tenant, "
    "changed_content, database).",
    ["type", "reason"],
    registry=REGISTRY,
)
TRANSFER_OUTCOMES = Counter(
    f"{PREFIX}_transfer_outcomes",
    "Transfer decisions, by tenant, kind and outcome: done (the message fully handled), "
    "failed (an error e-mail on its way), retry, wait, skipped.",
    ["tenant", "kind", "outcome"],
    registry=REGISTRY,
)
POWEROFFICE_CALLS = Counter(
    f"{PREFIX}_poweroffice_calls",
    "Requests to PowerOffice Go, by method, endpoint (the path, ids as {id}) and HTTP status "
    f"({NO_ANSWER} when none came).",
    ["method", "endpoint", "status"],
    registry=REGISTRY,
)
POWEROFFICE_RATE_LIMITED = Counter(
    f"{PREFIX}_poweroffice_rate_limited",
    "429 answers from PowerOffice Go, by endpoint: the shared rate limit was not enough.",
    ["endpoint"],
    registry=REGISTRY,
)
RATE_LIMITER_WAIT = Histogram(
    f"{PREFIX}_rate_limiter_wait_seconds",
    "Seconds a request waited for its slot in the platform's rate limit, by caller "
    "(transfer: reserves ahead; background: the expense import, takes what is left).",
    ["caller"],
    buckets=(0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
EMAILS_SENT = Counter(
    f"{PREFIX}_emails_sent",
    "E-mails the SMTP server took.",
    registry=REGISTRY,
)
EMAILS_FAILED = Counter(
    f"{PREFIX}_emails_failed",
    "E-mails not sent, by reason: smtp (the server refused or did not answer; retried), "
    "recipient or sender (no valid address; not retried).",
    ["reason"],
    registry=REGISTRY,
)
EXPENSE_IMPORTS = Counter(
    f"{PREFIX}_expense_imports",
    "Scheduled expense imports, by tenant and outcome (done, retry, failed, skipped).",
    ["tenant", "outcome"],
    registry=REGISTRY,
)
EXPENSES_FOUND = Counter(
    f"{PREFIX}_expenses_found",
    "Expenses the imports found in PowerOffice Go, by tenant and whether they were new "
    "(stored for Moment) or already there.",
    ["tenant", "status"],
    registry=REGISTRY,
)

# A path segment that is an id, not a name: a number, or a GUID.
_ID_SEGMENT = re.compile(
    r"\A(?:[0-9]+|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})\Z"
)


# --- the events -------------------------------------------------------------------------


def message_published(raw: Any, status: str, reason: str | None = None) -> None:
    """One message offered to the producer, as it ended (`reason`: why it was refused)."""
    message_type = _message_type(raw)
    MESSAGES_RECEIVED.labels(message_type, status).inc()
    if status == "refused":
        MESSAGES_REFUSED.labels(message_type, reason or UNKNOWN).inc()


def transfer_decided(tenant: str, kind: str, outcome: str) -> None:
    TRANSFER_OUTCOMES.labels(tenant, kind, outcome).inc()


def poweroffice_call(operation: str, status: int | None) -> None:
    """One request, `operation` as the client names it ("PATCH /Customers/123"); `status`
    None when no answer came."""
    method, _, path = operation.partition(" ")
    where = endpoint(path)
    POWEROFFICE_CALLS.labels(method, where, NO_ANSWER if status is None else str(status)).inc()
    if status == 429:
        POWEROFFICE_RATE_LIMITED.labels(where).inc()


def rate_limiter_waited(seconds: float, *, background: bool) -> None:
    RATE_LIMITER_WAIT.labels("background" if background else "transfer").observe(seconds)


def email_sent() -> None:
    EMAILS_SENT.inc()


def email_failed(reason: str) -> None:
    EMAILS_FAILED.labels(reason).inc()


def expense_import(tenant: str, outcome: str, *, new: int = 0, already_there: int = 0) -> None:
    EXPENSE_IMPORTS.labels(tenant, outcome).inc()
    if new:
        EXPENSES_FOUND.labels(tenant, "new").inc(new)
    if already_there:
        EXPENSES_FOUND.labels(tenant, "already_there").inc(already_there)


def endpoint(path: str) -> str:
    """The path template: the query left out and every id replaced ("/Customers/{id}")."""
    bare = path.split("?", 1)[0]
    return "/".join("{id}" if _ID_SEGMENT.match(part) else part for part in bare.split("/"))


def _message_type(raw: Any) -> str:
    declared = raw.get("type") if isinstance(raw, Mapping) else None
    return declared if kinds.for_message_type(declared) is not None else UNKNOWN


# --- multiprocess mode ------------------------------------------------------------------


def multiprocess() -> bool:
    """Whether this process writes its counts to PROMETHEUS_MULTIPROC_DIR."""
    return values.ValueClass is not values.MutexValue


def multiprocess_directory() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") if multiprocess() else None


def worker_environment(metrics_port: int) -> dict[str, str] | None:
    """The environment to start a worker afresh in, so that its counters are in
    multiprocess mode: with a new directory of its own unless PROMETHEUS_MULTIPROC_DIR is
    given. None when no new start is needed: the worker serves no metrics, or this process
    is in multiprocess mode already."""
    if metrics_port == 0 or multiprocess():
        return None
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = given or tempfile.mkdtemp(prefix="sync-worker-metrics-")
    return {**os.environ, MULTIPROCESS_VARIABLE: directory}
