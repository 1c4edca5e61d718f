"""General ledger accounts (`/GeneralLedgerAccounts`), cached per tenant."""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource


class Accounts(Resource):
    path = "/GeneralLedgerAccounts"

    def by_number(self, *, refresh: bool = False) -> dict[str, dict]:
        """Every account by its number as a string ("3000"); v2 writes need its `Id`."""
        return self._cached("accounts", self._load, refresh)

    def _load(self) -> dict[str, dict]:
        return {str(row["AccountNo"]): row for row in self._rows()}
