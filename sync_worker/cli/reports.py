"""How a command shows a report (the doctor's, the reconciliation's): text for a person or
one JSON object for a machine, and exit status 1 when the report found something wrong."""

from __future__ import annotations

import sys
from typing import Any, Protocol

import click

from sync_worker.cli import output


class Report(Protocol):
    ok: bool

    def text(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def show(report: Report, *, as_json: bool) -> None:
    if as_json:
        output.emit_json(report.as_dict())
    else:
        click.echo(report.text())
    if not report.ok:
        sys.exit(1)
