"""`sync-worker reconcile`: the tenant's invoices and credit notes of a period, and their
customers and projects, against PowerOffice Go, one finding per difference with what to do
(and what the system fixed); `--last` shows the last stored run. Exits 1 when something
needs a person."""

from __future__ import annotations

import datetime as dt

import click

from sync_worker.cli import output
from sync_worker.cli.output import json_option
from sync_worker.cli.reports import show
from sync_worker.reconcile import latest
from sync_worker.reconcile import reconcile as reconcile_period


@click.command("reconcile")
@click.option("--tenant", required=True, help="Moment company code.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--last", is_flag=True, help="Show the last stored run (daily or asked for).")
@click.option(
    "--fix/--no-fix",
    default=None,
    help="Fix what the system can (a missing PDF, a customer or project edited by hand); "
    "the tenant's setting unless given.",
)
@json_option
def reconcile(
    tenant: str,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    last: bool,
    fix: bool | None,
    as_json: bool,
) -> None:
    """Compare tenant TENANT's invoices dated --from to --to (inclusive) with PowerOffice Go."""
    if last:
        if date_from or date_to or fix is not None:
            raise click.UsageError("--last shows the stored run: it takes no period or --fix")
        report = latest(tenant)
        if report is None:
            raise click.ClickException(f"tenant {tenant} has not been reconciled yet")
        show(report, as_json=as_json)
        return
    if date_from is None or date_to is None:
        raise click.UsageError("give the period (--from and --to), or --last")
    if date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    with output.working(f"reconciling {tenant}"):
        report = reconcile_period(tenant, date_from.date(), date_to.date(), fix=fix)
    show(report, as_json=as_json)
