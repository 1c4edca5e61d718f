"""Projects: codes, links to customer/department/manager, statuses, JSON Patch."""

from __future__ import annotations

from tests.sandbox.simulator.builders import create_customer, create_project
from tests.sandbox.simulator.raw import data


def test_create_links_customer_department_and_manager_by_number(api):
    customer = create_customer(api, number=10001)

    project = create_project(
        api,
        "2026-017",
        CustomerNo=10001,
        DepartmentCode="20",
        ProjectManagerEmployeeNo=1,
        ProjectStatus="Active",
    )

    departments = {row["Code"]: row["Id"] for row in data(api.get("/Departments"))}
    employees = {row["Number"]: row["Id"] for row in data(api.get("/Employees"))}
    assert project["CustomerId"] == customer["Id"]
    assert project["DepartmentId"] == departments["20"]
    assert project["ProjectManagerEmployeeId"] == employees[1]
    assert project["ProjectStatus"] == "Active"
    assert project["IsActive"] is True
    assert data(api.get(f"/Projects/{project['Id']}")) == project


def test_id_wins_over_number(api):
    first = create_customer(api, number=10001)
    create_customer(api, number=10002)

    project = create_project(api, CustomerId=first["Id"], CustomerNo=10002)

    assert project["CustomerNo"] == 10001


def test_name_is_required(api):
    response = api.post("/Projects", {"Code": "P1"})

    assert response.status_code == 400
    assert "'Name' is a required property" in response.json()["detail"]


def test_dot_in_code_is_refused(api):
    response = api.post("/Projects", {"Code": "10.2", "Name": "Delprosjekt"})

    assert response.status_code == 400
    assert "'.'" in response.json()["detail"]


def test_duplicate_code_is_already_in_use(api):
    create_project(api, "P1")

    response = api.post("/Projects", {"Code": "P1", "Name": "Igjen"})

    assert response.status_code == 400
    assert "already in use" in response.json()["detail"]


def test_unknown_customer_is_named(api):
    by_number = api.post("/Projects", {"Code": "P1", "Name": "X", "CustomerNo": 19999})
    by_id = api.post("/Projects", {"Code": "P1", "Name": "X", "CustomerId": 5})

    assert by_number.status_code == 404
    assert "19999" in by_number.json()["detail"]
    assert by_id.status_code == 404
    assert "Id = 5" in by_id.json()["detail"]


def test_unknown_department_is_refused(api):
    by_code = api.post("/Projects", {"Code": "P1", "Name": "X", "DepartmentCode": "99"})
    by_id = api.post("/Projects", {"Code": "P1", "Name": "X", "DepartmentId": 7})

    assert by_code.status_code == 404
    assert "'99'" in by_code.json()["detail"]
    assert by_id.status_code == 404


def test_status_must_be_a_known_name(api):
    unknown = api.post("/Projects", {"Code": "P1", "Name": "X", "ProjectStatus": "Finished"})
    number = api.post("/Projects", {"Code": "P1", "Name": "X", "ProjectStatus": 1})

    assert unknown.status_code == 400
    assert number.status_code == 400
    assert "body.ProjectStatus: 1 is not of type 'string'" in number.json()["detail"]
    assert "body.ProjectStatus: 'Finished' is not one of" in unknown.json()["detail"]


def test_filter_by_project_codes(api):
    for code in ("P1", "P2", "P3"):
        create_project(api, code)

    rows = data(api.get("/Projects", projectCodes="P1,P3"))

    assert [row["Code"] for row in rows] == ["P1", "P3"]


def test_patch_status_and_customer_by_number(api):
    create_customer(api, number=10001)
    second = create_customer(api, number=10002)
    project = create_project(api, CustomerNo=10001)

    response = api.patch(
        f"/Projects/{project['Id']}",
        [
            {"op": "replace", "path": "/projectStatus", "value": "Complete"},
            {"op": "replace", "path": "/CustomerNo", "value": 10002},
        ],
    )

    assert response.status_code == 200
    patched = data(response)
    assert patched["ProjectStatus"] == "Complete"
    assert patched["CustomerId"] == second["Id"]


def test_patch_with_unknown_path_is_400(api):
    project = create_project(api)

    response = api.patch(f"/Projects/{project['Id']}", [{"op": "remove", "path": "/Budget"}])

    assert response.status_code == 400
    assert "path segment 'Budget' was not found" in response.json()["detail"]
