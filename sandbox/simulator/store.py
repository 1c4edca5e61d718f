"""In-memory state: one `ClientState` per PowerOffice Go client (client key).

Rows are kept as the DTO dicts the API answers with (PascalCase), which keeps JSON Patch
and the admin read-back trivial. Every read and write happens inside
`Store.transaction()`: one re-entrant lock, held for a whole request so that a check
("InvoiceNo not yet in use") and the write after it cannot interleave with another
request's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Ids look like PowerOffice Go's (large int64), and are unique across clients so that an
# id used with the wrong client key is "not found" instead of silently someone else's row.
FIRST_ID = 1_000_001
FIRST_VOUCHER_NO = 10_001

# The keys of every account-transaction row (the part of AccountTransactionDto the
# simulator fills), whichever voucher it comes from, so that a reader meets one shape.
TRANSACTION_KEYS = (
    "Id",
    "VoucherId",
    "VoucherNo",
    "VoucherDate",
    "PostingDate",
    "VoucherType",
    "VoucherDescription",
    "CurrencyCode",
    "SupplierAccountNo",
    "CustomerAccountNo",
    "ContactId",
    "IsReversed",
    "AccountNo",
    "Amount",
    "CurrencyAmount",
    "VatAmount",
    "VatCode",
    "Description",
    "ProjectCode",
    "DepartmentCode",
    "ExternalImportReference",
    "ReversedVoucherId",
    "ReversedVoucherNo",
)
# Set only where they apply: a voucher posted through the API, a reversal voucher.
_OPTIONAL_TRANSACTION_KEYS = ("ExternalImportReference", "ReversedVoucherId", "ReversedVoucherNo")


def now_text() -> str:
    """A timestamp as PowerOffice Go writes them: ISO 8601 with an offset."""
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass
class Document:
    """One file of a voucher's documentation: a PDF, a page image or an EHF document."""

    filename: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class LineAmounts:
    """What PowerOffice Go derives from a gross voucher line, in the voucher's currency."""

    net: Decimal
    vat: Decimal


@dataclass
class Voucher:
    """A posted voucher. `dto` is what the API answers with (outgoing vouchers) or what the
    admin API posted (supplier vouchers); both carry `VoucherDate` and `IsReversed`."""

    id: str
    voucher_no: int
    voucher_type: str
    dto: dict[str, Any]
    is_imported: bool  # posted through the API (PowerOffice Go's "imported" flag)
    pdf: Document | None = None
    line_amounts: tuple[LineAmounts, ...] = ()  # outgoing vouchers: one per gross line
    # Scanned or EHF vouchers: JPEG pages in sort order, and the EHF document itself.
    images: tuple[Document, ...] = ()
    ehf: Document | None = None

    @property
    def voucher_date(self) -> str:
        return self.dto["VoucherDate"]

    @property
    def is_reversed(self) -> bool:
        return bool(self.dto["IsReversed"])


@dataclass
class ClientState:
    """Everything one PowerOffice Go client holds."""

    client_key: str
    name: str
    ids: Iterator[int] = field(repr=False)
    customers: dict[int, dict] = field(default_factory=dict)
    projects: dict[int, dict] = field(default_factory=dict)
    departments: dict[int, dict] = field(default_factory=dict)
    employees: dict[int, dict] = field(default_factory=dict)
    accounts: dict[int, dict] = field(default_factory=dict)
    vat_codes: dict[int, dict] = field(default_factory=dict)
    suppliers: dict[int, dict] = field(default_factory=dict)
    vouchers: dict[str, Voucher] = field(default_factory=dict)
    transactions: list[dict] = field(default_factory=list)
    lock_date: str | None = None
    # Privileges the integration lacks for this client (`resources.integration`).
    invalid_privileges: set[str] = field(default_factory=set)
    # PowerOffice Go's default sub-ledger series: customers 10000–19999, suppliers 20000–29999.
    number_series: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"Customer": (10000, 19999), "Supplier": (20000, 29999)}
    )
    _voucher_nos: Iterator[int] = field(
        default_factory=lambda: itertools.count(FIRST_VOUCHER_NO), repr=False
    )

    def next_id(self) -> int:
        return next(self.ids)

    def next_voucher_no(self) -> int:
        return next(self._voucher_nos)

    def summary(self) -> dict[str, Any]:
        return {
            "client_key": self.client_key,
            "name": self.name,
            "lock_date": self.lock_date,
            "counts": {
                "customers": len(self.customers),
                "projects": len(self.projects),
                "departments": len(self.departments),
                "employees": len(self.employees),
                "accounts": len(self.accounts),
                "vat_codes": len(self.vat_codes),
                "suppliers": len(self.suppliers),
                "vouchers": len(self.vouchers),
                "transactions": len(self.transactions),
            },
        }


def transaction_row(**fields: Any) -> dict[str, Any]:
    """An account-transaction row with exactly `TRANSACTION_KEYS`, in that order."""
    fields = dict.fromkeys(_OPTIONAL_TRANSACTION_KEYS) | fields
    if set(fields) != set(TRANSACTION_KEYS):
        wrong = sorted(set(fields).symmetric_difference(TRANSACTION_KEYS))
        raise ValueError(f"a transaction row has exactly TRANSACTION_KEYS; check {wrong}")
    return {key: fields[key] for key in TRANSACTION_KEYS}


def ledger_row(
    common: dict[str, Any],
    account_no: int,
    amount: Decimal,
    currency_amount: Decimal,
    description: str,
) -> dict[str, Any]:
    """A balance-sheet row (VAT, a customer's or a supplier's ledger) of a voucher whose
    shared fields are `common`: no VAT code, project or department, so a project's report
    never shows it."""
    return {
        "SupplierAccountNo": None,
        "CustomerAccountNo": None,
        "ContactId": None,
        **common,
        "AccountNo": account_no,
        "Amount": amount,
        "CurrencyAmount": currency_amount,
        "VatAmount": Decimal("0.00"),
        "VatCode": None,
        "Description": description,
        "ProjectCode": None,
        "DepartmentCode": None,
    }


def find(rows: dict[int, dict], key: str, value: Any) -> dict | None:
    """The row whose `key` equals `value` (text compared case-insensitively), or None."""
    if isinstance(value, str):
        wanted = value.casefold()
        return next((row for row in rows.values() if _folded(row.get(key)) == wanted), None)
    return next((row for row in rows.values() if row.get(key) == value), None)


def _folded(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class Store:
    """All clients, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._clients: dict[str, ClientState] = {}
        self._ids = itertools.count(FIRST_ID)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._lock:
            yield self

    def create_client(self, client_key: str, name: str) -> ClientState:
        if client_key in self._clients:
            raise ValueError(f"client key {client_key!r} already exists")
        client = ClientState(client_key, name, self._ids)
        self._clients[client_key] = client
        return client

    def client(self, client_key: str) -> ClientState | None:
        return self._clients.get(client_key)

    def clients(self) -> list[ClientState]:
        return list(self._clients.values())

    def clear(self) -> None:
        """Forget every client (ids keep counting, so old ids never come back)."""
        self._clients.clear()
