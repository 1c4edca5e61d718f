"""The system's own re-check of failures whose fix lies in PowerOffice Go: the window a
failure is booked with, which states a run takes, what a run does, and the silence of a
re-check that fails as before (real PostgreSQL and Redis)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from config.settings import reset_settings_cache
from sandbox.sample_data import SampleCompany
from sync_worker import recheck
from sync_worker.cli import cli
from sync_worker.db.models import Attempt, EntityState, Message, SyncStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import ExportRefused, TransientError
from sync_worker.notifications.error_emails import send_for_attempt
from sync_worker.producer import publish_many
from sync_worker.tenants import TenantSettings, add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.support.worker import clear_broker

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
MISSING_ACCOUNT = ExportRefused(
    "Invoice 1 was not transferred to PowerOffice Go:\n- Account 3999 does not exist.",
    rests_on_lookups=True,
)
MISSING_VAT_CODE = ExportRefused(
    "Invoice 1 was not transferred to PowerOffice Go:\n- Line 1: no VAT code."
)


@pytest.fixture
def tenant_id(clean_db, redis_base_url) -> int:
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        settings = TenantSettings(error_emails="accountant@acme.example", recheck_days=3)
        return add_tenant(session, "acme", "client-key", settings).id


def new_state(tenant: int, number: str, **values) -> int:
    with session_scope() as session:
        state = EntityState(tenant_id=tenant, kind="invoice", number=number, **values)
        session.add(state)
        session.flush()
        return state.id


def window(state_id: int) -> dt.datetime | None:
    with session_scope() as session:
        return session.get_one(EntityState, state_id).recheck_until


def book(state_id: int, error, now=NOW) -> None:
    with session_scope() as session:
        recheck.book(session, state_id, error, now)


def test_a_failure_fixed_in_poweroffice_go_gets_the_tenants_window(tenant_id):
    state = new_state(tenant_id, "1")
    book(state, MISSING_ACCOUNT)
    assert window(state) == NOW + dt.timedelta(days=3)


def test_a_failing_recheck_keeps_the_window_and_one_run_out_starts_afresh(tenant_id):
    state = new_state(tenant_id, "1")
    book(state, MISSING_ACCOUNT)
    book(state, MISSING_ACCOUNT, NOW + dt.timedelta(days=1))
    assert window(state) == NOW + dt.timedelta(days=3)
    later = NOW + dt.timedelta(days=5)
    book(state, MISSING_ACCOUNT, later)
    assert window(state) == later + dt.timedelta(days=3)


def test_a_failure_fixed_in_moment_has_no_window(tenant_id):
    state = new_state(tenant_id, "1", recheck_until=NOW + dt.timedelta(days=2))
    book(state, MISSING_VAT_CODE)
    assert window(state) is None


def test_a_passing_fault_during_a_recheck_keeps_the_window(tenant_id):
    state = new_state(tenant_id, "1")
    book(state, MISSING_ACCOUNT)
    book(state, TransientError("PowerOffice Go answered 503"), NOW + dt.timedelta(hours=1))
    assert window(state) == NOW + dt.timedelta(days=3)


def due_numbers(**limits) -> list[str]:
    with session_scope() as session:
        return [state.number for state in recheck.due(session, NOW, **limits)]


def test_only_failed_states_inside_their_window_are_due(tenant_id):
    inside = NOW + dt.timedelta(hours=1)
    new_state(tenant_id, "1", status=SyncStatus.FAILED, recheck_until=inside)
    new_state(tenant_id, "2", status=SyncStatus.FAILED, recheck_until=NOW - dt.timedelta(hours=1))
    new_state(tenant_id, "3", status=SyncStatus.FAILED)
    new_state(tenant_id, "4", status=SyncStatus.DONE, recheck_until=inside)
    new_state(tenant_id, "5", status=SyncStatus.PENDING, recheck_until=inside)
    assert due_numbers() == ["1"]


def test_a_tenant_with_many_failures_takes_its_turn(tenant_id):
    with session_scope() as session:
        other = add_tenant(session, "other", "other-key").id
    inside = NOW + dt.timedelta(days=1)
    for number in range(10):
        new_state(
            tenant_id,
            f"a{number}",
            status=SyncStatus.FAILED,
            recheck_until=inside,
            updated_at=NOW - dt.timedelta(minutes=100 - number),
        )
    new_state(other, "b0", status=SyncStatus.FAILED, recheck_until=inside)
    chosen = due_numbers(limit=4, per_tenant=3)
    assert len(chosen) == 4 and "b0" in chosen
    assert sorted(set(chosen) - {"b0"}) == ["a0", "a1", "a2"]  # the longest untouched


def failed_invoice(tenant: int) -> tuple[int, str]:
    """A published invoice whose transfer failed on a missing account, as the runner books it."""
    company = SampleCompany("acme", seed=5)
    customer = company.customer()
    message = company.message("invoice.finalized", company.invoice(customer, None))
    publish_many([message])
    with session_scope() as session:
        number = str(message["data"]["number"])
        state = EntityState(tenant_id=tenant, kind="invoice", number=number)
        session.add(state)
        session.flush()
        state.status = SyncStatus.FAILED
        recheck.book(session, state.id, MISSING_ACCOUNT)
        stored = session.get_one(Message, message["message_id"])
        stored.status = "failed"
        return state.id, message["message_id"]


def test_a_run_requeues_and_records_the_recheck(tenant_id):
    state_id, message_id = failed_invoice(tenant_id)

    assert recheck.run() == 1

    with session_scope() as session:
        state = session.get_one(EntityState, state_id)
        assert state.status == SyncStatus.PENDING
        assert session.get_one(Message, message_id).status == "queued"
        [marker] = session.scalars(select(Attempt).where(Attempt.entity_state_id == state_id))
        assert (marker.step, marker.outcome) == (recheck.RECHECK_STEP, "queued")
    assert recheck.run() == 0  # nothing failed any more


def fail(state_id: int, tenant: int, error: ExportRefused) -> int:
    with session_scope() as session:
        attempt = Attempt(
            tenant_id=tenant,
            entity_state_id=state_id,
            step="rules",
            outcome="failed",
            error_type="ExportRefused",
            detail=str(error),
        )
        session.add(attempt)
        session.flush()
        return attempt.id


def mark_rechecked(state_id: int, tenant: int) -> None:
    with session_scope() as session:
        session.add(
            Attempt(tenant_id=tenant, entity_state_id=state_id, step="recheck", outcome="queued")
        )


def test_a_recheck_that_fails_as_before_sends_no_email(tenant_id, mailbox, env):
    env.setenv("SYNC_ERROR_EMAIL_INTERVAL", "0")  # the hour's rule alone would not hold it
    reset_settings_cache()
    state = new_state(tenant_id, "1", status=SyncStatus.FAILED)
    book(state, MISSING_ACCOUNT, utcnow())
    first = send_for_attempt(fail(state, tenant_id, MISSING_ACCOUNT))
    assert first == "mailed accountant@acme.example"
    assert "Vi prøver igjen automatisk hver time fram til" in mailbox.emails[0].body

    mark_rechecked(state, tenant_id)
    again = send_for_attempt(fail(state, tenant_id, MISSING_ACCOUNT))
    assert again == "the re-check failed as before; already mailed"

    mark_rechecked(state, tenant_id)
    other = ExportRefused(
        "Invoice 1 was not transferred to PowerOffice Go:\n- VAT code 9 does not exist.",
        rests_on_lookups=True,
    )
    assert send_for_attempt(fail(state, tenant_id, other)) == "mailed accountant@acme.example"
    assert len(mailbox.emails) == 2


def test_a_person_trying_again_after_the_window_hears_of_the_failure(tenant_id, mailbox, env):
    """Without a re-check queued since the last failure the e-mail goes, once the hour is past."""
    env.setenv("SYNC_ERROR_EMAIL_INTERVAL", "0")
    reset_settings_cache()
    state = new_state(tenant_id, "1", status=SyncStatus.FAILED)
    send_for_attempt(fail(state, tenant_id, MISSING_VAT_CODE))
    assert send_for_attempt(fail(state, tenant_id, MISSING_VAT_CODE)).startswith("mailed")


def test_the_tenant_command_sets_language_and_recheck_days(clean_db):
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            *("tenant", "add", "beta", "--error-email", "a@beta.no"),
            *("--client-key-stdin", "--no-check", "--email-language", "en", "--recheck-days", "0"),
        ],
        input="client-key\n",
    )
    assert added.exit_code == 0, added.output
    updated = runner.invoke(cli, ["tenant", "update", "beta", "--recheck-days", "14", "--json"])
    assert updated.exit_code == 0, updated.output
    shown = json.loads(updated.output)
    assert (shown["email_language"], shown["recheck_days"]) == ("en", 14)
    refused = runner.invoke(cli, ["tenant", "update", "beta", "--recheck-days", "99"])
    assert "re-check days must be 0-60" in str(refused.exception)
    wrong = runner.invoke(cli, ["tenant", "update", "beta", "--email-language", "de"])
    assert wrong.exit_code == 2
