"""The same Alembic migrations build the schema on PostgreSQL and on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sync_worker.db import migrate
from sync_worker.db.models import Base
from tests.conftest import fresh_postgres_database

EXPECTED_TABLES = {
    "tenants",
    "messages",
    "outbox",
    "entity_states",
    "attempts",
    "expenses",
    "expense_attachments",
    "error_emails",
    "reconciliations",
    "api_tokens",
    "alembic_version",
}


@pytest.fixture
def empty_postgresql(postgres_admin_url):
    with fresh_postgres_database(postgres_admin_url) as url:
        yield url


@pytest.fixture
def empty_sqlite(tmp_path):
    return f"sqlite:///{tmp_path / 'sync.db'}"


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database(request):
    return request.getfixturevalue(f"empty_{request.param}")


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _drift(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table(empty_database):
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == EXPECTED_TABLES


def test_migrations_match_the_models(empty_database):
    migrate.upgrade(empty_database)
    assert _drift(empty_database) == []


def test_downgrade_to_base_and_up_again(empty_database):
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    assert _tables(empty_database) == {"alembic_version"}
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == EXPECTED_TABLES


def test_upgrade_twice_is_harmless(empty_database):
    migrate.upgrade(empty_database)
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == EXPECTED_TABLES
