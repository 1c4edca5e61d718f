"""The producer: validate, store, take the message's turn in the same transaction, enqueue
after commit; ids only."""

from __future__ import annotations

import base64
import copy
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from sandbox.sample_data import SampleCompany
from sync_worker import producer
from sync_worker.cli import cli
from sync_worker.db.models import Message, OutboxEntry
from sync_worker.db.session import session_scope
from sync_worker.errors import InvalidMessage
from sync_worker.producer import publish, publish_many, publish_text
from sync_worker.tenants import add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.broker import queued_tasks
from tests.support.worker import clear_broker

CLIENT_KEY = "client-key-that-must-never-travel"


@pytest.fixture
def company(clean_db, redis_base_url):
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        add_tenant(session, "acme", CLIENT_KEY)
    return SampleCompany("acme")


def stored_messages() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Message))


def test_a_valid_message_is_stored_then_enqueued_with_its_id_only(company, redis_base_url):
    customer = company.customer()
    message = company.message("customer.changed", customer)
    result = publish(message)
    assert result.status == "accepted"
    [task] = queued_tasks(redis_base_url)
    assert task["headers"]["task"] == "tasks.customers.transfer_customer"
    body = json.loads(base64.b64decode(task["body"]))
    assert body[1] == {"message_id": message["message_id"]}
    raw = json.dumps(task)
    assert customer["name"] not in raw and CLIENT_KEY not in raw
    with session_scope() as session:
        stored = session.get(Message, message["message_id"])
        assert stored.payload == message and stored.kind == "customer"
        assert stored.dispatched_at is not None  # its turn taken in the same transaction
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 0


def test_an_invoice_task_carries_no_pdf(company, redis_base_url):
    customer = company.customer()
    invoice = company.invoice(customer, company.project(customer))
    publish(company.message("invoice.finalized", invoice))
    [task] = queued_tasks(redis_base_url)
    assert invoice["attachment"]["content_base64"][:40] not in json.dumps(task)
    assert task["headers"]["task"] == "tasks.invoices.transfer_invoice"


def test_the_same_message_id_twice_is_stored_and_enqueued_once(company, redis_base_url):
    message = company.message("customer.changed", company.customer())
    assert publish(message).status == "accepted"
    assert publish(message).status == "duplicate"
    results = publish_many([message, message])
    assert [r.status for r in results] == ["duplicate", "duplicate"]
    assert stored_messages() == 1
    assert len(queued_tasks(redis_base_url)) == 1


def test_a_repeat_inside_one_batch_is_a_duplicate(company, redis_base_url):
    message = company.message("customer.changed", company.customer())
    results = publish_many([message, message])
    assert [r.status for r in results] == ["accepted", "duplicate"]
    assert len(queued_tasks(redis_base_url)) == 1


def test_a_bad_message_is_refused_naming_message_and_field(company, redis_base_url):
    message = company.message("customer.changed", company.customer(organization_number="123"))
    with pytest.raises(InvalidMessage) as caught:
        publish(message)
    assert message["message_id"] in str(caught.value)
    assert "data.organization_number" in str(caught.value)
    assert stored_messages() == 0
    assert queued_tasks(redis_base_url) == []


def test_a_batch_goes_on_past_its_bad_messages(company, redis_base_url):
    customer = company.customer()
    good = company.message("customer.changed", customer)
    dotted = company.message("project.changed", company.project(customer, number="2026.1"))
    money_as_float = company.message("invoice.finalized", company.invoice(customer, None))
    money_as_float["data"]["total_incl_vat"] = 100.5
    unknown_tenant = dict(company.message("customer.changed", company.customer()), tenant="nope")
    results = publish_many([good, dotted, money_as_float, unknown_tenant, "not an object"])
    assert [r.status for r in results] == ["accepted", "refused", "refused", "refused", "refused"]
    assert "data.number" in results[1].error and '"."' in results[1].error
    assert "data.total_incl_vat" in results[2].error
    assert "unknown tenant 'nope'" in results[3].error
    assert stored_messages() == 1
    assert len(queued_tasks(redis_base_url)) == 1


def test_a_tokens_batch_refuses_another_tenants_message_and_stores_its_own(company):
    with session_scope() as session:
        add_tenant(session, "rival", "rival-client-key")
    own = company.message("customer.changed", company.customer())
    rivals = dict(company.message("customer.changed", company.customer()), tenant="rival")

    results = publish_many([own, rivals], tenant="acme")

    assert [r.status for r in results] == ["accepted", "refused"]
    assert results[1].reason == "unknown_tenant"
    assert "not the tenant of this API token" in results[1].error
    assert stored_messages() == 1


def test_cli_publish_prints_one_line_per_message_and_fails_on_a_refusal(company, tmp_path):
    customer = company.customer()
    lines = [
        json.dumps(company.message("customer.changed", customer)),
        "{not json",
        json.dumps(company.message("project.changed", company.project(customer, name=None))),
    ]
    source = tmp_path / "messages.jsonl"
    source.write_text("\n".join(lines))
    result = CliRunner().invoke(cli, ["publish", str(source)])
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert len(out) == 3
    assert out[0].startswith("accepted")
    assert out[1].startswith("refused") and "line 2: not JSON" in out[1]
    assert out[2].startswith("refused") and "data.name" in out[2]


