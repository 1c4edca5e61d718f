"""End to end: the beat's scheduler, Redis, a real worker process, PostgreSQL, the simulator
over HTTP and a real SMTP server."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from sandbox.simulator import SimulatorServer
from sync_worker.db.models import Attempt, Tenant
from sync_worker.db.session import session_scope
from sync_worker.expenses import moment_api, schedule
from sync_worker.notifications.mailbox import Mailbox
from tests.conftest import BROKER_KEY_PREFIX, service_settings
from tests.expenses.conftest import new_tenant, open_books, pogo_environment, stored_expenses
from tests.expenses.test_importer import EXPECTED, PDF_NORWEGIAN, arrived, book_scenario
from tests.support.worker import WorkerProcess, clear_broker, wait_until

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def module_simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


@pytest.fixture(scope="module")
def worker(database_url, redis_base_url, module_simulator, mailbox) -> Iterator[WorkerProcess]:
    """One worker on the imports and notifications queues, as production runs them."""
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)  # no task left from other tests
    environment = {
        **service_settings(database_url, redis_base_url),
        "SMTP_HOST": mailbox.host,
        "SMTP_PORT": str(mailbox.port),
        **pogo_environment(module_simulator),
    }
    with WorkerProcess(environment, queues="imports,notifications", name="expenses") as process:
        yield process


@pytest.fixture
def pipeline(clean_db, env, module_simulator, worker):
    for name, value in pogo_environment(module_simulator).items():
        env.setenv(name, value)
    from config.settings import reset_settings_cache

    reset_settings_cache()
    return module_simulator


def beat_at(monkeypatch, tenant_id: int) -> None:
    """Pin the scheduler's clock half a second before the tenant's slot."""
    interval = dt.timedelta(minutes=15)
    offset = schedule.spread_offset(tenant_id, interval)
    now = dt.datetime.now(dt.UTC)
    slot = schedule.slot_at_or_before(now + schedule.TICK, offset, interval)
    monkeypatch.setattr(schedule, "utcnow", lambda: slot - dt.timedelta(seconds=0.5))


def test_the_beat_brings_the_expenses_to_moment(pipeline, env, worker):
    from tasks.expenses import schedule_expense_imports

    books = open_books(pipeline)
    book_scenario(books)
    beat_at(env, books.tenant_id)

    assert schedule_expense_imports() == 1  # the beat task, as beat runs it
    assert schedule_expense_imports() == 0  # a second beat: nothing more

    wait_until(
        lambda: len(stored_expenses(books.tenant_id)) == 5,
        timeout=30,
        what=f"the expenses to arrive; worker log:\n{worker.log_tail()}",
    )
    assert arrived(books.tenant_id) == EXPECTED
    batch = moment_api.claim_expenses("acme")
    contents = [
        base64.b64decode(a["content_base64"]) for r in batch.records() for a in r["attachments"]
    ]
    assert contents.count(PDF_NORWEGIAN) == 2
    assert moment_api.acknowledge("acme", batch) == 5


def test_a_wrong_client_key_ends_in_an_error_email(pipeline, env, mailbox, worker):
    from tasks.expenses import schedule_expense_imports

    tenant_id = new_tenant("bad", "not-a-client-key-anywhere")
    beat_at(env, tenant_id)

    assert schedule_expense_imports() == 1
    (email,) = wait_until(
        lambda: mailbox.to("regnskap@bad.no"),
        timeout=30,
        what=f"the error e-mail; worker log:\n{worker.log_tail()}",
    )

    assert "importen av utgifter fra PowerOffice Go feilet" in email.subject
    assert "klientnøkkelen" in email.body
    assert "sync-worker import-expenses --tenant bad" in email.body
    assert "not-a-client-key-anywhere" not in email.body
    with session_scope() as session:
        attempt = session.scalars(select(Attempt).where(Attempt.tenant_id == tenant_id)).one()
        assert session.get_one(Tenant, tenant_id).last_import_at is not None
    assert (attempt.step, attempt.outcome) == ("expense_import", "failed")
