"""`sync-worker publish | transfer | retry | status | history`: the transfers, for operators."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, get_args

import click

from sync_worker import kinds, operations
from sync_worker.cli import output
from sync_worker.cli.output import NONE, Column, json_option
from sync_worker.db.models import Attempt, EntityState, Message, MessageStatus
from sync_worker.db.session import session_scope
from sync_worker.producer import PublishResult, Status, publish_documents
from sync_worker.schemas.json_text import read_documents
from sync_worker.tenants import list_tenants

QUEUED = MessageStatus.QUEUED.value
NOT_STARTED = "stored, no worker has started on it yet (sent when the broker has it)"
STATUSES = ["queued", "pending", "in_progress", "retrying", "waiting", "done", "failed"]

# Operators name them in the plural: `sync-worker transfer customers 10001,10002`.
RETRANSFERABLE = {f"{name}s": name for name in kinds.names(retransferable=True)}


@click.command()
@click.argument("source", type=click.File("rb"))
@json_option
def publish(source, as_json: bool) -> None:
    """Publish the messages in SOURCE (a JSON object, a JSON array, or JSON lines; - for
    stdin). Prints one line per item, published or refused and why; exits 1 when any was
    refused. Publishing a file again is harmless: what was stored is a duplicate."""
    raw = source.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"the messages are not UTF-8 text (byte {exc.start + 1}); nothing was published"
        ) from None
    results: list[tuple[str, PublishResult]] = []
    for chunk in output.in_chunks(read_documents(text), label="publishing"):
        published = publish_documents(chunk)
        results += published
        if not as_json:
            for label, result in published:
                click.echo(_line(label, result))
    if as_json:
        output.emit_json([_published(label, result) for label, result in results])
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


def _published(label: str, result: PublishResult) -> dict[str, Any]:
    return {
        "item": label,
        "status": result.status,
        "message_id": result.message_id,
        "error": result.error,
    }


def _act(
    items: Sequence[Any],
    work: Callable[[list[Any]], list[operations.Requested]],
    describe: Callable[[Any, operations.Requested], dict[str, Any]],
    *,
    label: str,
    as_json: bool,
) -> None:
    """`work` over `items` a chunk at a time, each result said as it comes (or all of them
    as one JSON array); exits 1 when any was not queued."""
    answers = []
    for chunk in output.in_chunks(items, label=label):
        results = work(chunk)
        answers += [describe(item, result) for item, result in zip(chunk, results, strict=True)]
        if not as_json:
            for result in results:
                click.echo(str(result))
    if as_json:
        output.emit_json(answers)
    if not all(answer["queued"] for answer in answers):
        sys.exit(1)


def _numbers(_ctx, _param, values: tuple[str, ...]) -> list[str]:
    numbers = operations.parse_numbers(values)
    if not numbers:
        raise click.BadParameter("give at least one")
    return numbers


def _ids(ctx, param, values: tuple[str, ...]) -> list[int]:
    numbers = _numbers(ctx, param, values)
    wrong = [n for n in numbers if not n.isdigit()]
    if wrong:
        raise click.BadParameter(f"not an ID (see `sync-worker status`): {', '.join(wrong)}")
    return [int(n) for n in numbers]


@click.command()
@click.argument("kind", type=click.Choice(sorted(RETRANSFERABLE)))
@click.argument("numbers", nargs=-1, required=True, callback=_numbers)
@click.option("--tenant", required=True, help="Moment company code.")
@json_option
def transfer(kind: str, numbers: list[str], tenant: str, as_json: bool) -> None:
    """Re-transfer customers or projects by their NUMBERS (separated by commas or blanks),
    whatever their state, even when unchanged (Moment's Setup > Tools)."""
    singular = RETRANSFERABLE[kind]
    _act(
        numbers,
        lambda chunk: operations.retransfer(tenant, singular, chunk),
        lambda number, result: {
            "tenant": tenant,
            "kind": singular,
            "number": number,
            "queued": result.queued,
            "note": result.note,
        },
        label=f"transferring {kind}",
        as_json=as_json,
    )


@click.command()
@click.argument("ids", nargs=-1, required=True, callback=_ids)
@json_option
def retry(ids: list[int], as_json: bool) -> None:
    """Re-drive failed transfers by their IDS (see `status`; separated by commas or blanks),
    each from the step that failed."""
    _act(
        ids,
        operations.retry,
        lambda state_id, result: {
            "id": state_id,
            "transfer": result.name,
            "queued": result.queued,
            "note": result.note,
        },
        label="retrying",
        as_json=as_json,
    )


@click.command()
@click.option("--tenant", help="Moment company code; every tenant's transfers when left out.")
@click.option("--kind", type=click.Choice(kinds.names()))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--limit", default=50, show_default=True, help="At most this many of each.")
@json_option
def status(
    tenant: str | None, kind: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    """The latest transfers: ID, kind, number, status, the step last done, when, and the
    whole reason it stopped. A message no worker has started on yet is shown as queued,
    without an ID."""
    queued = (
        operations.queued_messages(tenant, kind=kind, limit=limit)
        if status in (None, QUEUED)
        else []
    )
    states = (
        []
        if status == QUEUED
        else operations.entity_states(tenant, kind=kind, status=status, limit=limit)
    )
    with session_scope() as session:
        codes = {t.id: t.code for t in list_tenants(session)}
    rows = [_queued_row(m, codes) for m in queued] + [_state_row(s, codes) for s in states]
    if as_json:
        output.emit_json(rows)
        return
    every_tenant = tenant is None
    columns = [
        Column("ID", justify="right"),
        *([Column("TENANT")] if every_tenant else []),
        Column("KIND"),
        Column("NUMBER"),
        Column("STATUS"),
        Column("STEP"),
        Column("UPDATED"),
        Column("REASON", wrap=True),
    ]
    output.table(
        columns,
        (
            [
                row["id"],
                *([row["tenant"]] if every_tenant else []),
                row["kind"],
                row["number"],
                row["status"],
                row["step"],
                output.when(row["updated_at"]),
                NOT_STARTED if row["status"] == QUEUED else row["reason"],
            ]
            for row in rows
        ),
        empty="no transfers",
    )


def _queued_row(message: Message, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "id": None,
        "tenant": codes[message.tenant_id],
        "kind": message.kind,
        "number": message.entity_number,
        "status": QUEUED,
        "step": None,
        "updated_at": message.received_at,
        "reason": None,
        "poweroffice_id": None,
        "message_id": message.id,
    }


def _state_row(state: EntityState, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "id": state.id,
        "tenant": codes[state.tenant_id],
        "kind": state.kind,
        "number": state.number,
        "status": state.status,
        "step": state.step,
        "updated_at": state.updated_at,
        "reason": state.last_error,
        "poweroffice_id": state.pogo_id,
        "message_id": state.source_message_id,
    }


@click.command()
@click.argument("kind", type=click.Choice(kinds.names()))
@click.argument("number")
@click.option("--tenant", required=True, help="Moment company code.")
@json_option
def history(kind: str, number: str, tenant: str, as_json: bool) -> None:
    """Every attempt at transferring one entity: step, outcome, HTTP status, detail. Exits 1
    when Moment never sent it."""
    state, attempts = operations.history(tenant, kind, number)
    queued = (
        operations.queued_messages(tenant, kind=kind, number=number, limit=1)
        if state is None
        else []
    )
    received = state is not None or bool(queued)
    if as_json:
        output.emit_json(_history(tenant, kind, number, state, queued, attempts))
    elif state is not None:
        _show_history(state, attempts)
    elif queued:
        received_at = output.when(queued[0].received_at, seconds=True)
        click.echo(f"{kind} {number}: {QUEUED}, received {received_at}; {NOT_STARTED}")
    else:
        click.echo(f"{kind} {number} was never received for tenant {tenant}")
    if not received:
        sys.exit(1)


def _show_history(state: EntityState, attempts: list[Attempt]) -> None:
    pogo = f", PowerOffice Go id {state.pogo_id}" if state.pogo_id else ""
    click.echo(f"#{state.id} {state.kind} {state.number}: {state.status}{pogo}")
    if state.last_error:
        click.echo(f"reason: {state.last_error}")
    output.table(
        [
            Column("WHEN"),
            Column("STEP"),
            Column("OUTCOME"),
            Column("HTTP", justify="right"),
            Column("MS", justify="right"),
            Column("DETAIL", wrap=True),
        ],
        (
            [
                output.when(a.created_at, seconds=True),
                a.step,
                a.outcome,
                a.http_status,
                a.duration_ms,
                "\n".join(
                    [a.detail or NONE]
                    + ([f"PowerOffice Go: {a.pogo_detail}"] if a.pogo_detail else [])
                ),
            ]
            for a in attempts
        ),
        empty="no attempts yet",
    )


def _history(
    tenant: str,
    kind: str,
    number: str,
    state: EntityState | None,
    queued: list[Message],
    attempts: list[Attempt],
) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "kind": kind,
        "number": number,
        "received": state is not None or bool(queued),
        "id": state.id if state else None,
        "status": state.status if state else (QUEUED if queued else None),
        "step": state.step if state else None,
        "poweroffice_id": state.pogo_id if state else None,
        "reason": state.last_error if state else None,
        "attempts": [
            {
                "at": a.created_at,
                "step": a.step,
                "outcome": a.outcome,
                "error_type": a.error_type,
                "http_status": a.http_status,
                "duration_ms": a.duration_ms,
                "detail": a.detail,
                "poweroffice_detail": a.pogo_detail,
                "message_id": a.message_id,
                "task_id": a.task_id,
            }
            for a in attempts
        ],
    }