def test_cli_publish_reads_an_array_from_stdin(company):
    customer = company.customer()
    batch = [
        company.message("customer.changed", customer),
        company.message("project.changed", company.project(customer)),
    ]
    result = CliRunner().invoke(cli, ["publish", "-"], input=json.dumps(batch))
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["accepted", "accepted"]


def stored_payload(message_id: str) -> dict | None:
    with session_scope() as session:
        stored = session.get(Message, message_id)
        return stored.payload if stored else None


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda m: m.update(version=2**63), "version", "Must be from 0 to 9223372036854775807"),
        (lambda m: m["data"].update(number="P" * 65), "data.number", "65 characters long"),
        (lambda m: m["data"].update(name="Nord\x00AS"), "data.name", "U+0000"),
        (lambda m: m["data"].update(note="\x00"), "data.note", "NUL character"),
        (lambda m: m["data"].update(score=float("nan")), "data.score", "NaN is not a JSON"),
        (lambda m: m["data"].update(extra=Decimal("1")), "data.extra", "Decimal is not a JSON"),
        (
            lambda m: m.update(occurred_at="9999-12-31T23:59:59-05:00"),
            "occurred_at",
            "does not exist in UTC",
        ),
    ],
)
def test_a_message_the_database_cannot_hold_is_refused_alone(
    company, redis_base_url, change, field, reason
):
    customer = company.customer()
    bad = company.message("project.changed", company.project(customer))
    change(bad)
    before, after = (company.message("customer.changed", company.customer()) for _ in range(2))
    results = publish_many([before, bad, after])
    assert [r.status for r in results] == ["accepted", "refused", "accepted"]
    assert f"{field}: " in results[1].error and reason in results[1].error
    assert stored_payload(bad["message_id"]) is None
    assert stored_messages() == 2
    assert len(queued_tasks(redis_base_url)) == 2


def test_what_the_door_let_through_and_the_database_refuses_sinks_only_its_message(
    company, redis_base_url, monkeypatch
):
    customer = company.customer()
    good = company.message("customer.changed", customer)
    slipped = company.message("customer.changed", company.customer())
    real_row = producer._row

    def row_with_a_number_too_long(envelope, raw, tenant_id):
        row = real_row(envelope, raw, tenant_id)
        if raw is slipped:
            row["entity_number"] = "9" * 100
        return row

    monkeypatch.setattr(producer, "_row", row_with_a_number_too_long)
    results = publish_many([slipped, good])
    assert [r.status for r in results] == ["refused", "accepted"]
    assert results[0].error == (
        f"message {slipped['message_id']} (customer.changed): the database refused it: "
        "value too long for type character varying(64)"
    )
    assert stored_payload(good["message_id"]) == good
    assert len(queued_tasks(redis_base_url)) == 1


def test_an_unreachable_database_is_not_blamed_on_a_message(company, monkeypatch):
    def unreachable(session, rows):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(producer, "_insert", unreachable)
    with pytest.raises(OperationalError):
        publish_many([company.message("customer.changed", company.customer())])


def test_the_same_message_id_with_other_content_is_refused_and_the_first_kept(
    company, redis_base_url
):
    message = company.message("customer.changed", company.customer())
    changed = copy.deepcopy(message)
    changed["data"]["name"] = "Another Name AS"
    assert publish(message).status == "accepted"
    [result] = publish_many([changed])
    assert result.status == "refused"
    assert result.error == (
        f"message {message['message_id']} (customer.changed): message_id: already received "
        "with other content; a changed message needs a new message_id (the one received "
        "first is kept)"
    )
    assert stored_payload(message["message_id"]) == message
    assert len(queued_tasks(redis_base_url)) == 1


def test_the_same_message_in_another_spelling_of_its_id_is_a_duplicate(company):
    message = company.message("customer.changed", company.customer())
    publish(message)
    again = dict(message, message_id=message["message_id"].upper())
    assert publish(again).status == "duplicate"


def test_inside_one_batch_a_changed_repeat_is_refused_an_identical_one_a_duplicate(
    company, redis_base_url
):
    message = company.message("customer.changed", company.customer())
    changed = copy.deepcopy(message)
    changed["version"] += 1
    results = publish_many([message, copy.deepcopy(message), changed])
    assert [r.status for r in results] == ["accepted", "duplicate", "refused"]
    assert "message_id: already received with other content" in results[2].error
    assert stored_payload(message["message_id"]) == message
    assert len(queued_tasks(redis_base_url)) == 1


def test_a_document_nested_too_deep_is_refused_alone(company):
    good = company.message("customer.changed", company.customer())
    deep = company.message("customer.changed", company.customer())
    nested: dict = {}
    deep["data"]["extra"] = nested
    for _ in range(40):
        nested["next"] = nested = {}
    text = "\n".join(["[" * 100_000, json.dumps(deep), json.dumps(good)])
    [(_, too_deep), (_, refused), (_, accepted)] = publish_text(text)
    assert too_deep.error == "line 1: not JSON (nested too deep)"
    assert refused.status == "refused" and "Nested more than 32 levels deep." in refused.error
    assert accepted.status == "accepted"
    assert stored_messages() == 1
