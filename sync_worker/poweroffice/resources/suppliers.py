"""Suppliers (`/Suppliers`): names for expenses, which carry only the supplier number."""

from __future__ import annotations

from collections.abc import Iterable

from sync_worker.poweroffice.resources.base import Resource

# Numbers per request: keeps the query string far below gateway URL limits.
CHUNK = 100


class Suppliers(Resource):
    path = "/Suppliers"

    def by_numbers(self, numbers: Iterable[int]) -> dict[int, dict]:
        """The suppliers with these numbers, by number; unknown numbers are simply absent."""
        wanted = sorted(set(numbers))
        found: dict[int, dict] = {}
        for start in range(0, len(wanted), CHUNK):
            for row in self._rows(supplierNos=wanted[start : start + CHUNK]):
                found[int(row["Number"])] = row
        return found
