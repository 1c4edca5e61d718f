"""Customers and projects, end to end through a real worker into the simulator."""

from __future__ import annotations

from sync_worker import operations
from sync_worker.operations import history


def find(rows: list[dict], **match) -> dict:
    [row] = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    return row


def requests_made(simulator) -> int:
    return simulator.admin.stats()["total_requests"]


def test_a_new_customer_is_created_with_every_field(tenant):
    customer = tenant.sample.customer()
    tenant.publish(tenant.sample.message("customer.changed", customer))
    tenant.wait_for("customer", customer["number"])
    pogo = find(tenant.customers(), Number=int(customer["number"]))
    assert pogo["Name"] == customer["name"]
    assert pogo["OrganizationNumber"] == customer["organization_number"]
    assert pogo["EmailAddress"] == customer["contact_email"]
    assert pogo["InvoiceEmailAddress"] == customer["invoice_email"]
    assert pogo["MailAddress"]["AddressLine1"] == customer["address"]["street"]
    assert pogo["MailAddress"]["ZipCode"] == customer["address"]["postal_code"]
    assert pogo["MailAddress"]["City"] == customer["address"]["city"]
    assert pogo["MailAddress"]["CountryCode"] == "NO"
    assert pogo["InvoiceDeliveryType"] == "Print"


def test_a_change_patches_only_what_changed(tenant, simulator):
    customer = tenant.sample.customer()
    tenant.publish(tenant.sample.message("customer.changed", customer))
    tenant.wait_for("customer", customer["number"])
    changed = customer | {
        "invoice_email": "ap@changed.no",
        "address": customer["address"] | {"city": "Hammerfest"},
    }
    tenant.publish(tenant.sample.message("customer.changed", changed))
    wait_for_attempts(tenant, "customer", customer["number"], 2)
    pogo = find(tenant.customers(), Number=int(customer["number"]))
    assert pogo["InvoiceEmailAddress"] == "ap@changed.no"
    assert pogo["MailAddress"]["City"] == "Hammerfest"
    assert pogo["Name"] == customer["name"]
    _, attempts = history(tenant.code, "customer", customer["number"])
    assert attempts[-1].detail == "updated InvoiceEmailAddress, MailAddress/City"


def test_an_unchanged_customer_costs_no_api_call(tenant, simulator):
    customer = tenant.sample.customer()
    tenant.publish(tenant.sample.message("customer.changed", customer))
    tenant.wait_for("customer", customer["number"])
    before = requests_made(simulator)
    tenant.publish(tenant.sample.message("customer.changed", dict(customer)))
    wait_for_attempts(tenant, "customer", customer["number"], 2)
    assert requests_made(simulator) == before
    _, attempts = history(tenant.code, "customer", customer["number"])
    assert attempts[-1].outcome == "skipped"


def test_manual_retransfer_sends_even_when_unchanged_whatever_the_state(tenant, simulator):
    customer = tenant.sample.customer(state="inactive")
    project = tenant.sample.project(customer, state="archived")
    tenant.publish(
        tenant.sample.message("customer.changed", customer),
        tenant.sample.message("project.changed", project),
    )
    tenant.wait_for("project", project["number"])
    results = operations.retransfer(tenant.code, "customer", [customer["number"], "99999"])
    assert [r.queued for r in results] == [True, False]
    assert "never received" in str(results[1])
    wait_for_attempts(tenant, "customer", customer["number"], 2)
    _, attempts = history(tenant.code, "customer", customer["number"])
    assert attempts[-1].outcome == "ok" and attempts[-1].detail.startswith("updated Name")
    operations.retransfer(tenant.code, "project", [project["number"]])
    wait_for_attempts(tenant, "project", project["number"], 2)
    pogo = find(tenant.projects(), Code=project["number"])
    assert pogo["ProjectStatus"] == "Archived"


