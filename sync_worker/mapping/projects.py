"""Projects: Moment's project as PowerOffice Go's `Project` fields.

The same fields serve `POST /Projects` and, through `json_patch`, `PATCH /Projects/{id}`:
PowerOffice Go takes no create-only field for projects that we need.
"""

from __future__ import annotations

from typing import Any

from sync_worker.schemas.entities import Project

PROJECT_STATUS = {
    "active": "Active",
    "finished": "Complete",
    "archived": "Archived",
    "potential": "Tentative",
}


def project_fields(
    project: Project,
    *,
    customer_id: int | None,
    department_id: int | None,
    manager_employee_id: int | None,
) -> dict[str, Any]:
    """The PowerOffice Go fields Moment owns, with ids looked up by the caller."""
    fields: dict[str, Any] = {
        "Name": project.name,
        "Code": project.number,
        "CustomerId": customer_id,
        "DepartmentId": department_id,
        "ProjectStatus": PROJECT_STATUS[project.state],
        "IsActive": project.state == "active",
    }
    # No employee with the owner's e-mail is only a warning: keep the manager set in
    # PowerOffice Go rather than clear it.
    if manager_employee_id is not None:
        fields["ProjectManagerEmployeeId"] = manager_employee_id
    return fields
