"""`sync-worker publish | transfer | retry | status | history`: the transfers, for operators."""

from __future__ import annotations

import sys
from typing import get_args

import click

from sync_worker import kinds, operations
from sync_worker.db.models import MessageStatus
from sync_worker.norway import OSLO
from sync_worker.producer import PublishResult, Status, publish_text

QUEUED = MessageStatus.QUEUED.value
NOT_STARTED = "stored, no worker has started on it yet (sent when the broker has it)"

# Operators name them in the plural: `sync-worker transfer customers 10001,10002`.
RETRANSFERABLE = {f"{name}s": name for name in kinds.names(retransferable=True)}


@click.command()
@click.argument("source", type=click.File("rb"))
def publish(source) -> None:
    """Publish the messages in SOURCE (a JSON object, a JSON array, or JSON lines; - for
    stdin). Prints one line per item, published or refused and why; exits 1 when any was
    refused."""
    raw = source.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"the messages are not UTF-8 text (byte {exc.start + 1}); nothing was published"
        ) from None
    results = publish_text(text)
    for label, result in results:
        click.echo(_line(label, result))
    counts = {status: sum(r.status == status for _, r in results) for status in get_args(Status)}
    click.echo(
        f"{len(results)} item{'s' if len(results) != 1 else ''}: "
        + ", ".join(f"{count} {status}" for status, count in counts.items()),
        err=True,
    )
    if counts["refused"]:
        sys.exit(1)


def _line(label: str, result: PublishResult) -> str:
    line = f"{result.status:<9} {label}: {result.message_id or '(no message_id)'}"
    return f"{line}  {result.error}" if result.error else line


@click.command()
@click.argument("kind", type=click.Choice(sorted(RETRANSFERABLE)))
@click.argument("numbers")
@click.option("--tenant", required=True, help="Moment company code.")
def transfer(kind: str, numbers: str, tenant: str) -> None:
    """Re-transfer customers or projects by comma-separated NUMBERS, whatever their state,
    even when unchanged (Moment's Setup > Tools)."""
    results = operations.retransfer(tenant, RETRANSFERABLE[kind], operations.parse_numbers(numbers))
    for result in results:
        click.echo(str(result))
    if not all(r.queued for r in results):
        sys.exit(1)


@click.command()
@click.argument("ids", nargs=-1, type=int, required=True)
def retry(ids: tuple[int, ...]) -> None:
    """Re-drive failed transfers by their ID (see `status`), from the step that failed."""
    results = operations.retry(list(ids))
    for result in results:
        click.echo(str(result))
    if not all(r.queued for r in results):
        sys.exit(1)


@click.command()
@click.option("--tenant", required=True, help="Moment company code.")
@click.option("--kind", type=click.Choice(kinds.names()))
@click.option(
    "--status",
    type=click.Choice(
        ["queued", "pending", "in_progress", "retrying", "waiting", "done", "failed"]
    ),
)
@click.option("--limit", default=50, show_default=True)
def status(tenant: str, kind: str | None, status: str | None, limit: int) -> None:
    """The latest transfers of a tenant: ID, kind, number, status, step, last error. A
    message no worker has started on yet is shown as queued, without an ID."""
    queued = (
        operations.queued_messages(tenant, kind=kind, limit=limit)
        if status in (None, QUEUED)
        else []
    )
    rows = (
        []
        if status == QUEUED
        else operations.entity_states(tenant, kind=kind, status=status, limit=limit)
    )
    if not rows and not queued:
        click.echo("no transfers")
    for m in queued:
        when = m.received_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{'-':>6} {m.kind:<11} {m.entity_number:<12} {QUEUED:<11} {'-':<20} {when}"
            f"  {NOT_STARTED}"
        )
    for s in rows:
        when = s.updated_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")
        error = f"  {s.last_error.splitlines()[0]}" if s.last_error else ""
        click.echo(
            f"{s.id:>6} {s.kind:<11} {s.number:<12} {s.status:<11} {s.step or '-':<20} "
            f"{when}{error}"
        )


@click.command()
@click.argument("kind", type=click.Choice(kinds.names()))
@click.argument("number")
@click.option("--tenant", required=True, help="Moment company code.")
def history(kind: str, number: str, tenant: str) -> None:
    """Every attempt at transferring one entity: step, outcome, HTTP status, detail."""
    state, attempts = operations.history(tenant, kind, number)
    if state is None:
        queued = operations.queued_messages(tenant, kind=kind, number=number, limit=1)
        if queued:
            when = queued[0].received_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S")
            click.echo(f"{kind} {number}: {QUEUED}, received {when}; {NOT_STARTED}")
            return
        click.echo(f"{kind} {number} was never received for tenant {tenant}")
        sys.exit(1)
    click.echo(f"#{state.id} {kind} {number}: {state.status}, PowerOffice Go id {state.pogo_id}")
    for a in attempts:
        when = a.created_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S")
        http = f" HTTP {a.http_status}" if a.http_status else ""
        took = f" {a.duration_ms} ms" if a.duration_ms is not None else ""
        click.echo(f"{when} {a.step:<14} {a.outcome:<8}{http}{took}  {a.detail or ''}")
        if a.pogo_detail:
            click.echo(f"{'':>20}PowerOffice Go: {a.pogo_detail}")
