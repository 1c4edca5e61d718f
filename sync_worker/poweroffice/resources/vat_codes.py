"""VAT codes (`/VatCodes`), cached per tenant."""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource


class VatCodes(Resource):
    path = "/VatCodes"

    def by_code(self, *, refresh: bool = False) -> dict[str, dict]:
        """Every VAT code by its `Code` ("3", "C1"); v2 writes need its `Id`."""
        return self._cached("vat_codes", self._load, refresh)

    def _load(self) -> dict[str, dict]:
        codes: dict[str, dict] = {}
        for row in self._rows():
            code = str(row["Code"])
            # A code can appear once per validity period; the active one is the one to use.
            if code not in codes or row.get("IsActive"):
                codes[code] = row
        return codes
