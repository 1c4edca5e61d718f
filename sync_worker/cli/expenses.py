"""`sync-worker import-expenses` and `sync-worker expenses list`: the expense import, for
operators. The import runs here, in this process, under the same per-tenant lock as the
scheduled imports, so it never runs alongside one."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from sync_worker.db.session import session_scope
from sync_worker.expenses.importer import ImportSummary, import_for_tenant, import_lock
from sync_worker.expenses.moment_api import ExpenseRecord, list_expenses
from sync_worker.norway import OSLO
from sync_worker.tenants import get_tenant


@click.command("import-expenses")
@click.option("--tenant", required=True, help="Moment company code.")
@click.option(
    "--days",
    type=click.IntRange(0, 60),
    help="Look this many days back instead of the tenant's setting.",
)
def import_expenses(tenant: str, days: int | None) -> None:
    """Import the tenant's new expenses from PowerOffice Go now, and say what happened.

    Expenses already stored are left exactly as they are; running it again is harmless.
    """
    with session_scope() as session:
        tenant_id = get_tenant(session, tenant).id
    progress = _ProgressBar()
    try:
        with import_lock(tenant_id):
            summary = import_for_tenant(tenant_id, lookback_days=days, progress=progress)
    finally:
        progress.close()
    _show(summary)


class _ProgressBar:
    """A click progress bar over the vouchers, drawn once the importer knows how many."""

    def __init__(self) -> None:
        self._bar = None
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="vouchers", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


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
@click.option("--json", "as_json", is_flag=True, help="One JSON array, attachments by sha256.")
def list_(tenant: str, since: dt.datetime | None, as_json: bool) -> None:
    """The tenant's imported expenses and whether Moment has taken them."""
    rows = list_expenses(tenant, since=since.date() if since else None)
    if as_json:
        click.echo(json.dumps([_json(row) for row in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no expenses")
    for row in rows:
        billable = "billable" if row.billable else "not billable"
        click.echo(
            f"{row.id:>6} {row.invoice_date} {row.project_number:<12} {row.account_code:<5} "
            f"{row.amount_incl_vat:>12} NOK {billable:<12} {row.status:<12} "
            f"{row.supplier_name}: {row.description} ({_attachments(len(row.attachments))})"
        )


def _attachments(count: int) -> str:
    return f"{count} attachment{'' if count == 1 else 's'}"


def _json(row: ExpenseRecord) -> dict:
    record = row.as_record()
    record["attachments"] = [
        {"filename": a.filename, "content_type": a.content_type, "sha256": a.sha256}
        for a in row.attachments
    ]
    record["status"] = row.status
    record["imported_at"] = row.imported_at.astimezone(OSLO).isoformat()
    return record
