"""The one place the commands' output is decided: JSON values, absent values, tables."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sync_worker.cli import output
from sync_worker.cli.output import Column


def test_json_gives_dates_in_iso_8601_and_money_as_its_exact_decimal(capsys):
    output.emit_json(
        {
            "at": dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC),
            "day": dt.date(2026, 12, 2),
            "amount": Decimal("2240.10"),
            "name": "Bjørn",
        }
    )
    assert json.loads(capsys.readouterr().out) == {
        "at": "2026-12-02T00:30:00+01:00",  # Norwegian time, with its offset
        "day": "2026-12-02",
        "amount": "2240.10",
        "name": "Bjørn",
    }


def test_an_absent_value_is_a_dash_never_none():
    assert [output.cell(v) for v in (None, "", 0, "x")] == ["-", "-", "0", "x"]
    assert output.when(None) == "-"


def test_a_table_off_a_terminal_is_plain_aligned_text_with_nothing_cut(capsys):
    reason = "word " * 40
    output.table(
        [Column("ID", justify="right"), Column("REASON", wrap=True)],
        [[7, reason], [None, "[bold]not markup[/bold]"]],
        empty="none",
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "REASON"]
    assert lines[1].split() == ["7", *reason.split()]  # one line: wide enough for it
    assert lines[2].split() == ["-", "[bold]not", "markup[/bold]"]
    assert all(line == line.rstrip() for line in lines)


def test_an_empty_table_is_its_one_line(capsys):
    output.table([Column("ID")], [], empty="no transfers")
    assert capsys.readouterr().out == "no transfers\n"
