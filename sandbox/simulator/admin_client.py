"""`SimulatorAdmin`: the admin API from Python, for tests, the demo and the benchmarks.

Amounts go out as exact JSON numbers and come back as Decimal; dates may be given as
`datetime.date` or ISO strings.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import requests

from sandbox.simulator import jsonio


class SimulatorAdminError(RuntimeError):
    """The admin API refused a call; the message is its explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def _date(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def _expense_line(line: Mapping[str, Any]) -> dict[str, Any]:
    """One voucher line: account_no, net_amount, vat_code, project_code, description, and
    on a journal supplier_no."""
    vat_code = line.get("vat_code")
    return {
        "account_no": line["account_no"],
        "net_amount": Decimal(str(line["net_amount"])),
        "vat_code": None if vat_code is None else str(vat_code),
        "project_code": line.get("project_code"),
        "description": line.get("description", ""),
        "supplier_no": line.get("supplier_no"),
    }


def _base64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def _documentation(
    pdf: bytes | None, pdf_filename: str | None, page_images: Sequence[bytes], ehf: bool
) -> dict[str, Any]:
    return {
        "pdf_base64": None if pdf is None else _base64(pdf),
        "pdf_filename": pdf_filename,
        "page_images": [{"jpeg_base64": _base64(page)} for page in page_images],
        "ehf": ehf,
    }


class SimulatorAdmin:
    def __init__(
        self, base_url: str, *, timeout: float = 30.0, session: requests.Session | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/_admin"
        self._timeout = timeout
        self._session = session or requests.Session()

    def _call(
        self, method: str, path: str, body: Any = None, params: Mapping[str, str] | None = None
    ) -> Any:
        response = self._session.request(
            method,
            self.base_url + path,
            data=None if body is None else jsonio.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            params=params,
            timeout=self._timeout,
        )
        data = jsonio.loads(response.content) if response.content else None
        if response.status_code >= 400:
            message = data.get("error") if isinstance(data, dict) else response.text
            raise SimulatorAdminError(response.status_code, str(message))
        return data

    # --- service ---

    def health(self) -> dict:
        return self._call("GET", "/health")

    def reset(self) -> None:
        """Forget every client, token, statistic and fault."""
        self._call("POST", "/reset")

    # --- clients and their books ---

    def create_client(
        self,
        client_key: str,
        name: str | None = None,
        *,
        application_key: str | None = None,
        subscription_key: str | None = None,
    ) -> dict:
        """A new, empty client; the keys, when given, are accepted from now on too."""
        body = {
            "client_key": client_key,
            "name": name,
            "application_key": application_key,
            "subscription_key": subscription_key,
        }
        return self._call("POST", "/clients", body)

    def clients(self) -> list[dict]:
        return self._call("GET", "/clients")

    def client(self, client_key: str) -> dict:
        return self._call("GET", f"/clients/{client_key}")

    def seed_client(self, client_key: str, *, lock_date: dt.date | str | None = None) -> dict:
        """The realistic Norwegian setup (accounts, VAT codes, departments, staff, suppliers)."""
        return self._call("POST", f"/clients/{client_key}/seed", {"lock_date": _date(lock_date)})

    def add_account(
        self,
        client_key: str,
        account_no: int,
        name: str,
        *,
        vat_code: str | None = None,
        account_type: str | None = None,
        is_active: bool = True,
        is_project_required: bool = False,
        is_department_required: bool = False,
        is_vat_code_locked: bool = False,
    ) -> dict:
        body = {
            "account_no": account_no,
            "name": name,
            "vat_code": vat_code,
            "account_type": account_type,
            "is_active": is_active,
            "is_project_required": is_project_required,
            "is_department_required": is_department_required,
            "is_vat_code_locked": is_vat_code_locked,
        }
        return self._call("POST", f"/clients/{client_key}/accounts", body)

    def add_vat_code(
        self, client_key: str, code: str, name: str, rate: Decimal | str, *, is_active: bool = True
    ) -> dict:
        body = {"code": code, "name": name, "rate": Decimal(str(rate)), "is_active": is_active}
        return self._call("POST", f"/clients/{client_key}/vat-codes", body)

    def add_department(
        self, client_key: str, code: str, name: str, *, is_active: bool = True
    ) -> dict:
        body = {"code": code, "name": name, "is_active": is_active}
        return self._call("POST", f"/clients/{client_key}/departments", body)

    def add_employee(
        self,
        client_key: str,
        first_name: str,
        last_name: str,
        email: str,
        *,
        number: int | None = None,
    ) -> dict:
        body = {"first_name": first_name, "last_name": last_name, "email": email, "number": number}
        return self._call("POST", f"/clients/{client_key}/employees", body)

    def add_supplier(
        self, client_key: str, number: int, name: str, *, organization_number: str | None = None
    ) -> dict:
        body = {"number": number, "name": name, "organization_number": organization_number}
        return self._call("POST", f"/clients/{client_key}/suppliers", body)

    def set_lock_date(self, client_key: str, lock_date: dt.date | str | None) -> dict:
        return self._call(
            "PUT", f"/clients/{client_key}/lock-date", {"lock_date": _date(lock_date)}
        )

    def set_invalid_privileges(self, client_key: str, privileges: Iterable[str]) -> dict:
        """The privileges the integration lacks for this client from now on (none: `()`);
        `GET /ClientIntegrationInformation` lists them and their endpoints answer 403."""
        body = {"invalid": list(privileges)}
        return self._call("PUT", f"/clients/{client_key}/privileges", body)

    def add_supplier_voucher(
        self,
        client_key: str,
        *,
        supplier_no: int,
        voucher_date: dt.date | str,
        lines: Iterable[Mapping[str, Any]],
        posting_date: dt.date | str | None = None,
        currency_code: str = "NOK",
        exchange_rate: Decimal | str = "1",
        description: str = "",
        invoice_no: str | None = None,
        due_date: dt.date | str | None = None,
        pdf: bytes | None = None,
        pdf_filename: str | None = None,
        page_images: Sequence[bytes] = (),
        ehf: bool = False,
        is_reversed: bool = False,
        voucher_type: str = "IncomingInvoice",
    ) -> dict:
        """A posted supplier voucher; `lines` hold account_no, net_amount, vat_code,
        project_code, description. Its documentation: a PDF, or scanned pages (JPEGs in
        sort order, e.g. `books.page_image(n)`), with `ehf` an EHF invoice rendered as
        those pages. `is_reversed` posts it and reverses it at once. Returns it with its
        account transactions."""
        body = {
            "supplier_no": supplier_no,
            "voucher_date": _date(voucher_date),
            "posting_date": _date(posting_date),
            "due_date": _date(due_date),
            "currency_code": currency_code,
            "exchange_rate": Decimal(str(exchange_rate)),
            "description": description,
            "invoice_no": invoice_no,
            **_documentation(pdf, pdf_filename, page_images, ehf),
            "reversed": is_reversed,
            "voucher_type": voucher_type,
            "lines": [_expense_line(line) for line in lines],
        }
        return self._call("POST", f"/clients/{client_key}/supplier-vouchers", body)

    def add_journal(
        self,
        client_key: str,
        *,
        voucher_type: str,
        voucher_date: dt.date | str,
        lines: Iterable[Mapping[str, Any]],
        posting_date: dt.date | str | None = None,
        description: str = "",
        pdf: bytes | None = None,
        pdf_filename: str | None = None,
        page_images: Sequence[bytes] = (),
        is_reversed: bool = False,
    ) -> dict:
        """A posted journal in NOK: ManualJournal, PayrollJournal, Expense, TravelExpense,
        CashJournal or BankJournal. Lines as for a supplier voucher, plus `supplier_no` on
        a supplier-ledger line; with their VAT they must sum to zero."""
        body = {
            "voucher_type": voucher_type,
            "voucher_date": _date(voucher_date),
            "posting_date": _date(posting_date),
            "description": description,
            **_documentation(pdf, pdf_filename, page_images, ehf=False),
            "reversed": is_reversed,
            "lines": [_expense_line(line) for line in lines],
        }
        return self._call("POST", f"/clients/{client_key}/journals", body)

    def reverse_voucher(self, client_key: str, voucher_id: str) -> dict:
        """Reverse a voucher as a person does in PowerOffice Go; the reversal voucher back."""
        return self._call("POST", f"/clients/{client_key}/vouchers/{voucher_id}/reverse")

    def key_in_copy(
        self, client_key: str, voucher_id: str, *, total: Decimal | str | None = None
    ) -> dict:
        """Key an outgoing voucher in again by hand (same invoice number, not this
        integration's, no PDF), with `total` as its total when given; the copy's view back."""
        body = {"total": None if total is None else Decimal(str(total))}
        return self._call("POST", f"/clients/{client_key}/vouchers/{voucher_id}/key-in-copy", body)

    # --- read-back ---

    def customers(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "customers")

    def projects(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "projects")

    def departments(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "departments")

    def employees(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "employees")

    def accounts(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "accounts")

    def vat_codes(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "vat-codes")

    def suppliers(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "suppliers")

    def vouchers(self, client_key: str) -> list[dict]:
        """Every voucher with its lines, `HasPdf`/`HasImages`/`HasEhf` and account
        transactions."""
        return self._collection(client_key, "vouchers")

    def transactions(self, client_key: str) -> list[dict]:
        return self._collection(client_key, "transactions")

    def documents(self, client_key: str, *, include_bytes: bool = False) -> list[dict]:
        """Every file of every voucher's documentation (`kind`: pdf, image or ehf): size
        and sha256, and `content` (bytes) when asked for."""
        params = {"include_bytes": "true"} if include_bytes else None
        rows = self._call("GET", f"/clients/{client_key}/documents", params=params)
        for row in rows:
            if "content_base64" in row:
                row["content"] = base64.b64decode(row.pop("content_base64"))
        return rows

    def _collection(self, client_key: str, name: str) -> list[dict]:
        return self._call("GET", f"/clients/{client_key}/{name}")

    # --- statistics, faults, tokens, rate limit ---

    def stats(self) -> dict:
        return self._call("GET", "/stats")

    def reset_stats(self) -> None:
        self._call("POST", "/stats/reset")

    def max_requests_per_window(self, subscription_key: str) -> int:
        """The most requests seen with this subscription key in any one-second window."""
        return self.stats()["max_requests_per_window"].get(subscription_key, 0)

    def faults(self) -> dict:
        """The active fault settings (`config`) and what is left of counted ones."""
        return self._call("GET", "/faults")

    def set_faults(self, **settings: Any) -> dict:
        """Replace the fault settings (names as in `FaultConfig`); unnamed ones are off."""
        return self._call("PUT", "/faults", settings)

    def clear_faults(self) -> dict:
        return self._call("DELETE", "/faults")

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now."""
        self._call("POST", "/tokens/expire")

    def rate_limit(self) -> int | None:
        return self._call("GET", "/rate-limit")["per_second"]

    def set_rate_limit(self, per_second: int | None) -> None:
        """Requests per second per subscription key; None switches the limit off."""
        self._call("PUT", "/rate-limit", {"per_second": per_second})
