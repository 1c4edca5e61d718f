"""A command that works through many items shows a bar on stderr when stderr is a
terminal, and nothing when it is a pipe; stdout (text or JSON) is the same either way."""

from __future__ import annotations

import json
import sys

import pytest

from sync_worker.cli import output
from sync_worker.db.models import SyncStatus
from tests.cli.conftest import published_customer, run, stored_state


@pytest.fixture
def stderr_on_a_terminal(monkeypatch):
    monkeypatch.setattr(output, "is_terminal", lambda stream: stream is sys.stderr)
    monkeypatch.setattr(output, "CHUNK_SIZE", 2)  # several chunks from a few items


@pytest.fixture
def failed_ids(companies) -> list[int]:
    return [stored_state(companies["acme"], SyncStatus.FAILED, reason="x").id for _ in range(5)]


def test_retry_of_many_draws_a_bar_on_a_terminal_and_keeps_stdout_json(
    failed_ids, stderr_on_a_terminal
):
    result = run("retry", *map(str, failed_ids), "--json")

    assert result.exit_code == 0, result.output
    assert "retrying" in result.stderr and "5/5" in result.stderr
    assert [a["id"] for a in json.loads(result.stdout)] == failed_ids


def test_transfer_of_many_draws_a_bar_and_says_every_number_on_stdout(
    companies, stderr_on_a_terminal
):
    numbers = [published_customer(companies["acme"])["number"] for _ in range(3)]

    result = run("transfer", "customers", ",".join(numbers), "--tenant", "acme")

    assert result.exit_code == 0, result.output
    assert "transferring customers" in result.stderr
    assert [line.split()[2].rstrip(":") for line in result.stdout.splitlines()] == numbers


def test_publish_of_a_big_file_goes_in_chunks_under_a_bar(companies, stderr_on_a_terminal):
    messages = [
        companies["nordlys"].message("customer.changed", companies["nordlys"].customer())
        for _ in range(5)
    ]

    result = run("publish", "-", stdin="\n".join(json.dumps(m) for m in [*messages, messages[0]]))

    assert result.exit_code == 0, result.output
    assert "publishing" in result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["accepted"] * 5 + [
        "duplicate"
    ]  # a repeat in a later chunk is still the duplicate it is


def test_nothing_is_drawn_when_stderr_is_a_pipe(failed_ids, monkeypatch):
    monkeypatch.setattr(output, "CHUNK_SIZE", 2)

    result = run("retry", *map(str, failed_ids), "--json")

    assert result.exit_code == 0 and result.stderr == ""
    assert len(json.loads(result.stdout)) == 5


def test_the_expense_imports_callback_moves_the_bar(stderr_on_a_terminal, capsys):
    with output.progress("vouchers") as bar:
        bar(1, 4)
        bar(4, 4)
    assert "vouchers" in capsys.readouterr().err
