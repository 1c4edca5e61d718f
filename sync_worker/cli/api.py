"""`sync-worker api`: the HTTP door for producers that are not Python, and its tokens.

`serve` runs the door on werkzeug's development server, for a workstation; production
runs it under gunicorn (`gunicorn sync_worker.api.wsgi:application`, docker-compose.yml).
A token is printed once, when it is created, and never again: only its hash is stored.
"""

from __future__ import annotations

import datetime as dt

import click

from sync_worker.api import auth
from sync_worker.norway import OSLO

DEFAULT_PORT = 8000


@click.group("api")
def api() -> None:
    """The HTTP door (docs/http-api.md): serve it, and manage the tenants' API tokens."""


@api.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the door until stopped (for local use; production runs gunicorn)."""
    from werkzeug.serving import run_simple

    from sync_worker.api.wsgi import application

    click.echo(f"serving the HTTP door at http://{host}:{port}/v1/openapi.json", err=True)
    run_simple(host, port, application, threaded=True)


@api.group()
def token() -> None:
    """Create, list and revoke the tenants' API tokens."""


@token.command("create")
@click.option("--tenant", required=True, help="Moment company code.")
@click.option("--name", default="", help="What the token is for, e.g. 'moment-backend'.")
def create(tenant: str, name: str) -> None:
    """Create a token for TENANT and print it, once: it cannot be shown again."""
    try:
        info, secret = auth.create_token(tenant, name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--name") from None
    click.echo(secret)
    click.echo(
        f"API token #{info.id} for {info.tenant} created; it is shown this once, store it now "
        f"(revoke it with `sync-worker api token revoke {info.id}`)",
        err=True,
    )


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
def revoke(token_id: int) -> None:
    """Revoke the token ID (see `list`): refused from the next request on."""
    info = auth.revoke_token(token_id)
    click.echo(f"API token #{info.id} of {info.tenant} revoked at {_when(info.revoked_at)}")


@token.command("list")
@click.option("--tenant", required=True, help="Moment company code.")
def list_(tenant: str) -> None:
    """The tenant's tokens: id, name, created, last used, and revoked (never the token)."""
    tokens = auth.list_tokens(tenant)
    if not tokens:
        click.echo(f"{tenant} has no API tokens: create one with `sync-worker api token create`")
        return
    click.echo(f"{'ID':>5}  {'NAME':<24} {'CREATED':<16}  {'LAST USED':<16}  STATUS")
    for info in tokens:
        status = "active" if info.active else f"revoked {_when(info.revoked_at)}"
        click.echo(
            f"{info.id:>5}  {info.name or '-':<24} {_when(info.created_at):<16}  "
            f"{_when(info.last_used_at):<16}  {status}"
        )


def _when(moment: dt.datetime | None) -> str:
    return "never" if moment is None else moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")
