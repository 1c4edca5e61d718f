"""Suppliers (`/Suppliers`): names for expenses, which carry only the supplier number."""

from __future__ import annotations

from collections.abc import Iterable

from sync_worker.poweroffice.resources.base import Resource


class Suppliers(Resource):
    path = "/Suppliers"

    def by_numbers(self, numbers: Iterable[int]) -> dict[int, dict]:
        """The suppliers with these numbers, by number; unknown numbers are simply absent."""
        rows = self._rows_matching("supplierNos", sorted(set(numbers)))
        return {int(row["Number"]): row for row in rows}
