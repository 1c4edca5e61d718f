"""`sync-worker db current`: the schema's revision and whether it is the head."""

from __future__ import annotations

import contextlib
import json

import pytest

from config.settings import reset_settings_cache
from sync_worker.cli import main
from sync_worker.db import migrate
from sync_worker.db.session import dispose_engines
from tests.cli.conftest import run
from tests.conftest import fresh_postgres_database


def test_a_migrated_database_is_at_the_head(clean_db):
    head = migrate.head_revision()

    text = run("db", "current")
    shown = json.loads(run("db", "current", "--json").output)

    assert text.exit_code == 0 and text.output == f"database schema at {head} (head)\n"
    assert shown == {"current": head, "head": head, "at_head": True}


@pytest.fixture
def database_at(env, postgres_admin_url):
    """A fresh database at the revision asked for (None: never migrated), for one test."""

    def at(revision: str | None) -> None:
        url = stack.enter_context(fresh_postgres_database(postgres_admin_url))
        if revision:
            migrate.upgrade(url, revision=revision)
        env.setenv("SYNC_DATABASE_URL", url)
        reset_settings_cache()
        dispose_engines()

    with contextlib.ExitStack() as stack:
        yield at
        dispose_engines()


def test_a_database_behind_exits_1_naming_the_head_and_the_command(database_at, capsys):
    database_at("0001")

    with pytest.raises(SystemExit) as caught:
        main(["db", "current"])

    assert caught.value.code == 1
    head = migrate.head_revision()
    assert capsys.readouterr().out == (
        f"database schema at 0001; the head is {head}: run `sync-worker db upgrade`\n"
    )


def test_a_database_never_migrated_says_so_and_upgrade_brings_it_to_the_head(database_at):
    database_at(None)

    before = run("db", "current", "--json")
    said = run("db", "current").output
    upgraded = run("db", "upgrade", "--json")

    assert before.exit_code == 1 and json.loads(before.output)["current"] is None
    assert said.startswith("database schema at nothing (never migrated); the head is")
    assert json.loads(upgraded.output)["at_head"] is True
