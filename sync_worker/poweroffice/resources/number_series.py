"""Sub-ledger number series (`/SubLedgerNumberSeries`): which numbers the client's customer
ledger takes, cached per tenant. A customer created with a number outside every series is
refused by PowerOffice Go, so the export rules check it first."""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource

CUSTOMER_SERIES = "Customer"


class NumberSeries(Resource):
    path = "/SubLedgerNumberSeries"

    def customer_numbers(self, *, refresh: bool = False) -> list[range]:
        """The customer numbers PowerOffice Go takes, one range per series."""
        bounds = self._cached("customer_number_series", self._load_customer_bounds, refresh)
        return [range(first, last + 1) for first, last in bounds]

    def _load_customer_bounds(self) -> list[list[int]]:
        # Kept as [first, last] pairs: the look-up cache stores JSON.
        rows = self._rows(subLedgerNumberSeriesType=CUSTOMER_SERIES)
        return [[int(row["FromInclusive"]), int(row["ToInclusive"])] for row in rows]
