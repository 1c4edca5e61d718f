"""Customers: created when new, patched with only what changed, refused before any write."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import update

from sync_worker.db.models import SyncStatus, Tenant
from sync_worker.db.session import session_scope
from sync_worker.errors import AlreadyExists, ExportRefused
from sync_worker.mapping.customers import customer_fields
from sync_worker.transfers.context import Transfer
from sync_worker.transfers.customers import CustomerSync, sync_customer
from tests.transfers.fakes import FakePowerOffice, history, state_of, stored, transfer_for

OWNED_FIELDS = {"Name", "Number", "OrganizationNumber", "EmailAddress", "InvoiceEmailAddress"}


def transfer(moment, pogo: FakePowerOffice, customer: dict, **envelope) -> Transfer:
    run = transfer_for(stored(moment.message("customer.changed", customer, **envelope)), pogo)
    CustomerSync.handle_message(run, state_of(run))
    return run


def test_a_new_customer_is_created_with_the_fields_moment_owns(moment, pogo):
    customer = moment.customer()
    run = transfer(moment, pogo, customer)

    assert pogo.calls == ["GET /Customers", "POST /Customers"]
    [body] = pogo.bodies("POST /Customers")
    assert OWNED_FIELDS | {"MailAddress"} <= body.keys()
    assert body["Name"] == customer["name"] and body["Number"] == int(customer["number"])
    assert body["ExternalImportReference"] == f"moment:acme:customer:{customer['number']}"
    assert body["InvoiceDeliveryType"] == "Print"
    assert body["MailAddress"]["ZipCode"] == customer["address"]["postal_code"]
    [pogo_id] = pogo.customers.rows
    state = state_of(run)
    assert state.status == SyncStatus.DONE and state.pogo_id == str(pogo_id)


def test_an_address_without_a_city_is_not_sent(moment, pogo):
    customer = moment.customer()
    customer["address"]["city"] = None
    transfer(moment, pogo, customer)

    [body] = pogo.bodies("POST /Customers")
    assert "MailAddress" not in body


def test_the_customers_ledger_account_is_kept_for_its_vouchers(moment, pogo):
    customer = moment.customer()
    run = transfer(moment, pogo, customer)
    [created] = pogo.customers.rows.values()
    assert state_of(run).pogo_ledger_id == str(created["SubledgerAccountId"])

    transfer(moment, pogo, customer | {"name": "Nytt Navn AS"})  # a PATCH answers no ledger

    assert state_of(run).pogo_ledger_id == str(created["SubledgerAccountId"])


def test_a_customer_found_by_number_is_patched_with_only_what_differs(moment, pogo):
    customer = moment.customer()
    run = transfer_for(stored(moment.message("customer.changed", customer)), pogo)
    existing = pogo.customers.add(**customer_fields(run.envelope.data) | {"Name": "Gammelt AS"})

    CustomerSync.handle_message(run, state_of(run))

    assert pogo.calls == ["GET /Customers", f"PATCH /Customers/{existing['Id']}"]
    assert pogo.bodies(f"PATCH /Customers/{existing['Id']}") == [
        [{"op": "replace", "path": "/Name", "value": customer["name"]}]
    ]
    assert state_of(run).pogo_id == str(existing["Id"])


def test_a_change_is_patched_against_what_was_sent_without_reading_it_back(moment, pogo):
    customer = moment.customer()
    transfer(moment, pogo, customer)
    [pogo_id] = pogo.customers.rows
    pogo.forget_calls()

    run = transfer(moment, pogo, customer | {"invoice_email": "regnskap@ny.no"})

    assert pogo.calls == [f"PATCH /Customers/{pogo_id}"]
    [operations] = pogo.bodies(f"PATCH /Customers/{pogo_id}")
    assert operations == [
        {"op": "replace", "path": "/InvoiceEmailAddress", "value": "regnskap@ny.no"}
    ]
    assert history(run)[-1].detail == "updated InvoiceEmailAddress"


def test_an_unchanged_customer_costs_no_call(moment, pogo):
    customer = moment.customer()
    transfer(moment, pogo, customer)
    pogo.forget_calls()

    run = transfer(moment, pogo, dict(customer))

    assert pogo.calls == []
    last = history(run)[-1]
    assert (last.outcome, last.detail) == ("skipped", "unchanged since the last transfer")


def test_a_manual_transfer_rewrites_every_owned_field(moment, pogo):
    customer = moment.customer()
    transfer(moment, pogo, customer)
    [pogo_id] = pogo.customers.rows

    transfer(moment, pogo, dict(customer), trigger="manual")

    [operations] = pogo.bodies(f"PATCH /Customers/{pogo_id}")
    assert {op["path"] for op in operations} == {f"/{name}" for name in OWNED_FIELDS} | {
        "/MailAddress"
    }


def test_an_older_copy_than_the_one_sent_is_skipped(moment, pogo):
    customer = moment.customer()
    run = transfer(moment, pogo, customer)
    pogo.forget_calls()
    older = run.envelope.occurred_at - dt.timedelta(minutes=5)

    renamed = dataclasses.replace(run.envelope.data, name="Eldre Navn AS")
    sync_customer(run, renamed, occurred_at=older, version=None)

    assert pogo.calls == []
    assert history(run)[-1].detail == "an older copy than the one already sent"


def test_a_create_refused_as_a_repeat_adopts_the_customer_found_by_number(moment, pogo):
    customer = moment.customer()
    run = transfer_for(stored(moment.message("customer.changed", customer)), pogo)
    landed = pogo.customers.add(**customer_fields(run.envelope.data))
    pogo.answer("GET /Customers", None)  # the earlier create is not readable yet
    pogo.answer("POST /Customers", AlreadyExists("POST /Customers: 409", http_status=409))

    CustomerSync.handle_message(run, state_of(run))

    assert pogo.calls == ["GET /Customers", "POST /Customers", "GET /Customers"]
    state = state_of(run)
    assert state.pogo_id == str(landed["Id"])
    assert state.pogo_ledger_id == str(landed["SubledgerAccountId"])


def test_a_number_outside_the_customer_number_series_is_refused_before_any_write(moment, pogo):
    pogo.number_series.live = pogo.number_series.cached = [range(20000, 30000)]
    run = transfer_for(stored(moment.message("customer.changed", moment.customer())), pogo)

    with pytest.raises(ExportRefused, match="outside the customer ledger's number series"):
        CustomerSync.handle_message(run, state_of(run))

    assert "POST /Customers" not in pogo.calls
    assert state_of(run).pogo_id is None


def test_pdf_by_email_delivery_is_refused_for_a_customer_without_an_email(moment, pogo):
    with session_scope() as session:
        session.execute(update(Tenant).values(invoice_delivery_type="PdfByEmail"))
    customer = moment.customer(contact_email=None, invoice_email=None)
    run = transfer_for(stored(moment.message("customer.changed", customer)), pogo)

    with pytest.raises(ExportRefused, match="invoice delivery type PdfByEmail"):
        CustomerSync.handle_message(run, state_of(run))

    assert "POST /Customers" not in pogo.calls


def test_a_number_series_refusal_asks_powerofficego_for_the_series_afresh(moment, pogo):
    pogo.number_series.cached = [range(20000, 30000)]  # cached before the series was widened

    transfer(moment, pogo, moment.customer())

    assert "POST /Customers" in pogo.calls
