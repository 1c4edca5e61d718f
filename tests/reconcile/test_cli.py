"""`sync-worker reconcile`: the report as text or JSON, and its exit code."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from sync_worker import kinds
from sync_worker.cli import cli
from tests.reconcile.conftest import finalize_many


def period(books) -> list[str]:
    today = books.setup.company.today
    return ["--from", (today - dt.timedelta(days=7)).isoformat(), "--to", today.isoformat()]


def test_books_that_agree_exit_0_with_a_json_report(books):
    for number in finalize_many(books, 3, customers=1):
        books.transfer(number)

    result = CliRunner().invoke(cli, ["reconcile", "--tenant", "acme", *period(books), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and report["findings"] == [] and report["vouchers_compared"] == 3
    assert report["poweroffice_calls"] <= 3


def test_a_finding_on_its_way_exits_0_and_the_text_names_the_number_and_the_fix(books):
    [number] = finalize_many(books, 1, customers=1)

    result = CliRunner().invoke(cli, ["reconcile", "--tenant", "acme", *period(books)])

    assert result.exit_code == 0, result.output
    assert f"… missing in PowerOffice Go  {number}: Invoice {number}" in result.output
    assert "→ It goes on by itself" in result.output
    assert "1 findings: 0 for a person, 1 on its way" in result.output


def test_a_finding_for_a_person_exits_1(books):
    [number] = finalize_many(books, 1, customers=1)
    books.transfer(number)
    books.setup.admin.reverse_voucher(books.setup.client_key, books.pogo_id(kinds.INVOICE, number))

    result = CliRunner().invoke(cli, ["reconcile", "--tenant", "acme", *period(books)])

    assert result.exit_code == 1
    assert f"✗ missing in PowerOffice Go  {number}:" in result.output
    assert "since reversed or deleted" in result.output


def test_a_period_ending_before_it_begins_is_refused(books):
    result = CliRunner().invoke(
        cli, ["reconcile", "--tenant", "acme", "--from", "2026-11-30", "--to", "2026-11-01"]
    )

    assert result.exit_code == 2 and "--to is before --from" in result.output
