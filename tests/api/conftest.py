"""Two tenants, each with an API token, and the door's WSGI application in a test client,
over the session's real PostgreSQL (and Redis as the broker the producer sends to)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.test import Client

from sync_worker.api import auth
from sync_worker.api.app import application
from sync_worker.db.session import session_scope
from sync_worker.tenants import add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.worker import clear_broker


@dataclass
class Door:
    client: Client
    tokens: dict[str, str]  # tenant code → its token

    def headers(self, tenant: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[tenant]}"}

    def get(self, path: str, tenant: str = "acme", **kwargs):
        return self.client.get(path, headers=self.headers(tenant), **kwargs)

    def post(self, path: str, tenant: str = "acme", **kwargs):
        return self.client.post(path, headers=self.headers(tenant), **kwargs)


@pytest.fixture
def door(clean_db, redis_base_url) -> Iterator[Door]:
    """Tenants "acme" and "other", a token each, and the door."""
    broker = f"{redis_base_url}/13"
    clear_broker(broker, BROKER_KEY_PREFIX)
    with session_scope() as session:
        for code in ("acme", "other"):
            add_tenant(session, code, f"client-key-{code}")
    tokens = {code: auth.create_token(code, "tests")[1] for code in ("acme", "other")}
    yield Door(Client(application), tokens)
    clear_broker(broker, BROKER_KEY_PREFIX)  # no worker runs these tasks
