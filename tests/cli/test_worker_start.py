"""`sync-worker worker` refuses to start, in one line, on what would fail every message of
a tenant: a SYNC_SECRET_KEY that cannot decrypt its client key, a schema not migrated."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from config.settings import reset_settings_cache
from sync_worker.db.models import Tenant
from sync_worker.db.session import MIGRATE_COMMAND, dispose_engines, session_scope
from sync_worker.tenants import TenantSettings, add_tenant, encrypt_client_key
from tests.conftest import fresh_postgres_database
from tests.support.worker import ROOT

OTHER_KEY = Fernet.generate_key().decode()


def start_up_problem() -> str | None:
    # Imported here, not at collection: the Celery app takes its broker from the
    # environment when it is first imported, and the test environment is set per test.
    from sync_worker.app import start_up_problem

    return start_up_problem()


@pytest.fixture
def tenants(clean_db) -> Iterator[None]:
    """Two tenants under the session's SYNC_SECRET_KEY, removed afterwards: the pipeline's
    worker, started later in the session, checks every stored key as this one does."""
    with session_scope() as session:
        for code in ("acme", "nordlys"):
            settings = TenantSettings(error_emails=f"ops@{code}.test")
            add_tenant(session, code, f"client-key-of-{code}", settings)
    yield
    with session_scope() as session:
        session.execute(sa.delete(Tenant))


def test_a_worker_whose_key_decrypts_every_client_key_starts(tenants):
    assert start_up_problem() is None


def test_the_tenants_whose_client_key_the_secret_key_cannot_decrypt_are_named(tenants):
    with session_scope() as session:
        nordlys = session.scalar(sa.select(Tenant).where(Tenant.code == "nordlys"))
        nordlys.client_key_encrypted = encrypt_client_key("client-key-of-nordlys", OTHER_KEY)

    problem = start_up_problem()

    assert problem == (
        "SYNC_SECRET_KEY cannot decrypt the client key of 1 tenant: nordlys; it is not the "
        "key they were stored with; set the key they were stored with, or re-encrypt them "
        "with `sync-worker tenant rotate-keys`"
    )


def test_a_database_not_migrated_stops_the_worker(env, postgres_admin_url):
    with fresh_postgres_database(postgres_admin_url) as url:
        env.setenv("SYNC_DATABASE_URL", url)
        reset_settings_cache()
        dispose_engines()
        problem = start_up_problem()
        dispose_engines()

    assert problem == (
        f'the database is not migrated (relation "tenants" does not exist): run `{MIGRATE_COMMAND}`'
    )


def test_a_worker_started_with_the_wrong_secret_key_stops_in_one_line(tenants, tmp_path):
    environment = {**os.environ, "SYNC_SECRET_KEY": OTHER_KEY}
    result = subprocess.run(
        [sys.executable, "-m", "sync_worker.cli", "worker", "-Q", "transfers", "-c", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    output = result.stdout + result.stderr
    [line] = [line for line in output.splitlines() if "sync_worker" in line]
    # The log line's layout is the logging's (JSON off a terminal); its content is this.
    assert "CRITICAL" in line and "sync_worker.app" in line
    assert "the worker stops: SYNC_SECRET_KEY cannot decrypt" in line
    assert "2 tenants: acme, nordlys" in line
    assert " ready." not in output and "Traceback" not in output
    assert OTHER_KEY not in output and os.environ["SYNC_SECRET_KEY"] not in output
