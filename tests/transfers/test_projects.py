"""Projects: created with their customer, department, status and owner; refused or kept
waiting before any write when PowerOffice Go cannot take them yet."""

from __future__ import annotations

import dataclasses

import pytest

from sync_worker.errors import ExportRefused, WaitingForCustomer
from sync_worker.transfers.context import Transfer
from sync_worker.transfers.customers import CustomerSync
from sync_worker.transfers.projects import ProjectSync
from tests.transfers.fakes import (
    DEPARTMENTS,
    KARI,
    FakePowerOffice,
    history,
    state_of,
    stored,
    transfer_for,
)


def project_run(moment, pogo: FakePowerOffice, project: dict) -> Transfer:
    return transfer_for(stored(moment.message("project.changed", project)), pogo)


def transfer(run: Transfer) -> None:
    ProjectSync.handle_message(run, state_of(run))


def test_a_new_project_is_created_with_customer_department_status_and_owner(moment, pogo):
    customer = moment.customer()
    pogo_customer = pogo.customers.add(Number=int(customer["number"]), Name=customer["name"])
    project = moment.project(customer, department_code="20", owner_email=KARI["EmailAddress"])
    run = project_run(moment, pogo, project)

    transfer(run)

    assert pogo.calls == ["GET /Customers", "GET /Projects", "POST /Projects"]
    [body] = pogo.bodies("POST /Projects")
    assert body == {
        "Name": project["name"],
        "Code": project["number"],
        "CustomerId": pogo_customer["Id"],
        "DepartmentId": DEPARTMENTS["20"]["Id"],
        "ProjectStatus": "Active",
        "IsActive": True,
        "ProjectManagerEmployeeId": KARI["Id"],
    }
    [pogo_id] = pogo.projects.rows
    assert state_of(run).pogo_id == str(pogo_id)


def test_a_customer_transferred_here_is_not_looked_up_again(moment, pogo):
    customer = moment.customer()
    customer_run = transfer_for(stored(moment.message("customer.changed", customer)), pogo)
    CustomerSync.handle_message(customer_run, state_of(customer_run))
    pogo.forget_calls()

    transfer(project_run(moment, pogo, moment.project(customer)))

    assert "GET /Customers" not in pogo.calls
    [body] = pogo.bodies("POST /Projects")
    assert body["CustomerId"] == int(state_of(customer_run).pogo_id)


def test_an_owner_no_employee_has_is_a_warning_and_the_project_goes_without_one(moment, pogo):
    customer = moment.customer()
    pogo.customers.add(Number=int(customer["number"]))
    run = project_run(moment, pogo, moment.project(customer, owner_email="ukjent@acme.no"))

    transfer(run)

    [body] = pogo.bodies("POST /Projects")
    assert "ProjectManagerEmployeeId" not in body
    warning, created = history(run)
    assert (warning.step, warning.outcome) == ("project owner", "warning")
    assert "ukjent@acme.no" in warning.detail
    assert (created.outcome, created.detail) == ("ok", "created")


def test_a_project_whose_customer_is_on_its_way_waits_for_it(moment, pogo):
    customer = moment.customer()
    stored(moment.message("customer.changed", customer))  # queued, not transferred yet
    run = project_run(moment, pogo, moment.project(customer))

    with pytest.raises(WaitingForCustomer, match=f"waiting for customer {customer['number']}"):
        transfer(run)

    assert "POST /Projects" not in pogo.calls


def test_a_project_whose_customer_is_nowhere_is_refused(moment, pogo):
    customer = moment.customer()
    run = project_run(moment, pogo, moment.project(customer))

    with pytest.raises(ExportRefused, match=f"customer {customer['number']} is not in"):
        transfer(run)

    assert "POST /Projects" not in pogo.calls


def test_a_dotted_project_number_is_refused_before_any_call(moment, pogo):
    # The contract refuses it already; the rule guards what would become a sub project.
    run = project_run(moment, pogo, moment.project(moment.customer()))
    dotted = dataclasses.replace(run.envelope.data, number="10.2")

    with pytest.raises(ExportRefused, match=r'contains "\."'):
        ProjectSync(run, dotted).sync(occurred_at=run.envelope.occurred_at, version=None)

    assert pogo.calls == []


def test_an_unknown_department_refusal_asks_powerofficego_afresh(moment, pogo):
    pogo.departments.cached = {"30": DEPARTMENTS["30"]}  # cached before department 20 was made
    customer = moment.customer()
    pogo.customers.add(Number=int(customer["number"]))

    transfer(project_run(moment, pogo, moment.project(customer, department_code="20")))

    assert "POST /Projects" in pogo.calls
