"""`sync-worker import-expenses` and `sync-worker expenses list`: the expense import, for
operators. The import runs here, in this process, under the same per-tenant lock as the
scheduled imports, so it never runs alongside one."""

from __future__ import annotations

import datetime as dt

import click

from sync_worker.cli import output
from sync_worker.cli.output import Column, json_option
from sync_worker.db.session import session_scope
from sync_worker.expenses.importer import ImportSummary, import_for_tenant, import_lock
from sync_worker.expenses.moment_api import ExpenseRecord, list_expenses
from sync_worker.tenants import get_tenant


@click.command("import-expenses")
@click.option("--tenant", required=True, help="Moment company code.")
@click.option(
    "--days",
    type=click.IntRange(0, 60),
    help="Look this many days back instead of the tenant's setting.",
)
@json_option
def import_expenses(tenant: str, days: int | None, as_json: bool) -> None:
    """Import the tenant's new expenses from PowerOffice Go now, and say what happened.

    Expenses already stored are left exactly as they are; running it again is harmless.
    """
    with session_scope() as session:
        tenant_id = get_tenant(session, tenant).id
    with import_lock(tenant_id), output.progress("vouchers") as bar:
        summary = import_for_tenant(tenant_id, lookback_days=days, progress=bar)
    if as_json:
        output.emit_json(_summary(summary))
    else:
        _show(summary)


def _summary(summary: ImportSummary) -> dict:
    return {
        "tenant": summary.tenant,
        "from": summary.window.from_date,
        "to": summary.window.to_date,
        "found": summary.found,
        "new": summary.new,
        "attachments": summary.attachments,
        "already_there": summary.already_there,
        "skipped": dict(sorted(summary.skipped.items())),
        "poweroffice_calls": summary.api_calls,
    }


def _show(summary: ImportSummary) -> None:
    click.echo(f"{summary.tenant}: expenses posted {summary.window}")
    click.echo(f"  found          {summary.found}")
    click.echo(f"  new            {summary.new} ({summary.attachments} attachments)")
    click.echo(f"  already there  {summary.already_there}")
    click.echo(f"  skipped        {sum(summary.skipped.values())}")
    for reason, count in sorted(summary.skipped.items()):
        click.echo(f"    {count:>4}  {reason}")
    click.echo(f"  calls to PowerOffice Go: {summary.api_calls}")


@click.group()
def expenses() -> None:
    """Expenses imported from PowerOffice Go for Moment."""


@expenses.command("list")
@click.option("--tenant", required=True, help="Moment company code.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only expenses imported on or after this date (Norwegian time).",
)
@json_option
def list_(tenant: str, since: dt.datetime | None, as_json: bool) -> None:
    """The tenant's imported expenses and whether Moment has taken them (in JSON, the
    attachments by sha256)."""
    rows = list_expenses(tenant, since=since.date() if since else None)
    if as_json:
        output.emit_json([_json(row) for row in rows])
        return
    output.table(
        [
            Column("ID", justify="right"),
            Column("DATE"),
            Column("PROJECT"),
            Column("ACCOUNT"),
            Column("AMOUNT", justify="right"),
            Column("BILLABLE"),
            Column("STATUS"),
            Column("SUPPLIER: DESCRIPTION", wrap=True),
            Column("FILES", justify="right"),
        ],
        (
            [
                row.id,
                row.invoice_date,
                row.project_number,
                row.account_code,
                f"{row.amount_incl_vat} NOK",
                "yes" if row.billable else "no",
                row.status,
                f"{row.supplier_name}: {row.description}",
                len(row.attachments),
            ]
            for row in rows
        ),
        empty="no expenses",
    )


def _json(row: ExpenseRecord) -> dict:
    record = row.as_record()
    record["attachments"] = [
        {"filename": a.filename, "content_type": a.content_type, "sha256": a.sha256}
        for a in row.attachments
    ]
    record["status"] = row.status
    record["imported_at"] = row.imported_at
    return record
