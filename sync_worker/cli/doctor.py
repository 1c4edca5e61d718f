"""`sync-worker doctor`: the tenant's setup checked against its PowerOffice Go client, one
line per check with ✓ / ⚠ / ✗ and what to do. Exits 1 when anything is ✗."""

from __future__ import annotations

import click

from sync_worker.cli import output
from sync_worker.cli.output import json_option
from sync_worker.cli.reports import show
from sync_worker.doctor import diagnose


@click.command("doctor")
@click.option("--tenant", required=True, help="Moment company code.")
@json_option
@click.option("--send-test-email", is_flag=True, help="Send a test e-mail to the error address.")
@click.option(
    "--cached",
    is_flag=True,
    help="Use the look-ups the transfers cached instead of reading them afresh.",
)
def doctor(tenant: str, as_json: bool, send_test_email: bool, cached: bool) -> None:
    """Check tenant TENANT's setup against its live PowerOffice Go client."""
    with output.working(f"checking {tenant}'s setup"):
        report = diagnose(tenant, send_test_email=send_test_email, fresh=not cached)
    show(report, as_json=as_json)
