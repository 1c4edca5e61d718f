"""What every resource shares: the client, and the few request shapes of PowerOffice Go v2."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync_worker.poweroffice.client import PowerOfficeClient

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
# What every object PowerOffice Go answers with has: a success without it is not one.
ID = "Id"
# Values per list filter (`supplierNos=`, `projectCodes=`, …) in one request: keeps the
# query string far below gateway URL limits.
FILTER_VALUES_PER_REQUEST = 100


class Resource:
    """One PowerOffice Go collection, e.g. `/Customers`."""

    path: str

    def __init__(self, client: PowerOfficeClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path})"

    def _get(self, item_id: int | str) -> dict:
        return self._client.request("GET", f"{self.path}/{item_id}").record(ID)

    def _create(self, body: dict) -> dict:
        """POST → 201 with the created object, which has its `Id`."""
        return self._client.request("POST", self.path, json=body).record(ID)

    def _patch(self, item_id: int | str, operations: list[dict]) -> dict | None:
        """RFC 6902 JSON Patch → 200 with the updated object (PATCH /Projects: no body)."""
        path = f"{self.path}/{item_id}"
        return self._client.request("PATCH", path, json=operations, headers=JSON_PATCH).data

    def _rows(self, **params: Any) -> list[dict]:
        """Every matching row, all pages."""
        return self._client.list_all(self.path, params)

    def _rows_matching(self, name: str, values: Sequence[Any], **params: Any) -> list[dict]:
        """Every row whose filter `name` is one of `values`, asked for a chunk at a time."""
        rows: list[dict] = []
        for start in range(0, len(values), FILTER_VALUES_PER_REQUEST):
            chunk = values[start : start + FILTER_VALUES_PER_REQUEST]
            rows += self._rows(**params, **{name: chunk})
        return rows

    def _first(self, matches: Callable[[dict], bool], **params: Any) -> dict | None:
        """The row a filter (one page) finds; `matches` guards against a wide filter."""
        rows = self._client.request("GET", self.path, params=params).items
        return next((row for row in rows if matches(row)), None)

    def _cached(self, name: str, load: Callable[[], Any], refresh: bool) -> Any:
        return self._client.lookups.get(name, load, refresh=refresh)
