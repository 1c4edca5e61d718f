"""A kind is added through the registry alone: a module of its own and one `register` line,
and the producer and the runner take it as they take the built-in ones."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from marshmallow import fields

from config.tasks import QueueName, TaskName
from sync_worker import kinds
from sync_worker.db.models import Message, MessageStatus
from sync_worker.db.session import session_scope
from sync_worker.errors import InvalidMessage
from sync_worker.policy import Action
from sync_worker.producer import publish
from sync_worker.schemas.messages import ContractSchema
from sync_worker.tenants import add_tenant
from sync_worker.transfers.runner import run_message
from tests.schemas.examples import message

TRANSFER_SUPPLIER = TaskName("tasks.suppliers.transfer_supplier", QueueName.TRANSFERS)


@dataclass(frozen=True)
class Supplier:
    number: str
    name: str


class SupplierSchema(ContractSchema):
    entity = Supplier

    number = fields.String(required=True)
    name = fields.String(required=True)


@pytest.fixture
def supplier_kind(monkeypatch) -> Iterator[list]:
    """A throwaway kind, registered for one test and forgotten after."""
    handled: list = []

    def transfer_supplier(run, _state) -> bool:
        handled.append(run.envelope.data)
        return True

    kinds.all_kinds()  # the built-in kinds first, as in production
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    kinds.register(
        kinds.Kind(
            "supplier",
            "supplier.changed",
            "supplier",
            SupplierSchema,
            TRANSFER_SUPPLIER,
            transfer_supplier,
            versioned=True,
            retransferable=True,
        )
    )
    yield handled


@pytest.fixture
def sent_turns(monkeypatch) -> list:
    """What the dispatcher sends to the broker, kept here instead."""
    sent: list = []
    monkeypatch.setattr(
        "sync_worker.dispatch.send", lambda turns, app=None: sent.extend(turns) or len(turns)
    )
    return sent


@pytest.fixture
def tenant(clean_db, sent_turns):
    with session_scope() as session:
        add_tenant(session, "acme", "client-key")


def supplier_message(**data) -> dict:
    return message("customer.changed") | {
        "type": "supplier.changed",
        "data": {"number": "20001", "name": "Norwegian Air Shuttle ASA"} | data,
    }


def test_a_registered_kind_goes_through_the_producer_and_the_runner(
    supplier_kind, tenant, sent_turns
):
    result = publish(supplier_message())

    with session_scope() as session:
        stored = session.get_one(Message, result.message_id)
        assert (stored.kind, stored.entity_number) == ("supplier", "20001")
        assert stored.dispatched_at is not None  # handed to the broker at once
    [turn] = sent_turns
    assert (turn.task_name, turn.queue) == (TRANSFER_SUPPLIER.name, "transfers")

    decision = run_message(result.message_id, kinds.get("supplier").handler)

    assert decision.action is Action.DONE
    assert supplier_kind == [Supplier(number="20001", name="Norwegian Air Shuttle ASA")]
    with session_scope() as session:
        assert session.get_one(Message, result.message_id).status == MessageStatus.DONE


def test_its_data_is_checked_by_its_own_schema(supplier_kind, tenant):
    with pytest.raises(InvalidMessage, match=r"data\.name"):
        publish(supplier_message(name=None))


def test_a_kind_is_named_once(supplier_kind):
    with pytest.raises(ValueError, match="taken"):
        kinds.register(kinds.get("supplier"))
    assert "supplier" in kinds.names(retransferable=True)


def test_an_unknown_message_type_is_refused_naming_the_known_ones(tenant):
    with pytest.raises(InvalidMessage, match=r"Must be one of: customer\.changed"):
        publish(supplier_message())
