"""A PowerOffice Go kept in dicts, and a transfer run for a message stored as Moment stores it.

`FakePowerOffice` stands in for `PowerOfficeClient`: the resource attributes and methods
the transfer steps call, each recorded as the HTTP call the real resource sends
("GET /Customers", "POST /Vouchers/OutgoingInvoiceJournals"), with its body. Look-ups
answer from a warm cache, which costs no call; `refresh=True` asks PowerOffice Go and is
recorded. A test makes the cache older than PowerOffice Go by setting `cached`, and
scripts the next answers to a call with `answer`: an exception to raise, `LOST_ANSWER`
(the call lands, its answer is lost), a function to answer with, or a value to return.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from sync_worker.db.models import Attempt, EntityState, Message
from sync_worker.db.session import session_scope
from sync_worker.errors import NotFound, SyncError, TransientError
from sync_worker.producer import publish
from sync_worker.schemas.messages import parse_message
from sync_worker.transfers import state as states
from sync_worker.transfers.context import CallLog, Transfer

ACCOUNTS = {
    "3000": {"Id": 3000001, "AccountNo": 3000, "IsActive": True, "VatCode": "3"},
    "3100": {"Id": 3100001, "AccountNo": 3100, "IsActive": True, "VatCode": "5"},
    "7740": {"Id": 7740001, "AccountNo": 7740, "IsActive": True, "VatCode": "0"},
}
VAT_CODES = {
    "3": {"Id": 33, "Code": "3", "Rate": Decimal("0.25")},
    "5": {"Id": 55, "Code": "5", "Rate": Decimal("0")},
    "0": {"Id": 11, "Code": "0", "Rate": Decimal("0")},
}
DEPARTMENTS = {
    "20": {"Id": 2020, "Code": "20", "IsActive": True},
    "30": {"Id": 3030, "Code": "30", "IsActive": True},
}
KARI = {"Id": 501, "EmailAddress": "kari.nordmann@acme.no"}
EMPLOYEES = [
    KARI,
    {"Id": 502, "EmailAddress": "ola.nordmann@acme.no"},
    {"Id": 503, "EmailAddress": "nils.hansen@acme.no"},
]
CUSTOMER_NUMBER_SERIES = [range(10000, 100000)]

POST_VOUCHER = "POST /Vouchers/OutgoingInvoiceJournals"
FIND_VOUCHER = "GET /OutgoingInvoices"


class LostAnswer(TransientError):
    """The request reached PowerOffice Go and was carried out; its answer never came back."""


LOST_ANSWER = LostAnswer("the connection dropped before PowerOffice Go answered")


class FakePowerOffice:
    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.call_log = CallLog()  # what `Transfer.calls` is fed by the real client's observer
        self._scripted: dict[str, deque[Any]] = defaultdict(deque)
        self.customers = Customers(self, "/Customers")
        self.projects = Projects(self, "/Projects")
        self.outgoing_invoices = OutgoingInvoices(self, "/OutgoingInvoices")
        self.outgoing_invoice_journals = OutgoingInvoiceJournals(self, self.outgoing_invoices)
        self.voucher_documentation = VoucherDocumentation(self)
        self.accounts = Accounts(self, "/GeneralLedgerAccounts", ACCOUNTS)
        self.vat_codes = ByCode(self, "/VatCodes", VAT_CODES)
        self.departments = ByCode(self, "/Departments", DEPARTMENTS)
        self.employees = Employees(self, "/Employees", EMPLOYEES)
        self.lock_date = LockDate(self, "/LockDateSettings", None)
        self.number_series = NumberSeries(self, "/SubLedgerNumberSeries", CUSTOMER_NUMBER_SERIES)

    @property
    def calls(self) -> list[str]:
        return [call for call, _ in self.requests]

    def bodies(self, call: str) -> list[Any]:
        return [body for made, body in self.requests if made == call]

    def answer(self, call: str, *answers: Any) -> None:
        """The next answers to `call`, in order, instead of what the store would say."""
        self._scripted[call].extend(answers)

    def forget_calls(self) -> None:
        self.requests.clear()

    def call(self, call: str, body: Any, carry_out: Callable[[], Any]) -> Any:
        self.requests.append((call, body))
        scripted = self._scripted[call]
        answer = scripted.popleft() if scripted else carry_out
        if answer is LOST_ANSWER:
            carry_out()
        if isinstance(answer, SyncError):
            self._observe(call, answer.http_status)
            raise answer
        result = answer() if callable(answer) else answer
        self._observe(call, 201 if call.startswith("POST") else 200)
        return result

    def _observe(self, call: str, status: int | None) -> None:
        if status is not None:
            method, path = call.split(" ", 1)
            self.call_log(method, path, status, 0.0)


# --- collections PowerOffice Go keeps ---------------------------------------------------------


class Collection:
    def __init__(self, pogo: FakePowerOffice, path: str) -> None:
        self.pogo = pogo
        self.path = path
        self.rows: dict[Any, dict] = {}
        self._ids = itertools.count(1001)

    def add(self, **row: Any) -> dict:
        """A row as if someone had made it in PowerOffice Go."""
        row.setdefault("Id", next(self._ids))
        self.rows[row["Id"]] = row
        return row

    def get(self, item_id: Any) -> dict:
        def read() -> dict:
            if item_id not in self.rows:
                raise NotFound(f"GET {self.path}/{item_id}: 404", http_status=404)
            return self.rows[item_id]

        return self.pogo.call(f"GET {self.path}/{item_id}", None, read)

    def create(self, body: dict) -> dict:
        return self.pogo.call(f"POST {self.path}", body, lambda: self.add(**body))

    def patch(self, item_id: Any, operations: list[dict]) -> dict:
        return self.pogo.call(f"PATCH {self.path}/{item_id}", operations, lambda: {"Id": item_id})

    def _find(self, matches: Callable[[dict], bool]) -> dict | None:
        return self.pogo.call(
            f"GET {self.path}", None, lambda: next(filter(matches, self.rows.values()), None)
        )


class Customers(Collection):
    def add(self, **row: Any) -> dict:
        row = super().add(**row)
        row.setdefault("SubledgerAccountId", 900_000 + row["Id"])
        return row

    def find_by_number(self, number: int) -> dict | None:
        return self._find(lambda row: str(row.get("Number")) == str(number))


class Projects(Collection):
    def find_by_code(self, code: str) -> dict | None:
        return self._find(lambda row: str(row.get("Code")).casefold() == code.casefold())


class OutgoingInvoices(Collection):
    def add(self, **row: Any) -> dict:
        row.setdefault("Id", str(uuid.uuid4()))  # a voucher's id is a uuid
        return super().add(**row)

    def find_by_invoice_no(self, invoice_no: int | str) -> dict | None:
        return self._find(lambda row: str(row.get("InvoiceNo")) == str(invoice_no))


class OutgoingInvoiceJournals:
    """Posting a voucher makes it an outgoing invoice, found again by its number."""

    path = "/Vouchers/OutgoingInvoiceJournals"

    def __init__(self, pogo: FakePowerOffice, invoices: OutgoingInvoices) -> None:
        self.pogo = pogo
        self.invoices = invoices

    def create(self, body: dict) -> dict:
        return self.pogo.call(POST_VOUCHER, body, lambda: self.land(body))

    def land(self, body: dict) -> dict:
        return self.invoices.add(
            InvoiceNo=body["InvoiceNo"],
            ExternalImportReference=body["ExternalImportReference"],
            VoucherNo=len(self.invoices.rows) + 1,
        )

    def get(self, voucher_id: str) -> dict:
        return self.pogo.call(
            f"GET {self.path}/{voucher_id}", None, lambda: self.invoices.rows[voucher_id]
        )


class VoucherDocumentation:
    def __init__(self, pogo: FakePowerOffice) -> None:
        self.pogo = pogo

    def upload(self, voucher_id: str, filename: str, pdf: bytes) -> None:
        self.pogo.call("PUT /VoucherDocumentation", (voucher_id, filename, pdf), lambda: None)


# --- cached look-ups -------------------------------------------------------------------------


class CachedLookup:
    """What PowerOffice Go says (`live`) and the copy in the look-up cache (`cached`)."""

    def __init__(self, pogo: FakePowerOffice, path: str, live: Any) -> None:
        self.pogo = pogo
        self.path = path
        self.live = live
        self.cached = live

    def read(self, refresh: bool) -> Any:
        if refresh:
            self.cached = self.pogo.call(f"GET {self.path}", None, lambda: self.live)
        return self.cached


class Accounts(CachedLookup):
    def by_number(self, *, refresh: bool = False) -> dict[str, dict]:
        return self.read(refresh)


class ByCode(CachedLookup):
    def by_code(self, *, refresh: bool = False) -> dict[str, dict]:
        return self.read(refresh)


class LockDate(CachedLookup):
    def get(self, *, refresh: bool = False) -> dt.date | None:
        return self.read(refresh)


class NumberSeries(CachedLookup):
    def customer_numbers(self, *, refresh: bool = False) -> list[range]:
        return self.read(refresh)


class Employees(CachedLookup):
    def find_by_email(self, email: str, *, refresh: bool = False) -> dict | None:
        wanted = email.casefold()
        rows = self.read(refresh)
        return next((row for row in rows if row["EmailAddress"].casefold() == wanted), None)


# --- a run for a stored message ----------------------------------------------------------------


def stored(message: dict[str, Any]) -> str:
    """Store the message through the producer, as Moment's backend does; its id."""
    publish(message)
    return message["message_id"]


def transfer_for(message_id: str, pogo: FakePowerOffice) -> Transfer:
    """The run the runner would make for a stored message, talking to `pogo`."""
    with session_scope() as session:
        message = session.get_one(Message, message_id)
        tenant = message.tenant
    return Transfer(
        tenant=tenant,
        message=message,
        envelope=parse_message(message.payload),
        client=pogo,
        calls=pogo.call_log,
    )


def state_of(run: Transfer, kind: str | None = None, number: str | None = None) -> EntityState:
    """The state of the run's entity, or of another entity of the run's tenant."""
    return states.read_state(
        run.tenant.id, kind or run.message.kind, number or run.message.entity_number
    )


def history(run: Transfer, kind: str | None = None, number: str | None = None) -> list[Attempt]:
    """The attempts logged for one entity (the run's, by default), oldest first."""
    state_id = state_of(run, kind, number).id
    with session_scope() as session:
        return list(
            session.scalars(
                select(Attempt).where(Attempt.entity_state_id == state_id).order_by(Attempt.id)
            )
        )
