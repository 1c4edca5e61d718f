"""`sync-worker db`: the database schema."""

from __future__ import annotations

import click

from sync_worker.db import migrate


@click.group()
def db() -> None:
    """The worker system's database (SYNC_DATABASE_URL)."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
def upgrade(revision: str) -> None:
    """Create or migrate the schema up to REVISION; safe to run again."""
    migrate.upgrade(revision=revision)
    click.echo(f"database schema at {revision}")
