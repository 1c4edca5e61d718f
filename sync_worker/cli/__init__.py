"""The `sync-worker` command for operators. Each sub-command lives in its own module."""

from __future__ import annotations

import sys

import click
import redis
from kombu.exceptions import OperationalError as BrokerError
from kombu.utils.url import maybe_sanitize_url
from sqlalchemy.exc import DBAPIError

from config.settings import SettingsError, get_settings
from sync_worker import __version__
from sync_worker.cli import (
    api,
    db,
    doctor,
    expenses,
    metrics,
    reconcile,
    tenants,
    transfers,
    workers,
)
from sync_worker.db.session import database_problem
from sync_worker.errors import SyncError
from sync_worker.outbox import broker_problem


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
cli.add_command(metrics.metrics)
cli.add_command(api.api)
for command in (
    transfers.publish,
    transfers.transfer,
    transfers.retry,
    transfers.status,
    transfers.history,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: a bad setting, a refused operation, or a service that is down or not
    set up ends in one line naming what is wrong, not a traceback. Anything else is a bug
    and keeps its traceback."""
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
    except (DBAPIError, BrokerError, redis.RedisError) as exc:
        problem = operational_problem(exc)
        if problem is None:
            raise
        click.echo(f"sync-worker: {problem}", err=True)
        sys.exit(2)


def operational_problem(exc: BaseException) -> str | None:
    """The one line for a service this command needs being unreachable or not set up;
    None when `exc` is something else."""
    if isinstance(exc, DBAPIError):
        return database_problem(exc)
    if isinstance(exc, BrokerError):
        return broker_problem(exc)
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        where = maybe_sanitize_url(get_settings().redis_url)
        return f"cannot reach Redis at {where} (SYNC_REDIS_URL): {exc}"
    return None
