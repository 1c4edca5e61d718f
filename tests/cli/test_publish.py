"""`sync-worker publish`: a line for every item, published or refused and why; exit 1 on a
refusal; nothing published is left unsaid, whatever the file holds."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sandbox.sample_data import SampleCompany
from sync_worker.cli import cli
from sync_worker.db.models import Message
from sync_worker.db.session import session_scope
from sync_worker.tenants import add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.worker import clear_broker


@pytest.fixture
def company(clean_db, redis_base_url) -> SampleCompany:
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        add_tenant(session, "acme", "client-key")
    return SampleCompany("acme")


def publish(text: str | bytes):
    return CliRunner().invoke(cli, ["publish", "-"], input=text)


def stored_ids() -> set[str]:
    with session_scope() as session:
        return set(session.scalars(select(Message.id)))


def test_a_null_item_is_refused_and_every_item_reported(company):
    good = [company.message("customer.changed", company.customer()) for _ in range(2)]
    result = publish(json.dumps([good[0], None, 5, "text", [], good[1]]))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"accepted  item 1: {good[0]['message_id']}",
        "refused   item 2: (no message_id)  message #? (type ?): message: "
        "Not a JSON object but null.",
        "refused   item 3: (no message_id)  message #? (type ?): message: "
        "Not a JSON object but a number.",
        "refused   item 4: (no message_id)  message #? (type ?): message: "
        "Not a JSON object but a string.",
        "refused   item 5: (no message_id)  message #? (type ?): message: "
        "Not a JSON object but an array.",
        f"accepted  item 6: {good[1]['message_id']}",
    ]
    assert result.stderr.splitlines()[-1] == "6 items: 2 accepted, 0 duplicate, 4 refused"
    assert stored_ids() == {m["message_id"] for m in good}


def test_json_lines_report_each_line_by_its_number(company):
    good = company.message("customer.changed", company.customer())
    result = publish("\n".join(["null", "{not json", "", json.dumps(good)]))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "refused   line 1: (no message_id)  message #? (type ?): message: "
        "Not a JSON object but null.",
        "refused   line 2: (no message_id)  line 2: not JSON "
        "(Expecting property name enclosed in double quotes, column 2)",
        f"accepted  line 4: {good['message_id']}",
    ]
    assert stored_ids() == {good["message_id"]}


def test_a_repeated_key_is_refused_naming_it(company):
    customer = company.customer()
    good = company.message("customer.changed", customer)
    repeated = company.message("customer.changed", company.customer())
    text = json.dumps(repeated).replace('"name": ', '"name": "First AS", "name": ', 1)
    result = publish(f"{text}\n{json.dumps(good)}")
    assert result.exit_code == 1
    refused, accepted = result.stdout.splitlines()
    assert refused == (
        f"refused   line 1: {repeated['message_id']}  message {repeated['message_id']} "
        "(customer.changed): data.name: This key appears more than once in its JSON object."
    )
    assert accepted == f"accepted  line 2: {good['message_id']}"
    assert stored_ids() == {good["message_id"]}


def test_a_file_of_only_good_messages_exits_0_and_a_repeat_is_a_duplicate(company):
    message = company.message("customer.changed", company.customer())
    result = publish(json.dumps([message, message]))
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["accepted", "duplicate"]
    assert result.stderr.splitlines()[-1] == "2 items: 1 accepted, 1 duplicate, 0 refused"


def test_bytes_that_are_not_utf8_are_one_line_and_publish_nothing(company):
    result = publish(b'{"message_id": "\xff"}')
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: the messages are not UTF-8 text (byte 17); nothing was published"
    ]
    assert stored_ids() == set()


def test_json_is_one_array_of_every_item_and_the_exit_code_is_unchanged(company):
    good = company.message("customer.changed", company.customer())
    result = CliRunner().invoke(cli, ["publish", "-", "--json"], input=f"null\n{json.dumps(good)}")

    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "item": "line 1",
            "status": "refused",
            "message_id": None,
            "error": "message #? (type ?): message: Not a JSON object but null.",
        },
        {"item": "line 2", "status": "accepted", "message_id": good["message_id"], "error": None},
    ]
