"""The `sync-worker` command for operators. Each sub-command lives in its own module."""

from __future__ import annotations

import sys

import click

from config.settings import SettingsError
from sync_worker import __version__
from sync_worker.cli import db, doctor, expenses, reconcile, tenants, transfers, workers
from sync_worker.errors import SyncError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sync-worker")
def cli() -> None:
    """Keeps PowerOffice Go in step with Moment. Settings come from the environment
    (see .env.example); every command says what it did."""


cli.add_command(db.db)
cli.add_command(tenants.tenant)
cli.add_command(workers.worker)
cli.add_command(workers.beat)
cli.add_command(expenses.import_expenses)
cli.add_command(expenses.expenses)
cli.add_command(doctor.doctor)
cli.add_command(reconcile.reconcile)
for command in (
    transfers.publish,
    transfers.transfer,
    transfers.retry,
    transfers.status,
    transfers.history,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: a bad setting or a refused operation ends in one line, not a traceback."""
    try:
        cli.main(args=argv, prog_name="sync-worker", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SettingsError as exc:
        click.echo(f"sync-worker: configuration error: {exc}", err=True)
        sys.exit(2)
    except SyncError as exc:
        click.echo(f"sync-worker: {exc}", err=True)
        sys.exit(1)
