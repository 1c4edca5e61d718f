"""An invoice's PDF goes up in the run that posts its voucher, the message done after that one
task run; its upload task, stored with the voucher, is sent only when that upload fails or
the worker dies before it. The runner, a real database and broker, a fake PowerOffice Go;
the last test runs the real client against the simulator over HTTP."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import requests
from sqlalchemy import select, update

from config.tasks import UPLOAD_INVOICE_ATTACHMENT
from sync_worker import outbox
from sync_worker.db.models import Attempt, Message, MessageStatus, OutboxEntry, SyncStatus
from sync_worker.db.session import session_scope
from sync_worker.errors import ExportRefused, TransientError
from sync_worker.policy import Action
from sync_worker.transfers import runner, steps
from sync_worker.transfers.invoices import transfer_voucher, upload_attachment
from sync_worker.transfers.messages import newest_message
from sync_worker.transfers.runner import run_message
from tests.conftest import BROKER_KEY_PREFIX
from tests.doctor.conftest import (  # the simulator and its settings: the doctor's fixtures
    OWNER,
    open_setup,
    pogo_env,  # noqa: F401
    simulator,  # noqa: F401
)
from tests.support.broker import queued_tasks
from tests.support.worker import clear_broker
from tests.transfers.fakes import (
    POST_VOUCHER,
    FakePowerOffice,
    state_of,
    stored,
    transfer_for,
)

PUT_PDF = "PUT /VoucherDocumentation"
INVOICE_STEPS = ("voucher", "attachment")


class WorkerKilled(BaseException):
    """What the process meets when it is killed mid-step: nothing of ours may catch it."""


@pytest.fixture
def pogo(pogo: FakePowerOffice, monkeypatch) -> FakePowerOffice:
    """The fake PowerOffice Go, which the runner's transfers talk to, observed as the real
    client is."""

    def client(_client_key: str, observer) -> FakePowerOffice:
        pogo.call_log = observer
        return pogo

    monkeypatch.setattr(runner, "PowerOfficeClient", client)
    return pogo


def raising(error: BaseException):
    """An answer to a call that fails with `error` (one the fake would not raise itself)."""

    def answer():
        raise error

    return answer


def finalized(moment) -> str:
    """An invoice finalized in Moment, stored as the producer stores it; its message id."""
    customer = moment.customer()
    invoice = moment.invoice(customer, moment.project(customer, department_code="20"))
    return stored(moment.message("invoice.finalized", invoice))


def message_status(message_id: str) -> MessageStatus:
    with session_scope() as session:
        return session.get_one(Message, message_id).status


def upload_entries(message_id: str) -> list[OutboxEntry]:
    with session_scope() as session:
        entries = session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.task_name == UPLOAD_INVOICE_ATTACHMENT.name)
            .order_by(OutboxEntry.id)
        )
        return [entry for entry in entries if entry.args == {"message_id": message_id}]


def upload_tasks_on_the_broker(redis_base_url: str) -> list[str]:
    """The message ids of the upload tasks waiting in the broker."""
    return [
        json.loads(base64.b64decode(task["body"]))[1]["message_id"]
        for task in queued_tasks(redis_base_url, UPLOAD_INVOICE_ATTACHMENT.queue)
        if task["headers"]["task"] == UPLOAD_INVOICE_ATTACHMENT.name
    ]


def steps_logged(message_id: str) -> list[tuple[str, str, str | None]]:
    """The invoice's own steps (its customer's and project's are theirs), oldest first."""
    with session_scope() as session:
        rows = session.execute(
            select(Attempt.step, Attempt.outcome, Attempt.detail)
            .where(Attempt.message_id == message_id, Attempt.step.in_(INVOICE_STEPS))
            .order_by(Attempt.id)
        )
        return [tuple(row) for row in rows]


def test_the_voucher_and_its_pdf_go_up_in_one_task_run(moment, pogo, redis_base_url):
    message_id = finalized(moment)

    assert run_message(message_id, transfer_voucher).action is Action.DONE

    assert message_status(message_id) == MessageStatus.DONE
    assert pogo.calls[-2:] == [POST_VOUCHER, PUT_PDF]
    run = transfer_for(message_id, pogo)
    state = state_of(run)
    assert (state.step, state.status) == (steps.ATTACHMENT_UPLOADED, SyncStatus.DONE)
    attachment = run.envelope.data.attachment
    assert [(step, outcome) for step, outcome, _ in steps_logged(message_id)] == [
        ("voucher", "ok"),
        ("attachment", "ok"),
    ]
    assert steps_logged(message_id)[-1][2] == (
        f"{attachment.filename} ({len(attachment.content)} bytes)"
    )
    [entry] = upload_entries(message_id)  # stored with the voucher, settled with the PDF
    assert entry.sent_at is not None
    assert upload_tasks_on_the_broker(redis_base_url) == []


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (
            TransientError("PUT /VoucherDocumentation: 500 Internal Server Error", http_status=500),
            "PUT /VoucherDocumentation: 500 Internal Server Error",
        ),
        (
            requests.ConnectionError("connection refused by api.poweroffice.net"),
            "the network was unavailable (ConnectionError)",
        ),
        (
            ExportRefused("PUT /VoucherDocumentation: faktura.pdf is not a PDF"),
            "PUT /VoucherDocumentation: faktura.pdf is not a PDF",
        ),
    ],
    ids=["500", "connection error", "refused"],
)
def test_a_failed_upload_is_left_to_its_own_task(moment, pogo, redis_base_url, failure, reason):
    message_id = finalized(moment)
    pogo.answer(PUT_PDF, raising(failure))

    assert run_message(message_id, transfer_voucher).action is Action.DONE  # the transfer's task

    assert message_status(message_id) == MessageStatus.QUEUED  # not done before its PDF
    state = state_of(transfer_for(message_id, pogo))
    assert (state.step, state.attempts) == (steps.VOUCHER_POSTED, 0)
    assert steps_logged(message_id)[-1] == (
        "attachment",
        "deferred",
        f"left to its own task: {reason}",
    )
    [entry] = upload_entries(message_id)
    assert entry.sent_at is not None
    assert upload_tasks_on_the_broker(redis_base_url) == [message_id]


