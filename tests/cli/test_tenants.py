"""Tenant CRUD through the CLI; client keys encrypted at rest and never shown."""

from __future__ import annotations

import json
import logging
import os

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.fernet import Fernet

from config.settings import SettingsError, reset_settings_cache
from sandbox.simulator import SimulatorServer
from sync_worker.cli import cli
from sync_worker.cli.tenants import OLD_SECRET_KEY_VARIABLE
from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope
from sync_worker.tenants import (
    TENANT_CODE_MAX_LENGTH,
    add_tenant,
    decrypt_client_key,
    get_tenant,
    list_tenants,
    undecryptable_tenants,
)
from tests.contract.helpers import CLIENT_RATE_LIMIT, pogo_environment

CLIENT_KEY = "3f9a1c2e-7b44-4c1e-9d0a-secret-client-key"
ADD_ACME = ("tenant", "add", "acme", "--error-email", "ops@acme.no")


@pytest.fixture
def run(clean_db, env, caplog):
    """The CLI, with PowerOffice Go (the simulator) holding a client for `CLIENT_KEY`, since
    `tenant add` checks the key there."""
    with SimulatorServer(rate_limit=None) as simulator:
        simulator.admin.create_client(CLIENT_KEY, "Acme AS")
        settings = pogo_environment(
            simulator.api_base_url,
            simulator.token_url,
            POGO_RATE_LIMIT_PER_SECOND=CLIENT_RATE_LIMIT,
        )
        for name, value in settings.items():
            env.setenv(name, value)
        reset_settings_cache()
        yield _invoker(caplog)


def _invoker(caplog):
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None):
        result = runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)
        return result

    return invoke


def test_add_list_update_remove(run):
    added = run(
        "tenant",
        "add",
        "acme",
        "--name",
        "Acme AS",
        "--error-email",
        "ops@acme.no",
        stdin=CLIENT_KEY + "\n",
    )
    assert added.exit_code == 0, added.output
    assert "tenant acme added" in added.output

    listed = run("tenant", "list", "--json")
    [row] = json.loads(listed.output)
    assert row["code"] == "acme" and row["name"] == "Acme AS"
    assert row["error_emails"] == "ops@acme.no"
    assert row["expense_account_threshold"] == 4000 and row["expense_lookback_days"] == 2
    assert row["invoice_delivery_type"] == "Print" and row["client_key"] == "set"

    updated = run(
        "tenant",
        "update",
        "acme",
        "--expense-import",
        "--expenses-billable",
        "--lookback-days",
        "3",
        "--error-email",
        "a@acme.no",
        "--error-email",
        "b@acme.no",
    )
    assert updated.exit_code == 0, updated.output
    [row] = json.loads(run("tenant", "list", "--json").output)
    assert row["expense_import_enabled"] and row["expenses_billable_default"]
    assert row["expense_lookback_days"] == 3
    assert row["error_emails"] == "a@acme.no,b@acme.no"

    removed = run("tenant", "remove", "acme", "--yes")
    assert removed.exit_code == 0
    assert run("tenant", "list").output.strip() == "no tenants"


def test_client_key_is_prompted_hidden_and_never_printed(run, caplog):
    added = run(*ADD_ACME, stdin=CLIENT_KEY + "\n")
    assert added.exit_code == 0
    assert "client key" in added.output.lower()  # the prompt
    outputs = added.output + run("tenant", "list").output + run("tenant", "list", "--json").output
    outputs += run("tenant", "update", "acme", "--client-key", stdin="new-" + CLIENT_KEY).output
    assert CLIENT_KEY not in outputs
    assert CLIENT_KEY not in caplog.text


def test_client_key_is_encrypted_at_rest(run, clean_db):
    run(*ADD_ACME, "--client-key-stdin", stdin=CLIENT_KEY)
    engine = sa.create_engine(clean_db)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("select * from tenants")).one()
    engine.dispose()
    assert CLIENT_KEY.encode() not in b"".join(
        value if isinstance(value, bytes) else str(value).encode() for value in stored
    )
    with session_scope() as session:
        tenant = get_tenant(session, "acme")
        assert decrypt_client_key(tenant) == CLIENT_KEY


def test_client_key_is_unreadable_without_the_secret_key(run):
    run(*ADD_ACME, "--client-key-stdin", stdin=CLIENT_KEY)
    with session_scope() as session:
        tenant = session.scalar(sa.select(Tenant))
        with pytest.raises(SettingsError, match="cannot decrypt") as caught:
            decrypt_client_key(tenant, Fernet.generate_key().decode())
    assert CLIENT_KEY not in str(caught.value)


def test_update_stores_a_new_client_key(run):
    run(*ADD_ACME, "--client-key-stdin", stdin=CLIENT_KEY)
    result = run("tenant", "update", "acme", "--client-key-stdin", stdin="rotated-key")
    assert "new client key stored" in result.output
    with session_scope() as session:
        assert decrypt_client_key(get_tenant(session, "acme")) == "rotated-key"


