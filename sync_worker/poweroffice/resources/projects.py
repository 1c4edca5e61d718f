"""Projects (`/Projects`). Sub-projects come back with a dotted code (`10.2`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sync_worker.poweroffice.resources.base import Resource


class Projects(Resource):
    path = "/Projects"

    def find_by_code(self, code: str) -> dict | None:
        """The project with this code, or None. Case is ignored, as PowerOffice Go's filter
        and its uniqueness rule ignore it (docs/simulator.md, "Case"): when "AB1" exists,
        "ab1" cannot be created, so it must be found."""
        wanted = code.casefold()
        return self._first(
            lambda row: str(row.get("Code") or "").casefold() == wanted, projectCodes=code
        )

    def by_codes(self, codes: Iterable[str]) -> list[dict]:
        """The projects with these codes, a hundred codes a call."""
        return self._rows_matching("projectCodes", sorted(set(codes)))

    def get(self, project_id: int) -> dict:
        return self._get(project_id)

    def create(self, body: dict) -> dict:
        return self._create(body)

    def patch(self, project_id: int, operations: list[dict]) -> dict:
        return self._patch(project_id, operations)

    def list(self, **filters: Any) -> list[dict]:
        """Every project matching PowerOffice Go's own filters (`customerNos=…`, `status=…`)."""
        return self._rows(**filters)
