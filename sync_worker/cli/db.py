"""`sync-worker db`: the database schema."""

from __future__ import annotations

import sys

import click

from sync_worker.cli import output
from sync_worker.cli.output import json_option
from sync_worker.db import migrate
from sync_worker.db.session import MIGRATE_COMMAND


@click.group()
def db() -> None:
    """The worker system's database (SYNC_DATABASE_URL)."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
@json_option
def upgrade(revision: str, as_json: bool) -> None:
    """Create or migrate the schema up to REVISION; safe to run again."""
    migrate.upgrade(revision=revision)
    if as_json:
        output.emit_json(_revisions())
    else:
        click.echo(f"database schema at {revision}")


@db.command()
@json_option
def current(as_json: bool) -> None:
    """The schema's current Alembic revision, and whether it is the newest this code has.
    Exits 1 when it is not (run `sync-worker db upgrade`)."""
    revisions = _revisions()
    if as_json:
        output.emit_json(revisions)
    elif revisions["at_head"]:
        click.echo(f"database schema at {revisions['current']} (head)")
    else:
        click.echo(
            f"database schema at {revisions['current'] or 'nothing (never migrated)'}; "
            f"the head is {revisions['head']}: run `{MIGRATE_COMMAND}`"
        )
    if not revisions["at_head"]:
        sys.exit(1)


def _revisions() -> dict[str, str | bool | None]:
    now, head = migrate.current_revision(), migrate.head_revision()
    return {"current": now, "head": head, "at_head": now == head}
