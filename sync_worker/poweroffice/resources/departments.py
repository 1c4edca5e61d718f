"""Departments (`/Departments`), cached per tenant."""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource


class Departments(Resource):
    path = "/Departments"

    def by_code(self, *, refresh: bool = False) -> dict[str, dict]:
        """Every department by its code."""
        return self._cached("departments", self._load, refresh)

    def _load(self) -> dict[str, dict]:
        return {str(row["Code"]): row for row in self._rows() if row.get("Code")}
