"""`sync-worker publish | transfer | retry | status | history`: the transfers, for operators."""

from __future__ import annotations

import json
import sys

import click

from sync_worker import kinds, operations
from sync_worker.norway import OSLO
from sync_worker.producer import PublishResult, publish_many

# Operators name them in the plural: `sync-worker transfer customers 10001,10002`.
RETRANSFERABLE = {f"{name}s": name for name in kinds.names(retransferable=True)}


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8"))
def publish(source) -> None:
    """Publish the messages in SOURCE (a JSON object, a JSON array, or JSON lines; - for
    stdin). Prints one line per message; exits 1 when any was refused."""
    results = publish_many_from_text(source.read())
    for result in results:
        click.echo(str(result))
    refused = sum(not r.ok for r in results)
    click.echo(f"{len(results) - refused} accepted or duplicate, {refused} refused", err=True)
    if refused:
        sys.exit(1)


def publish_many_from_text(text: str) -> list[PublishResult]:
    """Each readable message is published; an unreadable line is refused by its number."""
    items, unreadable = _read_documents(text)
    published = iter(publish_many([item for item in items if item is not None]))
    return [
        next(published) if item is not None else PublishResult(None, "refused", unreadable[i])
        for i, item in enumerate(items)
    ]


def _read_documents(text: str) -> tuple[list, dict[int, str]]:
    stripped = text.strip()
    if not stripped:
        return [], {}
    try:
        document = json.loads(stripped)
        return (document if isinstance(document, list) else [document]), {}
    except json.JSONDecodeError:
        pass
    items, unreadable = [], {}
    for number, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            unreadable[len(items)] = f"line {number}: not JSON ({exc.msg}, column {exc.colno})"
            items.append(None)
    return items, unreadable


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
    type=click.Choice(["pending", "in_progress", "retrying", "waiting", "done", "failed"]),
)
@click.option("--limit", default=50, show_default=True)
def status(tenant: str, kind: str | None, status: str | None, limit: int) -> None:
    """The latest transfers of a tenant: ID, kind, number, status, step, last error."""
    rows = operations.entity_states(tenant, kind=kind, status=status, limit=limit)
    if not rows:
        click.echo("no transfers")
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
