"""`sync-worker import-expenses` and `sync-worker expenses list`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from sync_worker.cli import cli, main
from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope
from sync_worker.expenses import moment_api
from sync_worker.expenses.importer import import_lock
from tests.expenses.conftest import line, pdf
from tests.expenses.test_importer import book_scenario


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_import_shows_a_summary_and_a_second_run_finds_everything_there(books):
    book_scenario(books)

    first = run("import-expenses", "--tenant", "acme")
    second = run("import-expenses", "--tenant", "acme")

    assert first.exit_code == 0, first.output
    assert "found          6" in first.output
    assert "new            5 (3 attachments)" in first.output
    assert "skipped        1" in first.output
    assert "1  reversed voucher" in first.output
    assert "new            0 (0 attachments)" in second.output
    assert "already there  5" in second.output


def test_days_reaches_further_back(books):
    books.voucher(line(7140, "10.00", None, "2026-017"), posted=books.today - dt.timedelta(days=7))
    assert "new            0" in run("import-expenses", "--tenant", "acme").output
    assert "new            1" in run("import-expenses", "--tenant", "acme", "--days", "7").output


def test_an_import_already_running_is_refused_in_one_line(books, capsys):
    with import_lock(books.tenant_id), pytest.raises(SystemExit) as exit_:
        main(["import-expenses", "--tenant", "acme"])
    assert exit_.value.code == 1
    assert "another expense import of this tenant is running" in capsys.readouterr().err


def test_an_unknown_tenant_is_refused_in_one_line(books, capsys):
    with pytest.raises(SystemExit):
        main(["import-expenses", "--tenant", "nope"])
    assert "unknown tenant 'nope'" in capsys.readouterr().err


def test_list_shows_each_expense_and_its_state(books):
    books.voucher(
        line(7140, "2000.00", "13", "2026-017", "Flybilletter"), pdf=pdf("a"), pdf_filename="a.pdf"
    )
    books.voucher(line(6540, "100.00", None, "2026-019", "Stol"), supplier=20002)
    run("import-expenses", "--tenant", "acme")
    flight = next(e for e in moment_api.list_expenses("acme") if e.account_code == "7140")
    moment_api.acknowledge("acme", ids=[flight.id])

    text = run("expenses", "list", "--tenant", "acme").output
    records = json.loads(run("expenses", "list", "--tenant", "acme", "--json").output)
    future = run("expenses", "list", "--tenant", "acme", "--since", "2099-01-01").output

    header, *lines = text.splitlines()
    assert header.split() == [
        "ID", "DATE", "PROJECT", "ACCOUNT", "AMOUNT", "BILLABLE", "STATUS", "SUPPLIER:",
        "DESCRIPTION", "FILES",
    ]  # fmt: skip
    flight_line = " ".join(next(line for line in lines if "7140" in line).split())
    assert flight_line.endswith(
        "2240.00 NOK no acknowledged Norwegian Air Shuttle ASA: Flybilletter 1"
    )
    assert " ".join(next(line for line in lines if "6540" in line).split()).endswith(": Stol 0")
    by_account = {r["account_code"]: r for r in records}
    assert (by_account["7140"]["status"], by_account["6540"]["status"]) == ("acknowledged", "new")
    assert by_account["7140"]["amount_incl_vat"] == "2240.00"
    assert by_account["7140"]["attachments"][0]["filename"] == "a.pdf"
    assert "content_base64" not in by_account["7140"]["attachments"][0]
    assert future.strip() == "no expenses"


def test_the_voucher_types_a_tenant_imports_can_be_narrowed_and_reset(books, capsys):
    narrowed = run(
        "tenant", "update", "acme", "--expense-voucher-types", "incominginvoice, ManualJournal"
    )
    shown = json.loads(run("tenant", "list", "--json").output)[0]["expense_voucher_types"]
    with session_scope() as session:
        stored = session.get_one(Tenant, books.tenant_id).expense_voucher_types
    reset = run("tenant", "update", "acme", "--expense-voucher-types", "")

    assert narrowed.exit_code == 0, narrowed.output
    assert stored == "IncomingInvoice,ManualJournal"
    assert shown == ["IncomingInvoice", "ManualJournal"]
    assert reset.exit_code == 0
    header, row = run("tenant", "list").output.splitlines()
    assert row[header.index("VOUCHER TYPES") :].split()[0] == "all"


@pytest.mark.parametrize("refused", ["PayrollJournal", "OutgoingInvoice", "ReversalVoucher"])
def test_a_voucher_type_that_is_not_expense_like_is_refused_by_name(books, capsys, refused):
    with pytest.raises(SystemExit) as exit_:
        main(["tenant", "update", "acme", "--expense-voucher-types", f"IncomingInvoice,{refused}"])

    assert exit_.value.code == 1
    error = capsys.readouterr().err
    assert f"expense voucher type '{refused}' is not one of IncomingInvoice" in error
    with session_scope() as session:
        assert session.get_one(Tenant, books.tenant_id).expense_voucher_types == ""


def test_import_json_is_one_object_with_iso_dates(books):
    book_scenario(books)

    result = run("import-expenses", "--tenant", "acme", "--json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert list(summary) == [
        "tenant", "from", "to", "found", "new", "attachments", "already_there", "skipped",
        "poweroffice_calls",
    ]  # fmt: skip
    assert (summary["found"], summary["new"], summary["attachments"]) == (6, 5, 3)
    assert summary["skipped"] == {"reversed voucher": 1}
    assert dt.date.fromisoformat(summary["to"]) == books.today