def test_the_task_a_failed_upload_left_attaches_the_pdf(moment, pogo):
    message_id = finalized(moment)
    pogo.answer(PUT_PDF, TransientError("PUT /VoucherDocumentation: 503", http_status=503))
    run_message(message_id, transfer_voucher)

    assert run_message(message_id, upload_attachment).action is Action.DONE  # the sent task

    assert message_status(message_id) == MessageStatus.DONE
    assert pogo.calls.count(PUT_PDF) == 2
    assert state_of(transfer_for(message_id, pogo)).step == steps.ATTACHMENT_UPLOADED


def test_a_rerun_at_voucher_posted_uploads_the_pdf_in_that_run(moment, pogo, redis_base_url):
    message_id = finalized(moment)
    pogo.answer(PUT_PDF, TransientError("PUT /VoucherDocumentation: 503", http_status=503))
    run_message(message_id, transfer_voucher)
    pogo.forget_calls()

    assert run_message(message_id, transfer_voucher).action is Action.DONE  # e.g. `retry`

    assert pogo.calls == [PUT_PDF]
    assert message_status(message_id) == MessageStatus.DONE
    _deferred, rerun = upload_entries(message_id)
    assert rerun.sent_at is not None
    assert upload_tasks_on_the_broker(redis_base_url) == [message_id]  # the first run's only


def test_a_worker_killed_before_the_upload_leaves_its_task_to_the_relay(
    moment, pogo, redis_base_url
):
    message_id = finalized(moment)
    pogo.answer(PUT_PDF, raising(WorkerKilled()))
    run = transfer_for(message_id, pogo)

    with pytest.raises(WorkerKilled):
        transfer_voucher(run, state_of(run))

    assert state_of(run).step == steps.VOUCHER_POSTED
    [entry] = upload_entries(message_id)
    assert entry.sent_at is None
    assert outbox.relay() == 0  # within the grace: the writer's to send
    with session_scope() as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry.id)
            .values(created_at=entry.created_at - outbox.RELAY_GRACE - dt.timedelta(seconds=1))
        )
    assert outbox.relay() == 1
    assert upload_tasks_on_the_broker(redis_base_url) == [message_id]


def test_against_the_simulator_the_pdf_goes_up_in_the_run_or_in_its_task(
    clean_db,
    pogo_env,  # noqa: F811
    simulator,  # noqa: F811
    redis_base_url,
):
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    setup = open_setup(simulator)
    company = setup.company
    customer = company.customer()
    project = company.project(customer, department_code="20", owner_email=OWNER)
    inline, deferred = (
        setup.send("invoice.finalized", company.invoice(customer, project)) for _ in range(2)
    )

    assert run_message(message_of(setup, inline), transfer_voucher).action is Action.DONE
    assert message_status(message_of(setup, inline)) == MessageStatus.DONE

    setup.admin.set_faults(
        error_count=5, error_statuses=[500], error_paths=["/VoucherDocumentation"]
    )
    deferred_id = message_of(setup, deferred)
    run_message(deferred_id, transfer_voucher)
    assert message_status(deferred_id) == MessageStatus.QUEUED
    assert steps_logged(deferred_id)[-1][:2] == ("attachment", "deferred")
    assert steps_logged(deferred_id)[-1][2].startswith(
        "left to its own task: PUT /VoucherDocumentation: 500"
    )
    assert upload_tasks_on_the_broker(redis_base_url) == [deferred_id]
    setup.admin.clear_faults()
    assert run_message(deferred_id, upload_attachment).action is Action.DONE  # the task

    documents = setup.admin.documents(setup.client_key, include_bytes=True)
    pdfs = [invoice["attachment"]["content_base64"] for invoice in (inline, deferred)]
    assert [base64.b64encode(row["content"]).decode() for row in documents] == pdfs
    assert message_status(deferred_id) == MessageStatus.DONE


def message_of(setup, invoice: dict) -> str:
    with session_scope() as session:
        number = str(invoice["number"])
        return newest_message(session, setup.tenant_id, "invoice", number).id
