"""`sync-worker api token create | list | revoke`: a token printed once, listed without
itself, and refused by the door once revoked."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest
import requests

from sync_worker.api import auth
from sync_worker.cli import main
from sync_worker.db.session import session_scope
from sync_worker.tenants import add_tenant
from tests.conftest import service_settings
from tests.services import free_port
from tests.support.worker import stop_process, wait_until


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run(capsys):
    """`sync-worker ARGS` as the console script runs it: one line and an exit status for
    a refused operation."""

    def invoke(*args: str) -> Ran:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    return invoke


def test_a_token_is_printed_once_listed_without_itself_and_revoked(door, run):
    created = run("api", "token", "create", "--tenant", "acme", "--name", "moment-backend")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith(auth.TOKEN_PREFIX)
    assert "shown this once" in created.stderr
    assert auth.authenticate(token).tenant == "acme"

    listed = run("api", "token", "list", "--tenant", "acme")
    assert listed.exit_code == 0
    assert "moment-backend" in listed.stdout and token not in listed.stdout
    token_id = next(i.id for i in auth.list_tokens("acme") if i.name == "moment-backend")

    revoked = run("api", "token", "revoke", str(token_id))
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert auth.authenticate(token) is None
    assert f"revoked {auth.list_tokens('acme')[-1].revoked_at:%Y}" in (
        run("api", "token", "list", "--tenant", "acme").stdout
    )


def test_unknown_tenants_and_tokens_end_in_one_line(door, run):
    unknown = run("api", "token", "create", "--tenant", "nobody")
    assert unknown.exit_code == 1 and "unknown tenant 'nobody'" in unknown.stderr
    missing = run("api", "token", "revoke", "999")
    assert missing.exit_code == 1 and "no API token has id 999" in missing.stderr
    nobody = run("api", "token", "list", "--tenant", "nobody")
    assert nobody.exit_code == 1 and "unknown tenant 'nobody'" in nobody.stderr
    with session_scope() as session:
        add_tenant(session, "bare", "client-key-bare")
    assert "no API tokens" in run("api", "token", "list", "--tenant", "bare").stdout


def test_serve_answers_over_http_until_stopped(door, database_url, redis_base_url):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sync_worker.cli", "api", "serve", "--port", str(port)],
        env={**os.environ, **service_settings(database_url, redis_base_url)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def answers():
            try:
                return requests.get(f"{url}/v1/openapi.json", timeout=2).ok
            except requests.ConnectionError:
                return False

        wait_until(answers, timeout=20, what="the door to listen")
        transfers = requests.get(
            f"{url}/v1/tenants/acme/transfers", headers=door.headers(), timeout=10
        )
        assert transfers.status_code == 200 and transfers.json() == {"transfers": []}
    finally:
        stop_process(process)
