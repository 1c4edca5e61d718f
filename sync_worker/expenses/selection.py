"""Which PowerOffice Go account transactions become expenses in Moment. Pure: no I/O.

Moment's promise, rule by rule:

- "We retrieve expenses posted 2 days back in time, from today's date": the window runs
  from today − look-back to today, both inclusive, in Norwegian dates (Europe/Oslo), on
  the posting date (PowerOffice Go's `fromDate`/`toDate` filter the posting date).
- "We retrieve all expenses posted on account > 4000": strictly above the tenant's
  threshold, so 4000 itself is out and 4001 is in; 8xxx is in too.
- "We only retrieve expenses posted on project numbers that also exist in Moment":
  projects this system received from Moment; a sub-project code (`10.2`) is not one.
- Only expense-like vouchers: supplier invoices and credit notes, employees' expenses and
  travel expenses, cash, bank and manual journals (`EXPENSE_VOUCHER_TYPES`; a tenant may
  narrow the list). Never an outgoing invoice or credit note (this integration's own: its
  rounding line carries the project and sits above 4000), payroll, a reversal, nor
  anything else this integration posted (its `ExternalImportReference`).
- Reversed vouchers are left out, and so are the reversal vouchers that undid them.
- "billable by default ... overridden on the price model for each project": the
  project's `expenses_billable` when it is set, else the tenant's default.

One expense per transaction line. Its `source_id` is
`pogo:voucher:{VoucherId}:line:{Id}`: the voucher's uuid and the transaction's own id,
both assigned by PowerOffice Go when the voucher is posted and never reused, so the same
line always gets the same id however often it is read (the voucher number is not used:
it may still be empty right after posting).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sync_worker.mapping.references import REFERENCE_PREFIX
from sync_worker.norway import today_in_oslo

# Moment's own currency for expenses: `Amount` and `VatAmount` are in NOK whatever the
# supplier invoiced in (the invoice currency is in `CurrencyAmount`).
CURRENCY = "NOK"

# The vouchers whose lines may be expenses, in PowerOffice Go's `VoucherType` spelling;
# the tenant's `expense_voucher_types` can only choose among them.
EXPENSE_VOUCHER_TYPES = (
    "IncomingInvoice",
    "IncomingCreditNote",
    "Expense",
    "TravelExpense",
    "CashJournal",
    "BankJournal",
    "ManualJournal",
)
# The ones with a supplier, listed in `GET /IncomingInvoices` with its number.
SUPPLIER_VOUCHER_TYPES = ("IncomingInvoice", "IncomingCreditNote")


class SkipReason(enum.StrEnum):
    """Why a transaction is not an expense; the first rule it breaks, in this order."""

    ACCOUNT = "account not above the threshold"
    PROJECT = "not on a project known in Moment"
    VOUCHER_TYPE = "voucher type not imported"
    OWN = "posted by this integration"
    REVERSED = "reversed voucher"
    REVERSAL = "reversal voucher"
    OUTSIDE_WINDOW = "posted outside the window"


@dataclass(frozen=True)
class Window:
    """Posting dates to import, both inclusive, as Norwegian calendar dates."""

    from_date: dt.date
    to_date: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.from_date <= day <= self.to_date

    def __str__(self) -> str:
        return f"{self.from_date.isoformat()} to {self.to_date.isoformat()}"


@dataclass(frozen=True)
class Candidate:
    """A transaction line that becomes an expense; the supplier's name is added later."""

    source_id: str
    voucher_id: str
    voucher_no: int | None
    voucher_type: str
    project_number: str
    description: str
    amount_incl_vat: Decimal
    invoice_date: dt.date
    account_code: str
    billable: bool


@dataclass
class Selection:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def import_window(lookback_days: int, now: dt.datetime | None = None) -> Window:
    """From today − `lookback_days` to today, today being the date in Oslo at `now`."""
    today = today_in_oslo(now)
    return Window(today - dt.timedelta(days=lookback_days), today)


def voucher_types(setting: str) -> tuple[str, ...]:
    """A tenant's `expense_voucher_types` ("IncomingInvoice,ManualJournal"; empty for all
    of `EXPENSE_VOUCHER_TYPES`) as types in PowerOffice Go's spelling, in the default's
    order. A type outside the default list is refused with a `ValueError` naming it."""
    wanted = {name.strip().casefold(): name.strip() for name in setting.split(",") if name.strip()}
    if not wanted:
        return EXPENSE_VOUCHER_TYPES
    known = {name.casefold() for name in EXPENSE_VOUCHER_TYPES}
    unknown = [name for folded, name in wanted.items() if folded not in known]
    if unknown:
        raise ValueError(
            f"expense voucher type {', '.join(map(repr, unknown))} is not one of "
            f"{', '.join(EXPENSE_VOUCHER_TYPES)}"
        )
    return tuple(name for name in EXPENSE_VOUCHER_TYPES if name.casefold() in wanted)


