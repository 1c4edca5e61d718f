"""Fixtures shared by every test: real Redis and PostgreSQL, found or started (see services.py)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from config.settings import reset_settings_cache
from sync_worker.db import migrate
from sync_worker.db.models import Base
from sync_worker.db.session import dispose_engines
from sync_worker.notifications.mailbox import Mailbox
from sync_worker.redis_store import reset_redis_clients
from tests import services

TEST_SECRET_KEY = Fernet.generate_key().decode()
# This session's broker keys: test sessions sharing one Redis never take each other's tasks.
BROKER_KEY_PREFIX = f"sync-test-{os.getpid()}-{uuid.uuid4().hex[:6]}:"


@pytest.fixture(scope="session")
def _service_stack() -> Iterator[contextlib.ExitStack]:
    with contextlib.ExitStack() as stack:
        yield stack


@pytest.fixture(scope="session")
def redis_base_url(_service_stack) -> str:
    try:
        return services.ensure_redis(_service_stack)
    except services.ServiceMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def postgres_admin_url(_service_stack) -> str:
    try:
        return services.ensure_postgres(_service_stack)
    except services.ServiceMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@contextlib.contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty database for one test session or test; dropped afterwards."""
    name = f"sync_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(postgres_admin_url) -> Iterator[str]:
    """The session's PostgreSQL database, migrated to head."""
    with fresh_postgres_database(postgres_admin_url) as url:
        migrate.upgrade(url)
        yield url


def service_settings(database_url: str, redis_base_url: str) -> dict[str, str]:
    """The settings that point this process, or a worker process, at the test services."""
    return {
        "SYNC_DATABASE_URL": database_url,
        "SYNC_BROKER_URL": f"{redis_base_url}/13",
        "SYNC_BROKER_KEY_PREFIX": BROKER_KEY_PREFIX,
        "SYNC_RESULT_BACKEND": f"{redis_base_url}/14",
        "SYNC_REDIS_URL": f"{redis_base_url}/15",
        "SYNC_SECRET_KEY": TEST_SECRET_KEY,
    }


@pytest.fixture
def env(monkeypatch, database_url, redis_base_url) -> Iterator[pytest.MonkeyPatch]:
    """The process environment pointed at the test services, with every cache reset."""
    for name, value in service_settings(database_url, redis_base_url).items():
        monkeypatch.setenv(name, value)
    _reset_caches()
    yield monkeypatch
    _reset_caches()


@pytest.fixture
def mailbox(env) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) for this test, the environment pointed at it."""
    with Mailbox() as box:
        env.setenv("SMTP_HOST", box.host)
        env.setenv("SMTP_PORT", str(box.port))
        reset_settings_cache()
        yield box


@pytest.fixture
def clean_db(env, database_url) -> Iterator[str]:
    """The session database, emptied before the test."""
    engine = sa.create_engine(database_url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield database_url


def _reset_caches() -> None:
    reset_settings_cache()
    dispose_engines()
    reset_redis_clients()


def pytest_collection_modifyitems(session, config, items) -> None:
    """End-to-end tests run last: their worker process consumes the broker's queues, which
    the producer's tests inspect, and it lives until the session ends."""
    items.sort(key=lambda item: "tests/pipeline/" in item.nodeid)
