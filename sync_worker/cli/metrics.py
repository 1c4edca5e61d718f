"""`sync-worker metrics`: the metrics the durable store answers (transfers, backlog,
reconciliations) in Prometheus' text format, printed once or served for scraping, with the
counters this process keeps. The workers' counters are served by each worker itself, on
SYNC_METRICS_PORT (docs/metrics.md)."""

from __future__ import annotations

import threading

import click

from sync_worker import metrics as stored_metrics

DEFAULT_PORT = 9808


@click.command("metrics")
@click.option("--serve", is_flag=True, help="Serve them at /metrics until stopped.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
def metrics(serve: bool, host: str, port: int) -> None:
    """Print the metrics once, or serve them for Prometheus with --serve."""
    if not serve:
        click.echo(stored_metrics.exposition().decode(), nl=False)
        return
    stored_metrics.serve(host, port)
    click.echo(f"serving metrics at http://{host}:{port}/metrics", err=True)
    threading.Event().wait()
