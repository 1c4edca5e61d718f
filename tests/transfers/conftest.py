"""A registered tenant with Moment's sample data, and a fake PowerOffice Go for it."""

from __future__ import annotations

import pytest

from sandbox.sample_data import SampleCompany
from sync_worker.db.session import session_scope
from sync_worker.producer import publish
from sync_worker.tenants import add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.schemas.examples import message
from tests.support.worker import clear_broker
from tests.transfers.fakes import FakePowerOffice


@pytest.fixture
def moment(clean_db, redis_base_url) -> SampleCompany:
    """Tenant "acme", registered, with the messages its Moment would send."""
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        add_tenant(session, "acme", "client-key")
    return SampleCompany("acme")


@pytest.fixture
def pogo() -> FakePowerOffice:
    return FakePowerOffice()


@pytest.fixture
def message_id(clean_db, monkeypatch) -> str:
    """A stored `customer.changed` of tenant "acme" (customer 10001), its task not sent."""
    monkeypatch.setattr("sync_worker.outbox.send", lambda ids, app=None: len(list(ids)))
    with session_scope() as session:
        add_tenant(session, "acme", "client-key")
    return publish(message("customer.changed")).message_id
