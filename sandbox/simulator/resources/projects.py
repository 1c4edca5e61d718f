"""Projects: `GET/POST /Projects`, `GET/PATCH /Projects/{id}`.

`Code` is unique per client and may not contain "." (PowerOffice Go's main/sub-project
separator). Customer, department and project manager are each given by id or by
number/code; when both are sent the id wins, and the other is filled in to match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from sandbox.simulator.body import Body
from sandbox.simulator.jsonpatch import apply_patch
from sandbox.simulator.query import Filter, filtered, paged
from sandbox.simulator.responses import json_response, not_found, validation_error
from sandbox.simulator.routing import Context, Route
from sandbox.simulator.store import ClientState, find, now_text

ENTITY = "Project"
STATUSES = ("Tentative", "Active", "Archived", "NotStarted", "Complete")
READ_ONLY = ("Id", "CreatedDateTimeOffset", "LastChangedDateTimeOffset")
FILTERS = (
    Filter("projectCodes", "Code", "codes"),
    Filter("customerNos", "CustomerNo", "numbers"),
    Filter("departmentCodes", "DepartmentCode", "codes"),
    Filter("status", "ProjectStatus", "codes"),
)


@dataclass(frozen=True)
class _Link:
    """A reference to another object, by id or by its number/code."""

    id_field: str
    key_field: str
    collection: str
    key: str
    label: str


LINKS = (
    _Link("CustomerId", "CustomerNo", "customers", "Number", "Customer"),
    _Link("DepartmentId", "DepartmentCode", "departments", "Code", "Department"),
    _Link(
        "ProjectManagerEmployeeId", "ProjectManagerEmployeeNo", "employees", "Number", "Employee"
    ),
)


def list_projects(ctx: Context) -> Response:
    rows = filtered(ctx.client.projects.values(), ctx.query, FILTERS)
    return paged(ctx.request, ctx.query, rows)


def get_project(ctx: Context, project_id: int) -> Response:
    return json_response(_project(ctx.client, project_id))


def create_project(ctx: Context) -> Response:
    fields = _writable(Body(ctx.json(), ENTITY))
    return json_response(_save(ctx.client, fields, existing=None), 201)


def patch_project(ctx: Context, project_id: int) -> Response:
    project = _project(ctx.client, project_id)
    writable = {key: value for key, value in project.items() if key not in READ_ONLY}
    patched = apply_patch(writable, ctx.json_patch(), "ProjectPatchDto")
    return json_response(_save(ctx.client, _writable(Body(patched, ENTITY)), existing=project))


def _project(client: ClientState, project_id: int) -> dict:
    project = client.projects.get(project_id)
    if project is None:
        raise not_found(f"Project with id = {project_id} was not found.")
    return project


def _writable(body: Body) -> dict[str, Any]:
    return {
        "Code": body.text("Code", max_length=50),
        "Name": body.text("Name", required=True, max_length=200),
        "CustomerId": body.integer("CustomerId"),
        "CustomerNo": body.integer("CustomerNo"),
        "DepartmentId": body.integer("DepartmentId"),
        "DepartmentCode": body.text("DepartmentCode"),
        "ProjectManagerEmployeeId": body.integer("ProjectManagerEmployeeId"),
        "ProjectManagerEmployeeNo": body.integer("ProjectManagerEmployeeNo"),
        "ProjectStatus": body.choice("ProjectStatus", STATUSES, "Active"),
        "IsActive": body.boolean("IsActive", True),
        "StartDate": body.date("StartDate"),
        "EndDate": body.date("EndDate"),
    }


def _save(client: ClientState, fields: dict[str, Any], existing: dict | None) -> dict:
    """Check the rules, then create or update; nothing changes when a rule refuses."""
    fields["Code"] = _code(client, fields["Code"], existing)
    _resolve_links(client, fields, existing or {})
    now = now_text()
    project = existing or {"Id": client.next_id(), "CreatedDateTimeOffset": now}
    project.update(fields, LastChangedDateTimeOffset=now)
    client.projects[project["Id"]] = project
    return project


def _code(client: ClientState, code: str | None, existing: dict | None) -> str:
    if not code:
        return existing["Code"] if existing else _next_code(client)
    if "." in code:
        raise validation_error(
            ENTITY, f"Code '{code}' must not contain '.': it separates project and sub-project."
        )
    other = find(client.projects, "Code", code)
    if other is not None and (existing is None or other["Id"] != existing["Id"]):
        raise validation_error(
            ENTITY, f"Code is already in use. '{code}' is used on (project) Id = {other['Id']}."
        )
    return code


def _next_code(client: ClientState) -> str:
    numeric = [int(row["Code"]) for row in client.projects.values() if row["Code"].isdigit()]
    return str(max(numeric, default=0) + 1)


def _resolve_links(client: ClientState, fields: dict[str, Any], before: dict) -> None:
    """Fill both halves of each link from whichever half changed (the id when both did)."""
    for link in LINKS:
        changed = [
            name for name in (link.id_field, link.key_field) if fields[name] != before.get(name)
        ]
        if not changed:
            continue
        value = fields[changed[0]]
        if value is None:
            fields[link.id_field] = fields[link.key_field] = None
            continue
        rows = getattr(client, link.collection)
        by_id = changed[0] == link.id_field
        row = rows.get(value) if by_id else find(rows, link.key, value)
        if row is None:
            how = f"Id = {value}" if by_id else f"{link.key} '{value}'"
            raise not_found(f"{link.label} with {how} was not found.")
        fields[link.id_field], fields[link.key_field] = row["Id"], row[link.key]


ROUTES = (
    Route("GET", "/Projects", list_projects),
    Route("POST", "/Projects", create_project),
    Route("GET", "/Projects/<int:project_id>", get_project),
    Route("PATCH", "/Projects/<int:project_id>", patch_project),
)