def test_adding_a_tenant_twice_is_refused_before_asking_for_a_key(run, capsys):
    run(*ADD_ACME, "--client-key-stdin", stdin=CLIENT_KEY)
    from sync_worker.cli import main

    with pytest.raises(SystemExit) as caught:
        main([*ADD_ACME])
    assert caught.value.code == 1
    assert "tenant 'acme' already exists" in capsys.readouterr().err


def test_bad_settings_are_refused_with_their_names(run, capsys):
    from sync_worker.cli import main

    with pytest.raises(SystemExit):
        main(
            [
                "tenant",
                "add",
                "acme",
                "--error-email",
                "not-an-address",
                "--lookback-days",
                "400",
                "--client-key-stdin",
            ]
        )
    err = capsys.readouterr().err
    assert "error e-mail 'not-an-address' is not an e-mail address" in err
    assert "expense look-back must be 0-60 days" in err


def test_unknown_tenant_is_named(run, capsys):
    from sync_worker.cli import main

    with pytest.raises(SystemExit):
        main(["tenant", "update", "nobody", "--lookback-days", "1"])
    assert "unknown tenant 'nobody'" in capsys.readouterr().err


def test_every_command_has_help():
    runner = CliRunner()
    pending = [[]]
    while pending:
        path = pending.pop()
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        command = cli
        for name in path:
            command = command.commands[name]
        pending += [[*path, name] for name in getattr(command, "commands", {})]


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "sync-worker, version" in result.output


def test_a_wrong_client_key_is_refused_in_one_line_and_nothing_is_stored(run):
    result = run(*ADD_ACME, "--client-key-stdin", stdin="not-the-key")

    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "PowerOffice Go refused the client key" in line and "not-the-key" not in line
    assert run("tenant", "list").output.strip() == "no tenants"


def test_no_check_stores_a_key_without_asking_poweroffice_go(run):
    result = run(*ADD_ACME, "--no-check", "--client-key-stdin", stdin="offline")

    assert result.exit_code == 0, result.output
    with session_scope() as session:
        assert decrypt_client_key(get_tenant(session, "acme")) == "offline"


def main_says(capsys, *args: str) -> tuple[int, str]:
    """`sync-worker ARGS` as the shell runs it: its exit status and what it wrote to stderr."""
    from sync_worker.cli import main

    with pytest.raises(SystemExit) as caught:
        main(list(args))
    return caught.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("Acme", "must be lower-case letters, digits, '-' and '_'"),
        ("acme as", "must be lower-case letters, digits, '-' and '_'"),
        ("acme-", "starting and ending with a letter or digit"),
        ("acme\r\nBcc: x@evil.test", "must be lower-case letters"),
        ("a" * (TENANT_CODE_MAX_LENGTH + 1), f"longer than {TENANT_CODE_MAX_LENGTH} characters"),
    ],
)
def test_a_tenant_code_that_is_not_a_short_slug_is_refused_before_the_key(
    run, capsys, code, reason
):
    status, err = main_says(capsys, "tenant", "add", code, "--error-email", "ops@acme.no")

    assert status == 1
    [line] = err.strip().splitlines()
    assert line.startswith("sync-worker: tenant code") and reason in line
    assert run("tenant", "list").output.strip() == "no tenants"


def test_the_longest_code_allowed_is_accepted(run):
    code = "a" * TENANT_CODE_MAX_LENGTH
    result = run("tenant", "add", code, "--error-email", "ops@acme.no", stdin=CLIENT_KEY)
    assert result.exit_code == 0, result.output


def test_a_tenant_without_an_error_address_is_refused_before_the_key(run, capsys):
    status, err = main_says(capsys, "tenant", "add", "acme")  # no key on stdin: never asked

    assert status == 1
    assert err.splitlines() == [
        "sync-worker: tenant 'acme' needs an address for its error e-mails: give --error-email"
    ]
    assert run("tenant", "list").output.strip() == "no tenants"


def test_an_update_may_not_leave_a_tenant_without_an_error_address(run, capsys):
    run(*ADD_ACME, "--client-key-stdin", stdin=CLIENT_KEY)

    status, err = main_says(capsys, "tenant", "update", "acme", "--error-email", "")
    assert status == 1 and "needs an address for its error e-mails" in err
    [row] = json.loads(run("tenant", "list", "--json").output)
    assert row["error_emails"] == "ops@acme.no"  # the refused update changed nothing


def test_a_tenant_stored_without_an_error_address_must_get_one_when_updated(run, capsys):
    with session_scope() as session:
        add_tenant(session, "legacy", CLIENT_KEY)  # as stored before addresses were required

    status, err = main_says(capsys, "tenant", "update", "legacy", "--lookback-days", "5")
    assert status == 1 and "tenant 'legacy' needs an address" in err
    [row] = json.loads(run("tenant", "list", "--json").output)
    assert row["expense_lookback_days"] == 2

    fixed = run("tenant", "update", "legacy", "--lookback-days", "5", "--error-email", "a@b.no")
    assert fixed.exit_code == 0, fixed.output


