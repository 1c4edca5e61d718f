"""A service that is down or not set up ends a command in one line naming it, with exit
status 2; a bug keeps its traceback. A broker that is down does not fail `publish`: what
was stored is shown as queued and sent by the relay once the broker is back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import redis
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import select

from config.settings import reset_settings_cache
from sandbox.sample_data import SampleCompany
from sync_worker import dispatch, operations
from sync_worker.cli import cli, main
from sync_worker.db import migrate
from sync_worker.db.models import Message
from sync_worker.db.session import MIGRATE_COMMAND, dispose_engines, session_scope
from sync_worker.tenants import TenantSettings, add_tenant
from tests.conftest import BROKER_KEY_PREFIX, fresh_postgres_database
from tests.services import free_port
from tests.support.worker import ROOT, clear_broker

NOT_MIGRATED = f"run `{MIGRATE_COMMAND}`"


def says(capsys, *args: str) -> tuple[int, list[str]]:
    """`sync-worker ARGS` as the shell runs it: exit status and the lines on stderr."""
    with pytest.raises(SystemExit) as caught:
        main(list(args))
    return caught.value.code, capsys.readouterr().err.splitlines()


def point_at_database(env, url: str) -> None:
    env.setenv("SYNC_DATABASE_URL", url)
    reset_settings_cache()
    dispose_engines()


def test_an_unreachable_database_is_one_line_without_its_password(env, capsys):
    port = free_port()
    point_at_database(env, f"postgresql://sync:s3cret-pw@127.0.0.1:{port}/sync")

    status, lines = says(capsys, "tenant", "list")

    assert status == 2
    assert lines == [
        f"sync-worker: cannot use the database postgresql://sync:***@127.0.0.1:{port}/sync "
        f'(SYNC_DATABASE_URL): connection to server at "127.0.0.1", port {port} failed: '
        "Connection refused"
    ]


def test_an_empty_database_says_the_command_that_migrates_it(env, postgres_admin_url, capsys):
    with fresh_postgres_database(postgres_admin_url) as url:
        point_at_database(env, url)
        status, lines = says(capsys, "status", "--tenant", "acme")
        dispose_engines()

    assert status == 2
    assert lines == [
        'sync-worker: the database is not migrated (relation "tenants" does not exist): '
        + NOT_MIGRATED
    ]


def test_a_database_migrated_only_part_way_says_the_same(env, postgres_admin_url, capsys):
    with fresh_postgres_database(postgres_admin_url) as url:
        migrate.upgrade(url, revision="0001")
        point_at_database(env, url)
        status, lines = says(capsys, "tenant", "list")
        dispose_engines()

    assert status == 2
    [line] = lines
    assert line.startswith("sync-worker: the database is not migrated (column ")
    assert line.endswith(NOT_MIGRATED)


def test_a_bug_keeps_its_traceback(clean_db, monkeypatch):
    def broken_query(*_args, **_kwargs):
        with session_scope() as session:
            session.execute(sa.text("select * fromm tenants"))

    monkeypatch.setattr(operations, "queued_messages", broken_query)

    with pytest.raises(sa.exc.ProgrammingError, match="syntax error"):
        main(["status", "--tenant", "acme"])


@pytest.fixture
def company(clean_db, redis_base_url) -> SampleCompany:
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        add_tenant(session, "acme", "client-key", TenantSettings(error_emails="ops@acme.test"))
    return SampleCompany("acme")


def publish_with_the_broker_down(
    message: dict, tmp_path
) -> tuple[subprocess.CompletedProcess, float]:
    """`sync-worker publish` in its own process, as an operator runs it, with the broker's
    port closed."""
    source = tmp_path / "messages.json"
    source.write_text(json.dumps(message))
    environment = {**os.environ, "SYNC_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "sync_worker.cli", "publish", str(source)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, time.monotonic() - started


def test_publish_with_the_broker_down_stores_says_so_and_it_is_sent_later(
    company, tmp_path, redis_base_url
):
    customer = company.customer()
    message = company.message("customer.changed", customer)

    result, took = publish_with_the_broker_down(message, tmp_path)

    assert result.returncode == 0, result.stderr
    assert took < 10  # the interpreter's start included; kombu's retries alone took 20 s
    assert "Traceback" not in result.stderr
    assert result.stdout.split()[0] == "accepted"
    [warning] = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert "the broker redis://127.0.0.1:" in warning
    assert "(SYNC_BROKER_URL) is unreachable" in warning
    assert "what is stored waits, and is sent when it is back" in warning

    status = CliRunner().invoke(cli, ["status", "--tenant", "acme"])
    header, row = status.output.splitlines()
    assert header.split()[:4] == ["ID", "KIND", "NUMBER", "STATUS"]
    assert row.split()[:4] == ["-", "customer", customer["number"], "queued"]
    assert "no worker has started on it yet" in row
    history = CliRunner().invoke(
        cli, ["history", "customer", customer["number"], "--tenant", "acme"]
    )
    assert history.exit_code == 0
    assert history.output.startswith(f"customer {customer['number']}: queued, received ")
    assert "never received" not in history.output

    assert dispatch.fill() == 1  # as the relay, a sweep or the next task's end does
    with session_scope() as session:
        assert session.scalars(select(Message.dispatched_at)).one() is not None
    broker = redis.Redis.from_url(f"{redis_base_url}/13")
    [task] = broker.lrange(f"{BROKER_KEY_PREFIX}transfers", 0, -1)
    assert json.loads(task)["headers"]["argsrepr"] == f"acme customer {customer['number']}"
    assert message["message_id"] in json.loads(task)["headers"]["kwargsrepr"]
