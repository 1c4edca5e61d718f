"""Customers (`/Customers`)."""

from __future__ import annotations

from collections.abc import Iterable

from sync_worker.poweroffice.resources.base import Resource


class Customers(Resource):
    path = "/Customers"

    def find_by_number(self, number: int) -> dict | None:
        """The customer with this number (Moment's and PowerOffice Go's key), or None."""
        return self._first(lambda row: str(row.get("Number")) == str(number), customerNos=number)

    def by_numbers(self, numbers: Iterable[int]) -> list[dict]:
        """The customers with these numbers, a hundred numbers a call."""
        return self._rows_matching("customerNos", sorted(set(numbers)))

    def get(self, customer_id: int) -> dict:
        return self._get(customer_id)

    def create(self, body: dict) -> dict:
        """`CustomerPostDto` → the new `CustomerDto` (with `Id`, `SubledgerAccountId`)."""
        return self._create(body)

    def patch(self, customer_id: int, operations: list[dict]) -> dict:
        """Apply JSON Patch operations, e.g. `{"op": "replace", "path": "/Name", "value": …}`."""
        return self._patch(customer_id, operations)