@pytest.fixture
def rotation(run, env):
    """Two tenants stored under the session's key; the new key in SYNC_SECRET_KEY. The
    tenants are removed afterwards: a worker started later checks every stored key."""
    old_key, new_key = os.environ["SYNC_SECRET_KEY"], Fernet.generate_key().decode()
    run(*ADD_ACME, "--no-check", "--client-key-stdin", stdin="key-of-acme")
    run("tenant", "add", "nordlys", "--error-email", "o@n.no", "--no-check", stdin="key-nordlys")
    env.setenv("SYNC_SECRET_KEY", new_key)
    reset_settings_cache()
    yield old_key, new_key
    with session_scope() as session:
        session.execute(sa.delete(Tenant))


def stored_keys(secret_key: str) -> dict[str, str]:
    with session_scope() as session:
        return {t.code: decrypt_client_key(t, secret_key) for t in list_tenants(session)}


def test_rotate_keys_reencrypts_every_client_key_with_the_new_secret_key(run, rotation, env):
    old_key, new_key = rotation
    env.setenv(OLD_SECRET_KEY_VARIABLE, old_key)

    result = run("tenant", "rotate-keys")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 client keys re-encrypted with SYNC_SECRET_KEY"
    assert stored_keys(new_key) == {"acme": "key-of-acme", "nordlys": "key-nordlys"}
    with session_scope() as session:
        assert undecryptable_tenants(session, old_key) == ["acme", "nordlys"]
        assert undecryptable_tenants(session) == []
    again = run("tenant", "rotate-keys")  # a second run (a retried deploy) is harmless
    assert again.exit_code == 0 and stored_keys(new_key)["acme"] == "key-of-acme"
    assert old_key not in result.output + again.output and new_key not in result.output


def test_rotate_keys_asks_for_the_old_key_hidden_when_the_variable_is_unset(run, rotation, env):
    old_key, new_key = rotation
    env.delenv(OLD_SECRET_KEY_VARIABLE, raising=False)

    result = run("tenant", "rotate-keys", stdin=old_key + "\n")

    assert result.exit_code == 0, result.output
    assert "old SYNC_SECRET_KEY" in result.output and old_key not in result.output
    assert stored_keys(new_key)["nordlys"] == "key-nordlys"


def test_rotate_keys_changes_nothing_when_one_key_does_not_decrypt(run, rotation, env, capsys):
    old_key, new_key = rotation
    with session_scope() as session:
        stray = get_tenant(session, "nordlys")
        stray.client_key_encrypted = Fernet(Fernet.generate_key()).encrypt(b"lost")
    env.setenv(OLD_SECRET_KEY_VARIABLE, old_key)

    status, err = main_says(capsys, "tenant", "rotate-keys")

    assert status == 1
    [line] = err.strip().splitlines()
    assert "cannot decrypt the client key of 1 tenant: nordlys" in line
    assert old_key not in line and new_key not in line
    with session_scope() as session:
        assert decrypt_client_key(get_tenant(session, "acme"), old_key) == "key-of-acme"


def test_rotate_keys_never_takes_the_old_key_as_an_argument(run, rotation):
    result = run("tenant", "rotate-keys", rotation[0])
    assert result.exit_code == 2 and "unexpected extra argument" in result.output.lower()


def test_every_tenant_command_answers_in_json_without_the_client_key(run, env):
    added = json.loads(run(*ADD_ACME, "--name", "Acme AS", "--json", stdin=CLIENT_KEY).stdout)
    updated = json.loads(run("tenant", "update", "acme", "--lookback-days", "5", "--json").stdout)
    shown = json.loads(run("tenant", "show", "acme", "--json").output)
    [listed] = json.loads(run("tenant", "list", "--json").output)
    env.setenv(OLD_SECRET_KEY_VARIABLE, os.environ["SYNC_SECRET_KEY"])
    rotated = json.loads(run("tenant", "rotate-keys", "--json").output)
    removed = json.loads(run("tenant", "remove", "acme", "--yes", "--json").output)

    assert (added["code"], added["name"], added["client_key"]) == ("acme", "Acme AS", "set")
    assert updated["expense_lookback_days"] == 5 and shown == updated == listed
    assert rotated == {"re_encrypted": 1}
    assert removed == {"code": "acme", "removed": True}
    assert CLIENT_KEY not in json.dumps([added, updated, shown, listed])


def test_list_is_a_table_and_show_has_every_setting(run):
    run(*ADD_ACME, "--name", "Acme AS", stdin=CLIENT_KEY)

    header, row = run("tenant", "list").output.splitlines()
    shown = run("tenant", "show", "acme").output.splitlines()

    assert header.split()[:3] == ["CODE", "NAME", "ERROR"]
    assert row.split()[:4] == ["acme", "Acme", "AS", "ops@acme.no"]
    settings = dict(line.split(None, 1) for line in shown[1:])
    assert settings["error_emails"] == "ops@acme.no" and settings["reconcile_daily"] == "yes"
    assert CLIENT_KEY not in "\n".join(shown)
