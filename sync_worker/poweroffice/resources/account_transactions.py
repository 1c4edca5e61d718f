"""Account transactions (`/AccountTransactions`): where expenses are read from."""

from __future__ import annotations

import datetime as dt

from sync_worker.poweroffice.resources.base import Resource


class AccountTransactions(Resource):
    path = "/AccountTransactions"

    def list(
        self,
        from_date: dt.date,
        to_date: dt.date,
        *,
        account_nos: str | None = None,
        project_codes: list[str] | None = None,
        voucher_types: str | list[str] | None = None,
    ) -> list[dict]:
        """Transactions posted from `from_date` to `to_date` (both inclusive).

        `account_nos` is PowerOffice Go's range syntax ("4001-", "4000-7999"). Many
        `project_codes` are asked for a chunk at a time, so the query string stays short;
        none at all finds nothing (an empty filter would be no filter: every project).
        """
        params = {
            "fromDate": from_date,
            "toDate": to_date,
            "accountNos": account_nos,
            "voucherTypes": voucher_types,
        }
        if project_codes is None:
            return self._rows(**params)
        return self._rows_matching("projectCodes", project_codes, **params)