def test_a_project_gets_customer_department_state_and_owner(tenant):
    customer = tenant.sample.customer()
    employee = tenant.admin.employees(tenant.client_key)[0]
    project = tenant.sample.project(
        customer, owner_email=employee["EmailAddress"].upper(), department_code="20"
    )
    tenant.publish(
        tenant.sample.message("customer.changed", customer),
        tenant.sample.message("project.changed", project),
    )
    tenant.wait_for("project", project["number"])
    pogo = find(tenant.projects(), Code=project["number"])
    pogo_customer = find(tenant.customers(), Number=int(customer["number"]))
    department = find(tenant.admin.departments(tenant.client_key), Code="20")
    assert pogo["Name"] == project["name"]
    assert pogo["CustomerId"] == pogo_customer["Id"]
    assert pogo["DepartmentId"] == department["Id"]
    assert pogo["ProjectStatus"] == "Active"
    assert pogo["ProjectManagerEmployeeId"] == employee["Id"]


def test_an_unknown_owner_is_a_warning_not_a_failure(tenant):
    customer = tenant.sample.customer()
    project = tenant.sample.project(customer, owner_email="nobody@elsewhere.no")
    tenant.publish(
        tenant.sample.message("customer.changed", customer),
        tenant.sample.message("project.changed", project),
    )
    tenant.wait_for("project", project["number"])
    _, attempts = history(tenant.code, "project", project["number"])
    warning = next(a for a in attempts if a.outcome == "warning")
    assert "nobody@elsewhere.no" in warning.detail
    assert find(tenant.projects(), Code=project["number"]).get("ProjectManagerEmployeeId") is None


def test_shuffled_and_duplicated_versions_end_with_the_newest(tenant):
    customer = tenant.sample.customer()
    versions = [
        tenant.sample.message("customer.changed", customer | {"name": f"Navn versjon {n}"})
        for n in range(1, 6)
    ]
    shuffled = [
        versions[3],
        versions[0],
        versions[4],
        versions[1],
        versions[4],
        versions[2],
        versions[0],
    ]
    tenant.publish(*shuffled)
    newest = versions[4]["version"]

    def settled():
        state = tenant.state("customer", customer["number"])
        return state and state.transferred_version == newest and state.status == "done"

    from tests.support.worker import wait_until

    wait_until(settled, what="the newest version to be transferred")
    tenant.wait_until_all_handled()
    assert find(tenant.customers(), Number=int(customer["number"]))["Name"] == "Navn versjon 5"


def wait_for_attempts(tenant, kind: str, number: str, count: int) -> None:
    """Wait until `count` messages of the entity were handled (done, stale or failed)."""
    from tests.support.worker import wait_until

    def handled():
        state, attempts = history(tenant.code, kind, number)
        main = [a for a in attempts if a.step in (kind, "version")]
        return state is not None and len(main) >= count and state.status != "in_progress"

    wait_until(handled, what=f"{count} transfers of {kind} {number}")


def test_a_project_change_patches_only_what_changed(tenant):
    customer = tenant.sample.customer()
    project = tenant.sample.project(customer, state="active")
    tenant.publish(
        tenant.sample.message("customer.changed", customer),
        tenant.sample.message("project.changed", project),
    )
    tenant.wait_for("project", project["number"])
    finished = project | {"state": "finished", "name": "Ferdig prosjekt"}
    tenant.publish(tenant.sample.message("project.changed", finished))
    wait_for_attempts(tenant, "project", project["number"], 2)
    pogo = find(tenant.projects(), Code=project["number"])
    assert (pogo["Name"], pogo["ProjectStatus"], pogo["IsActive"]) == (
        "Ferdig prosjekt",
        "Complete",
        False,
    )
    _, attempts = history(tenant.code, "project", project["number"])
    assert attempts[-1].detail == "updated Name, ProjectStatus, IsActive"


def test_an_expenses_billable_override_is_kept_without_an_api_call(tenant, simulator):
    customer = tenant.sample.customer()
    project = tenant.sample.project(customer)
    tenant.publish(
        tenant.sample.message("customer.changed", customer),
        tenant.sample.message("project.changed", project),
    )
    tenant.wait_for("project", project["number"])
    before = requests_made(simulator)
    tenant.publish(tenant.sample.message("project.changed", project | {"expenses_billable": True}))
    wait_for_attempts(tenant, "project", project["number"], 2)
    assert requests_made(simulator) == before
    assert tenant.state("project", project["number"]).expenses_billable is True
