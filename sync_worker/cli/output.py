"""How every command shows what it did: a table for a person, one JSON document for a
machine (`--json`), and a progress bar on a terminal while it works through many items.

Tables and bars are drawn with rich. On a terminal a table takes the terminal's width
and wraps its long column; written to a pipe or a file it is plain aligned text, as wide
as it needs to be up to `PIPE_WIDTH`, so nothing is cut. A bar is drawn on stderr, and
only when stderr is a terminal: stdout stays the command's answer, JSON or text.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TextIO, TypeVar

import click
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sync_worker.norway import OSLO

# Columns of text written to a pipe or a file: wide enough for a whole line of `status`.
PIPE_WIDTH = 250
# Items a command hands on in one go (one transaction each) when it works through many,
# so its progress bar moves and one bad batch does not hold back the rest.
CHUNK_SIZE = 200
# Shown where a value is absent (an id not yet given, a step not yet taken).
NONE = "-"

JSON_HELP = "One JSON document on stdout instead of text."
json_option = click.option("--json", "as_json", is_flag=True, help=JSON_HELP)

T = TypeVar("T")


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty()


def console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    terminal = is_terminal(stream)
    return Console(
        file=stream,
        force_terminal=terminal,
        width=None if terminal else PIPE_WIDTH,
        highlight=False,
        markup=False,
        emoji=False,
    )


# Values as JSON gives them: dates in ISO 8601 (times in Norwegian time, with the
# offset), money as its exact decimal string.
def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(OSLO).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not for JSON")


def emit_json(document: Any) -> None:
    """The command's answer as one JSON document on stdout."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=_plain))


def when(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """A moment for a person: Norwegian time, to the minute (or the second)."""
    if value is None:
        return NONE
    return value.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def cell(value: Any) -> str:
    """A value in a table or a line of text: `NONE` for one that is absent, never "None"."""
    return NONE if value is None or value == "" else str(value)


@dataclass(frozen=True)
class Column:
    header: str
    justify: Literal["left", "right"] = "left"
    wrap: bool = False  # the free text (a reason, a detail): wrapped, never cut


def table(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, empty: str) -> None:
    """Rows under column headers on stdout; `empty` alone when there are none."""
    rows = list(rows)
    if not rows:
        click.echo(empty)
        return
    out = console()
    grid = Table(
        box=box.SIMPLE_HEAD if out.is_terminal else None,
        show_edge=False,
        pad_edge=False,
        header_style="bold" if out.is_terminal else None,
    )
    for column in columns:
        grid.add_column(
            column.header,
            justify=column.justify,
            no_wrap=not column.wrap,
            overflow="fold" if column.wrap else "ellipsis",
        )
    for row in rows:
        grid.add_row(*(Text(cell(value)) for value in row))
    if out.is_terminal:
        out.print(grid)
        return
    with out.capture() as captured:
        out.print(grid)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))


class Bar:
    """A progress bar's handle: `advance` by items done, or call it with (done, total)
    as the expense import reports. Does nothing when no bar is drawn."""

    def __init__(self, progress: Progress | None = None, task: Any = None) -> None:
        self._progress, self._task = progress, task

    def advance(self, count: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, count)

    def __call__(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Bar]:
    """A bar on stderr while the block works through `total` items (known later: None);
    drawn only on a terminal, and gone when the block ends."""
    err = console(stderr=True)
    if not err.is_terminal:
        yield Bar()
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Lines a command prints meanwhile go above the bar when both share the terminal; when
    # stdout is a pipe or a file they go there, untouched.
    shared = is_terminal(sys.stdout)
    with Progress(
        *columns, console=err, transient=True, redirect_stdout=shared, redirect_stderr=False
    ) as bar:
        yield Bar(bar, bar.add_task(label, total=total))


def in_chunks(items: Sequence[T], *, label: str) -> Iterator[list[T]]:
    """`items` in chunks of `CHUNK_SIZE`, under a progress bar that moves as each chunk is
    handed back done; a command says what each chunk did before it takes the next."""
    with progress(label, total=len(items)) as bar:
        for start in range(0, len(items), CHUNK_SIZE):
            chunk = list(items[start : start + CHUNK_SIZE])
            yield chunk
            bar.advance(len(chunk))


@contextmanager
def working(what: str) -> Iterator[None]:
    """A spinner on stderr, on a terminal only, while one long call (a reconciliation, the
    doctor's look-ups) runs."""
    err = console(stderr=True)
    if not err.is_terminal:
        yield
        return
    with err.status(what):
        yield
