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

        `account_nos` is PowerOffice Go's range syntax ("4001-", "4000-7999").
        """
        if project_codes is not None and not project_codes:
            return []  # an empty filter would be no filter at all: every project
        return self._rows(
            fromDate=from_date,
            toDate=to_date,
            accountNos=account_nos,
            projectCodes=project_codes,
            voucherTypes=voucher_types,
        )
