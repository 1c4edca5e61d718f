"""`transfer` and `retry` take the same lists (commas, blanks, or both), say what they did
per item or as one JSON array, and exit 1 when any was not queued."""

from __future__ import annotations

import json

import pytest

from sync_worker import operations
from sync_worker.db.models import EntityState, SyncStatus
from sync_worker.db.session import session_scope
from tests.cli.conftest import published_customer, run, stored_state


@pytest.mark.parametrize(
    ("given", "numbers"),
    [
        ("10001,10002", ["10001", "10002"]),
        (["10001,", "10002", "10003"], ["10001", "10002", "10003"]),
        (["12,13", "14"], ["12", "13", "14"]),
        ("10001; 10002 ,10001", ["10001", "10002"]),
        ([" , "], []),
    ],
)
def test_one_way_to_read_a_list_of_numbers(given, numbers):
    assert operations.parse_numbers(given) == numbers


def test_transfer_takes_numbers_separated_by_commas_and_blanks(companies):
    first, second = (published_customer(companies["acme"]) for _ in range(2))

    result = run(
        "transfer", "customers", f"{first['number']},", second["number"], "424242", "--tenant",
        "acme",
    )  # fmt: skip

    assert result.exit_code == 1  # 424242 was never received
    assert [line.split()[:3] for line in result.output.splitlines()] == [
        ["queued", "customer", f"{first['number']}:"],
        ["queued", "customer", f"{second['number']}:"],
        ["skipped", "customer", "424242:"],
    ]


def test_transfer_json_is_one_array_and_exit_0_when_all_were_queued(companies):
    customer = published_customer(companies["nordlys"])

    result = run("transfer", "customers", customer["number"], "--tenant", "nordlys", "--json")

    assert result.exit_code == 0, result.output
    [answer] = json.loads(result.stdout)
    assert list(answer) == ["tenant", "kind", "number", "queued", "note"]
    assert (answer["kind"], answer["number"], answer["queued"]) == (
        "customer",
        customer["number"],
        True,
    )


def test_retry_takes_the_same_lists(companies):
    failed = [stored_state(companies["acme"], SyncStatus.FAILED, reason="no VAT") for _ in "ab"]
    done = stored_state(companies["nordlys"], SyncStatus.DONE, pogo_id="7")

    result = run("retry", f"{failed[0].id},{failed[1].id}", str(done.id), "--json")

    assert result.exit_code == 1  # the done one has nothing to retry
    answers = json.loads(result.stdout)
    assert [(a["id"], a["queued"]) for a in answers] == [
        (failed[0].id, True),
        (failed[1].id, True),
        (done.id, False),
    ]
    assert answers[2]["note"] == "already transferred; nothing to retry"
    with session_scope() as session:
        assert session.get(EntityState, failed[1].id).status == SyncStatus.PENDING


def test_retry_in_text_says_each_and_refuses_what_is_not_an_id(companies):
    failed = stored_state(companies["acme"], SyncStatus.FAILED, reason="no VAT")

    said = run("retry", f"{failed.id}")
    refused = run("retry", "12,abc")

    assert said.exit_code == 0 and said.output.startswith(f"queued  #{failed.id} customer")
    assert refused.exit_code == 2 and "not an ID (see `sync-worker status`): abc" in refused.output
    assert run("retry", ",").exit_code == 2


def test_history_shows_no_none_and_its_json_has_every_attempt(companies):
    failed = stored_state(companies["acme"], SyncStatus.FAILED, reason="no VAT code", step=None)

    text = run("history", "customer", failed.number, "--tenant", "acme")
    shown = json.loads(
        run("history", "customer", failed.number, "--tenant", "acme", "--json").output
    )

    assert text.exit_code == 0
    assert text.output.splitlines()[0] == f"#{failed.id} customer {failed.number}: failed"
    assert "None" not in text.output and "PowerOffice Go: VatCode is required" in text.output
    assert (shown["id"], shown["poweroffice_id"], shown["received"]) == (failed.id, None, True)
    [attempt] = shown["attempts"]
    assert (attempt["http_status"], attempt["detail"]) == (400, "no VAT code")


def test_history_of_what_never_came_exits_1(companies):
    text = run("history", "customer", "99999", "--tenant", "acme")
    shown = run("history", "customer", "99999", "--tenant", "acme", "--json")

    assert text.exit_code == 1 and "was never received" in text.output
    assert shown.exit_code == 1 and json.loads(shown.stdout)["received"] is False
