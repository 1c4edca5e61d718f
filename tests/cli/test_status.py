"""`sync-worker status`: column headers, the whole reason, every tenant when --tenant is
left out, a message no worker has started on shown as queued; a table on a terminal."""

from __future__ import annotations

import datetime as dt
import json
import re

from sync_worker.cli import output
from sync_worker.db.models import SyncStatus
from tests.cli.conftest import LONG_REASON, published_customer, run, stored_state

HEADERS = ["ID", "KIND", "NUMBER", "STATUS", "STEP", "UPDATED", "REASON"]


def rows(text: str) -> tuple[list[str], list[list[str]]]:
    header, *lines = text.splitlines()
    return header.split(), [line.split() for line in lines]


def test_a_tenants_transfers_under_headers_with_the_whole_reason(companies):
    failed = stored_state(companies["acme"], SyncStatus.FAILED, reason=LONG_REASON, step="start")
    done = stored_state(companies["acme"], SyncStatus.DONE, step="customer", pogo_id="901")

    result = run("status", "--tenant", "acme")

    assert result.exit_code == 0, result.output
    header, lines = rows(result.output)
    assert header == HEADERS
    by_id = {line[0]: line for line in lines if line[0].isdigit()}
    assert by_id[str(failed.id)][1:5] == ["customer", failed.number, "failed", "start"]
    assert by_id[str(done.id)][1:5] == ["customer", done.number, "done", "customer"]
    assert " ".join(LONG_REASON.split()) in " ".join(result.output.split())
    assert "None" not in result.output


def test_every_tenant_when_none_is_named_with_a_tenant_column(companies):
    acme = stored_state(companies["acme"], SyncStatus.FAILED, reason="no VAT code")
    nordlys = stored_state(companies["nordlys"], SyncStatus.FAILED, reason="closed period")
    assert acme.number == nordlys.number  # the same customer number in two companies

    header, lines = rows(run("status").output)

    assert header == ["ID", "TENANT", *HEADERS[1:]]
    assert {(line[0], line[1], line[2]) for line in lines} == {
        (str(acme.id), "acme", "customer"),
        (str(nordlys.id), "nordlys", "customer"),
    }
    assert [line[1] for line in rows(run("status", "--tenant", "nordlys").output)[1]] == [
        "customer"
    ]


def test_a_message_no_worker_started_on_is_queued_without_an_id(companies):
    customer = published_customer(companies["nordlys"])

    _, [line] = rows(run("status", "--status", "queued").output)
    [shown] = json.loads(run("status", "--json").output)

    assert line[:5] == ["-", "nordlys", "customer", customer["number"], "queued"]
    assert "no worker has started on it yet" in " ".join(line)
    assert (shown["id"], shown["status"], shown["tenant"]) == (None, "queued", "nordlys")
    assert shown["message_id"]


def test_json_is_one_list_with_stable_keys_and_iso_dates(companies):
    failed = stored_state(companies["acme"], SyncStatus.FAILED, reason=LONG_REASON)

    result = run("status", "--tenant", "acme", "--json")

    [shown] = json.loads(result.stdout)
    assert list(shown) == [
        "id",
        "tenant",
        "kind",
        "number",
        "status",
        "step",
        "updated_at",
        "reason",
        "poweroffice_id",
        "message_id",
    ]
    assert shown["reason"] == LONG_REASON and shown["id"] == failed.id
    assert dt.datetime.fromisoformat(shown["updated_at"]).utcoffset() is not None
    assert "client-key" not in result.stdout


def test_nothing_to_show_says_so(companies):
    assert run("status", "--tenant", "acme", "--status", "failed").output == "no transfers\n"
    assert json.loads(run("status", "--json", "--status", "failed").output) == []


def test_on_a_terminal_a_table_wraps_the_reason_within_the_width(companies, monkeypatch):
    stored_state(companies["acme"], SyncStatus.FAILED, reason=LONG_REASON)
    monkeypatch.setattr(output, "is_terminal", lambda _stream: True)
    monkeypatch.setenv("COLUMNS", "100")

    result = run("status", "--tenant", "acme")

    lines = re.sub(r"\x1b\[[0-9;]*m", "", result.output).splitlines()  # without the colours
    assert max(len(line) for line in lines) <= 100
    assert "─" in result.output  # the rule under the headers
    assert "VatCode is required" in result.output and "account 3000" in result.output
