from __future__ import annotations

from dataclasses import replace

import pytest

from sync_worker.mapping import PROJECT_STATUS, json_patch, project_fields
from tests.schemas.examples import entity

IDS = {"customer_id": 123456, "department_id": 7, "manager_employee_id": 42}


def test_project_fields():
    assert project_fields(entity("project.changed"), **IDS) == {
        "Name": "Nettside for Fjordkraft",
        "Code": "2026-017",
        "CustomerId": 123456,
        "DepartmentId": 7,
        "ProjectManagerEmployeeId": 42,
        "ProjectStatus": "Active",
        "IsActive": True,
    }


@pytest.mark.parametrize(
    ("state", "status", "active"),
    [
        ("active", "Active", True),
        ("finished", "Complete", False),
        ("archived", "Archived", False),
        ("potential", "Tentative", False),
    ],
)
def test_project_states(state, status, active):
    fields = project_fields(replace(entity("project.changed"), state=state), **IDS)
    assert (fields["ProjectStatus"], fields["IsActive"]) == (status, active)
    assert PROJECT_STATUS[state] == status


def test_an_owner_without_an_employee_leaves_the_manager_alone():
    fields = project_fields(entity("project.changed"), **IDS | {"manager_employee_id": None})
    assert "ProjectManagerEmployeeId" not in fields


def test_no_customer_or_department_is_sent_as_null():
    fields = project_fields(
        entity("project.changed"), customer_id=None, department_id=None, manager_employee_id=None
    )
    assert fields["CustomerId"] is None
    assert fields["DepartmentId"] is None


def test_a_finished_project_patches_status_and_activity():
    project = entity("project.changed")
    stored = project_fields(project, **IDS)
    assert json_patch(stored, project_fields(replace(project, state="finished"), **IDS)) == [
        {"op": "replace", "path": "/ProjectStatus", "value": "Complete"},
        {"op": "replace", "path": "/IsActive", "value": False},
    ]