def account_filter(threshold: int) -> str:
    """PowerOffice Go's `accountNos` range for "above the threshold": `4001-` for 4000."""
    return f"{threshold + 1}-"


def source_id(row: Mapping[str, Any]) -> str:
    """The stable id of one transaction line (see the module's docstring)."""
    return f"pogo:voucher:{str(row['VoucherId']).lower()}:line:{row['Id']}"


def is_billable(override: bool | None, tenant_default: bool) -> bool:
    """The project's price-model override wins; None means the tenant's default."""
    return tenant_default if override is None else override


def select_expenses(
    rows: Iterable[Mapping[str, Any]],
    *,
    projects: Mapping[str, bool | None],
    threshold: int,
    window: Window,
    billable_default: bool,
    voucher_types: Collection[str] = EXPENSE_VOUCHER_TYPES,
) -> Selection:
    """Sort transactions into expenses and skips. `projects`: number → billable override.

    The API is asked with the same filters; they are applied again here so that a wider
    answer (or a filter PowerOffice Go ignores) can never let a wrong line through.
    """
    selection = Selection()
    seen: set[str] = set()
    for row in rows:
        reason = skip_reason(
            row, projects=projects, threshold=threshold, window=window, voucher_types=voucher_types
        )
        if reason is not None:
            selection.skipped[reason] += 1
            continue
        candidate = _candidate(row, billable_default, projects)
        if candidate.source_id not in seen:  # a row repeated across pages counts once
            seen.add(candidate.source_id)
            selection.candidates.append(candidate)
    return selection


def skip_reason(
    row: Mapping[str, Any],
    *,
    projects: Mapping[str, bool | None],
    threshold: int,
    window: Window,
    voucher_types: Collection[str] = EXPENSE_VOUCHER_TYPES,
) -> SkipReason | None:
    """None when the transaction is an expense, else the first rule it breaks."""
    if not _account_above(row.get("AccountNo"), threshold):
        return SkipReason.ACCOUNT
    if row.get("ProjectCode") not in projects:
        return SkipReason.PROJECT
    if row.get("VoucherType") not in voucher_types:
        return SkipReason.VOUCHER_TYPE
    if str(row.get("ExternalImportReference") or "").startswith(REFERENCE_PREFIX):
        return SkipReason.OWN
    if row.get("IsReversed"):
        return SkipReason.REVERSED
    if row.get("ReversedVoucherId"):
        return SkipReason.REVERSAL
    posted = _date(row.get("PostingDate") or row.get("VoucherDate"))
    if posted is None or posted not in window:
        return SkipReason.OUTSIDE_WINDOW
    return None


def amount_incl_vat(row: Mapping[str, Any]) -> Decimal:
    """`Amount` (net, NOK) + `VatAmount` (NOK): what the expense cost including VAT."""
    return _decimal(row.get("Amount")) + _decimal(row.get("VatAmount"))


def _candidate(
    row: Mapping[str, Any], billable_default: bool, projects: Mapping[str, bool | None]
) -> Candidate:
    project = str(row["ProjectCode"])
    voucher_no = row.get("VoucherNo")
    return Candidate(
        source_id=source_id(row),
        voucher_id=str(row["VoucherId"]).lower(),
        voucher_no=int(voucher_no) if voucher_no is not None else None,
        voucher_type=str(row["VoucherType"]),
        project_number=project,
        description=str(row.get("Description") or row.get("VoucherDescription") or ""),
        amount_incl_vat=amount_incl_vat(row),
        invoice_date=_date(row.get("VoucherDate") or row.get("PostingDate")),
        account_code=str(row["AccountNo"]),
        billable=is_billable(projects[project], billable_default),
    )


def _account_above(account_no: Any, threshold: int) -> bool:
    try:
        return int(account_no) > threshold
    except (TypeError, ValueError):
        return False


def _decimal(value: Any) -> Decimal:
    # Answers are parsed with Decimal for fractions, but whole numbers arrive as int.
    return Decimal(0) if value is None else Decimal(str(value))


def _date(value: Any) -> dt.date | None:
    # Date fields sometimes carry a time part ("2026-11-24T00:00:00").
    return dt.date.fromisoformat(str(value)[:10]) if value else None
