"""A patch answered 404: the entity deleted in PowerOffice Go, or something it refers to."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sync_worker.errors import ApiRejected, NotFound, TransientError
from sync_worker.transfers import entities
from sync_worker.transfers.entities import EntitySync
from tests.schemas.examples import entity

UNKNOWN_DEPARTMENT = "Department with code = 99 was not found."


class FakeProjects:
    def __init__(self, *, exists: bool) -> None:
        self.exists = exists
        self.reads: list[int] = []

    def patch(self, project_id: int, _operations: list[dict]) -> dict:
        raise NotFound(
            f"PATCH /Projects/{project_id}: 404", http_status=404, detail=UNKNOWN_DEPARTMENT
        )

    def get(self, project_id: int) -> dict:
        self.reads.append(project_id)
        if not self.exists:
            raise NotFound(f"GET /Projects/{project_id}: 404", http_status=404)
        return {"Id": project_id}


class ProjectSync(EntitySync):
    kind = "project"

    def __init__(self, projects: FakeProjects) -> None:
        super().__init__(SimpleNamespace(), entity("project.changed"))
        self.projects = projects

    def resource(self) -> FakeProjects:
        return self.projects


@pytest.fixture
def forgotten(monkeypatch) -> list[dict]:
    updates: list[dict] = []
    monkeypatch.setattr(
        entities.states, "update_state", lambda _id, **values: updates.append(values)
    )
    return updates


def test_a_404_for_a_reference_is_powerofficegos_refusal_not_a_deletion(forgotten):
    projects = FakeProjects(exists=True)
    with pytest.raises(ApiRejected) as caught:
        ProjectSync(projects)._patch(SimpleNamespace(id=1), 7, [{"op": "replace"}])

    assert not isinstance(caught.value, TransientError)
    assert caught.value.detail == UNKNOWN_DEPARTMENT  # PowerOffice Go's words reach the e-mail
    assert projects.reads == [7]
    assert forgotten == []  # the id is kept: the project is still there


def test_a_404_for_a_deleted_entity_forgets_its_id_and_creates_it_again(forgotten):
    with pytest.raises(TransientError, match="deleted in PowerOffice Go"):
        ProjectSync(FakeProjects(exists=False))._patch(SimpleNamespace(id=1), 7, [])

    assert forgotten == [{"pogo_id": None, "transferred_fields": None}]
