"""`pogo-simulator`: PowerOffice Go's simulator over HTTP, for trying things by hand.

A tool of the sandbox, not of the product: production never installs or runs it."""

from __future__ import annotations

import datetime as dt

import click

from sandbox.simulator.server import run_simulator


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--rate-limit",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Requests per second per subscription key; 0 switches it off.",
)
@click.option(
    "--seed/--no-seed",
    default=False,
    help="Fill the client with a Norwegian chart of accounts, VAT codes, departments…",
)
@click.option(
    "--lock-date", type=click.DateTime(["%Y-%m-%d"]), help="Books closed up to this date."
)
def main(host: str, port: int, rate_limit: int, seed: bool, lock_date) -> None:
    """Serve a PowerOffice Go v2 simulator until Ctrl-C (see docs/simulator.md)."""
    run_simulator(
        host,
        port,
        rate_limit=rate_limit or None,
        seed=seed,
        lock_date=lock_date.date() if isinstance(lock_date, dt.datetime) else None,
        announce=click.echo,
    )
