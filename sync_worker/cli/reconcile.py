"""`sync-worker reconcile`: the tenant's invoices and credit notes of a period, and their
customers, against PowerOffice Go, one finding per difference with what to do. Exits 1
when anything is found."""

from __future__ import annotations

import datetime as dt

import click

from sync_worker.cli.reports import show
from sync_worker.reconcile import reconcile as reconcile_period


@click.command("reconcile")
@click.option("--tenant", required=True, help="Moment company code.")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--json", "as_json", is_flag=True, help="The report as one JSON object.")
def reconcile(tenant: str, date_from: dt.datetime, date_to: dt.datetime, as_json: bool) -> None:
    """Compare tenant TENANT's invoices dated --from to --to (inclusive) with PowerOffice Go."""
    if date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    report = reconcile_period(tenant, date_from.date(), date_to.date())
    show(report, as_json=as_json)
