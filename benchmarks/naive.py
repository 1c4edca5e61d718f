"""The naive baseline: PowerOffice Go integration the simple way, for the month-end
benchmark to compare this system against on the same load and the same simulator.

"Naive" means the calls, not the bodies. One invoice at a time, with `requests`, and
nothing kept from one invoice to the next:

 1. a new access token (OAuth2 client credentials) for every invoice;
 2. the chart of accounts and the VAT codes, fetched for every invoice;
 3. the customer looked up by number, then created, or else sent in full (a JSON Patch
    replacing every field Moment owns, whether it changed or not);
 4. the same for the project, by its code;
 5. the voucher posted to the outgoing-invoice journal;
 6. the PDF uploaded to it.

That is 9 calls for an invoice on a project and 7 for one without; a department that the
project's answer does not resolve costs one more (`GET /Departments`). No rule is checked
first: what PowerOffice Go refuses stops the run (`NaiveTransferFailed`). The rate limit is
kept the simple way too: no limiter, and on a 429 it sleeps for the `Retry-After` and sends
the same request again, counting the 429.

The voucher body is exactly this system's (`sync_worker.mapping.invoices.voucher_body`), so
the simulator books the same vouchers both ways and the comparison is about calls alone.
The customer body is this system's too (`customer_fields`, `customer_create_body`). The
project is sent with its customer's id and its department by code, as PowerOffice Go's
`ProjectPostDto` allows; its manager is not sent, since finding the employee by the owner's
e-mail would take a look-up a simple integration does not make. Credit notes go the same
way as invoices (same journal, negative amounts), without checking that the credited
invoice is there. The one courtesy is a pooled `requests.Session`: keep-alive is not
caching, and without it the baseline would measure TCP handshakes rather than its design.

Why this is the baseline: it is how an integration is usually first written, and it is
what issue 12's outside measurement ran (8.85 calls and 0.65 invoices a second at 60-100 ms
latency, against this system's 2.45 and 3.9): its cost per invoice is fixed by its design,
so the ratio to this system holds on a noisy machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from sandbox.simulator.auth import SUBSCRIPTION_HEADER
from sync_worker import kinds
from sync_worker.mapping.customers import customer_create_body, customer_fields
from sync_worker.mapping.invoices import gross_amounts, voucher_body
from sync_worker.mapping.projects import PROJECT_STATUS
from sync_worker.mapping.references import external_import_reference
from sync_worker.poweroffice import codec
from sync_worker.schemas.entities import Customer, Invoice, Project
from sync_worker.schemas.messages import parse_message

TIMEOUT_SECONDS = 30.0
# PowerOffice Go's own default page size; the seeded charts are far below it, so every
# look-up is one call, as a simple integration assumes.
PAGE_SIZE = 5000
JSON_PATCH = "application/json-patch+json"


class NaiveTransferFailed(RuntimeError):
    """PowerOffice Go refused a call: the naive integration neither retries nor adapts."""


@dataclass(frozen=True)
class Throughput:
    """What a run transferred, the naive one's or the system's: `calls` is every request
    sent, 429s included, the same count as the simulator's `total_requests`; `status_429`
    how many of them were refused."""

    invoices: int
    calls: int
    seconds: float
    status_429: int

    @property
    def per_second(self) -> float:
        return self.invoices / self.seconds if self.seconds else 0.0

    @property
    def calls_per_invoice(self) -> float:
        return self.calls / self.invoices if self.invoices else 0.0


class NaiveIntegration:
    """One PowerOffice Go client (one Moment company), transferred one invoice at a time."""

    def __init__(
        self,
        *,
        api_base_url: str,
        token_url: str,
        application_key: str,
        subscription_key: str,
        client_key: str,
        tenant: str = "naive",
    ) -> None:
        self._api = api_base_url.rstrip("/")
        self._token_url = token_url
        # The Basic credentials of the token request; never logged.
        self._credentials = (application_key, client_key)
        self._subscription_key = subscription_key
        self._tenant = tenant
        self._session = requests.Session()
        self.calls = 0
        self.status_429 = 0
        self.invoices = 0

    def __repr__(self) -> str:
        return f"NaiveIntegration(tenant={self._tenant!r}, calls={self.calls})"

    def close(self) -> None:
        self._session.close()

    def transfer(self, message: Mapping[str, Any]) -> None:
        """Post one `invoice.finalized` or `credit_note.finalized` message's voucher and
        its PDF; any other message type is refused (`ValueError`)."""
        envelope = parse_message(dict(message))
        invoice, kind = envelope.data, envelope.kind
        if kind not in (kinds.INVOICE, kinds.CREDIT_NOTE) or not isinstance(invoice, Invoice):
            raise ValueError(f"the naive baseline transfers vouchers only, not {envelope.type}")
        token = self._token()
        accounts = {
            str(row["AccountNo"]): row for row in self._list(token, "/GeneralLedgerAccounts")
        }
        vat_codes = _vat_codes_by_code(self._list(token, "/VatCodes"))
        customer = self._send_customer(token, invoice.customer)
        project = self._send_project(token, invoice.project, customer) if invoice.project else None
        vat_rates = {code: Decimal(str(row["Rate"])) for code, row in vat_codes.items()}
        body = voucher_body(
            invoice,
            kind=kind,
            external_reference=external_import_reference(self._tenant, kind, str(invoice.number)),
            customer_ledger_id=int(customer["SubledgerAccountId"]),
            project_id=int(project["Id"]) if project else None,
            department_id=self._department_id(token, invoice.department_code, project),
            account_ids={code: int(row["Id"]) for code, row in accounts.items()},
            vat_ids={code: int(row["Id"]) for code, row in vat_codes.items()},
            gross=gross_amounts(invoice, vat_rates),
        )
        voucher = self._json(token, "POST", "/Vouchers/OutgoingInvoiceJournals", body)
        attachment = invoice.attachment
        self._call(
            "PUT",
            f"{self._api}/VoucherDocumentation",
            headers=self._headers(token),
            params={"id": voucher["Id"]},
            files={"file": (attachment.filename, attachment.content, "application/pdf")},
        )
        self.invoices += 1

    # --- the steps ---------------------------------------------------------------------------

    def _token(self) -> str:
        response = self._call(
            "POST",
            self._token_url,
            auth=self._credentials,
            headers={SUBSCRIPTION_HEADER: self._subscription_key, "Accept": "application/json"},
            data={"grant_type": "client_credentials"},
        )
        return str(response.json()["access_token"])

    def _send_customer(self, token: str, customer: Customer) -> dict[str, Any]:
        """The customer as PowerOffice Go has it after sending it: created, or patched in
        full. Its `SubledgerAccountId` is what the voucher names."""
        number = int(customer.number)
        found = self._find(token, "/Customers", "customerNos", number, "Number")
        if found is None:
            reference = external_import_reference(self._tenant, kinds.CUSTOMER, customer.number)
            body = customer_create_body(customer, external_reference=reference)
            return self._json(token, "POST", "/Customers", body)
        self._patch(token, f"/Customers/{found['Id']}", customer_fields(customer))
        # The sub-ledger account never changes with a patch: the row found has it.
        return found

    def _send_project(
        self, token: str, project: Project, customer: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The project as PowerOffice Go has it after sending it, created or patched in full."""
        fields = {
            "Name": project.name,
            "Code": project.number,
            "CustomerId": int(customer["Id"]),
            "DepartmentCode": project.department_code,
            "ProjectStatus": PROJECT_STATUS[project.state],
            "IsActive": project.state == "active",
        }
        found = self._find(token, "/Projects", "projectCodes", project.number, "Code")
        if found is None:
            return self._json(token, "POST", "/Projects", fields)
        patched = self._patch(token, f"/Projects/{found['Id']}", fields)
        # PowerOffice Go may answer a project's PATCH without a body: then the row found
        # is what it has, which `_department_id` only trusts for an unchanged department.
        return patched if isinstance(patched, dict) and patched.get("Id") else found

    def _department_id(
        self, token: str, code: str | None, project: Mapping[str, Any] | None
    ) -> int | None:
        """The voucher's department: the project's answer has its id when it is the same
        department; any other costs a look-up."""
        if code is None:
            return None
        if project is not None and project.get("DepartmentCode") == code:
            return int(project["DepartmentId"])
        rows = self._list(token, "/Departments", codes=code)
        match = next((row for row in rows if row.get("Code") == code), None)
        if match is None:
            raise NaiveTransferFailed(f"department {code} does not exist in PowerOffice Go")
        return int(match["Id"])

    # --- HTTP --------------------------------------------------------------------------------

    def _find(
        self, token: str, path: str, name: str, value: Any, field: str
    ) -> dict[str, Any] | None:
        rows = self._list(token, path, **{name: value})
        return next((row for row in rows if str(row.get(field)) == str(value)), None)

    def _list(self, token: str, path: str, **params: Any) -> list[dict[str, Any]]:
        response = self._call(
            "GET",
            self._api + path,
            headers=self._headers(token),
            params={**params, "PageSize": PAGE_SIZE},
        )
        return [] if response.status_code == 204 else codec.decode(response.content)

    def _patch(self, token: str, path: str, fields: Mapping[str, Any]) -> Any:
        """Every field replaced, changed or not: the naive integration keeps no state to
        tell."""
        operations = [
            {"op": "replace", "path": f"/{name}", "value": value} for name, value in fields.items()
        ]
        response = self._call(
            "PATCH",
            self._api + path,
            headers={**self._headers(token), "Content-Type": JSON_PATCH},
            data=codec.encode(operations),
        )
        return codec.decode(response.content)

    def _json(self, token: str, method: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        response = self._call(
            method,
            self._api + path,
            headers={**self._headers(token), "Content-Type": "application/json"},
            data=codec.encode(body),  # Decimal amounts exact, as PowerOffice Go needs them
        )
        return codec.decode(response.content)

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            SUBSCRIPTION_HEADER: self._subscription_key,
            "Accept": "application/json",
        }

    def _call(self, method: str, url: str, **options: Any) -> requests.Response:
        """Send until the answer is not a 429, sleeping its `Retry-After` each time."""
        while True:
            self.calls += 1
            response = self._session.request(method, url, timeout=TIMEOUT_SECONDS, **options)
            if response.status_code != 429:
                break
            self.status_429 += 1
            time.sleep(_retry_after(response))
        if not response.ok:
            operation = f"{method} {url.removeprefix(self._api)}"
            # The answer's own words only: the request carries the keys and the token.
            raise NaiveTransferFailed(f"{operation}: {response.status_code} {response.text[:300]}")
        return response


def _vat_codes_by_code(rows: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """VAT codes by `Code`; a code listed once per validity period counts as its active row."""
    codes: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        code = str(row["Code"])
        if code not in codes or row.get("IsActive"):
            codes[code] = row
    return codes


def _retry_after(response: requests.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:  # an HTTP date: the documented answer is seconds, so wait one
        return 1.0


def run_naive(integration: NaiveIntegration, messages: Iterable[Mapping[str, Any]]) -> Throughput:
    """Transfer `messages` in order, one at a time; what that took."""
    calls, status_429, invoices = integration.calls, integration.status_429, integration.invoices
    started = time.perf_counter()
    for message in messages:
        integration.transfer(message)
    return Throughput(
        invoices=integration.invoices - invoices,
        calls=integration.calls - calls,
        seconds=time.perf_counter() - started,
        status_429=integration.status_429 - status_429,
    )
