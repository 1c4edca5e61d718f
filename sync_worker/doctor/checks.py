"""The setup doctor's checks: pure functions from PowerOffice Go's look-ups and what Moment
has sent so far to findings. No I/O (`run` does that), so each is tested without a network.

Each finding says what was checked and, unless it is ✓, what to do, in the voice of the
export rules (`sync_worker.mapping.rules`): what, where, what to do. Where a rule decides
whether PowerOffice Go refuses something (a customer's delivery type, a department, the
closed period), the rule itself is asked, so the doctor and the transfers never disagree.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync_worker.mapping import rules
from sync_worker.mapping.customers import PRINT_DELIVERY
from sync_worker.mapping.gross import MOMENT_ROUNDING_ACCOUNT, POWEROFFICE_ROUNDING_ACCOUNT
from sync_worker.schemas.entities import Customer, Invoice, Project

Lookup = Mapping[str, Mapping[str, Any]]

# Numbers named in one finding before "and N more": a finding is read, not scanned.
SHOWN = 10

# The privileges each transfer needs ("Auth roles" in PowerOffice Go's spec), and what
# stops working without them.
TRANSFER_PRIVILEGES = {
    "Customer_Full": "customers (and the customer of every invoice)",
    "Project_Full": "projects (and the project of every invoice)",
    "Department": "departments on projects and invoices",
    "Employee": "project managers, found by the project owner's e-mail",
    "GeneralLedgerAccount": "invoices and credit notes (their accounts)",
    "CommonServices": "invoices, credit notes and customers (VAT codes, lock date, "
    "customer number series)",
    "OutgoingInvoiceVoucher_Full": "invoices and credit notes",
    "OutgoingInvoice": "credit notes (finding the invoice they credit)",
    "VoucherDocumentation_Full": "invoice PDFs and expense attachments",
}
EXPENSE_PRIVILEGES = {
    "AccountTransaction": "the expense import",
    "IncomingInvoice": "the expense import (suppliers of expenses)",
    "Supplier": "the expense import (suppliers' names)",
}
GRANT_FIX = (
    "Ask PowerOffice Go support to grant the Moment Prosjekt integration the privilege {name} "
    "for this client, or activate the module it belongs to in PowerOffice Go (Menu > "
    "Settings > Extensions), then run the doctor again."
)


class Status(enum.StrEnum):
    OK = "✓"
    WARNING = "⚠"
    FAILED = "✗"


@dataclass(frozen=True, slots=True)
class Finding:
    status: Status
    check: str  # which check: "client key", "accounts", …
    what: str  # what was checked, and what was found
    fix: str | None = None  # what to do; None when nothing is to be done


@dataclass(frozen=True, slots=True)
class MomentData:
    """What Moment has sent this tenant so far: the latest version of each entity."""

    invoices: Sequence[Invoice]  # invoices and credit notes
    waiting: Sequence[Invoice]  # those not transferred yet
    new_customers: Sequence[Customer]  # customers not yet in PowerOffice Go
    projects: Sequence[Project]


@dataclass(frozen=True, slots=True)
class ExpenseSetup:
    enabled: bool
    billable_default: bool
    voucher_types: Sequence[str]
    projects_known: int
    new_expenses: int | None  # None: not counted


# --- 1. the client key and the privileges --------------------------------------------------


def key_refused(error: str) -> Finding:
    return Finding(
        Status.FAILED,
        "client key",
        f"PowerOffice Go refused the client key: {error}",
        "Copy the client key again from PowerOffice Go (Menu > Settings > Extensions > "
        '"Moment Prosjekt") and store it with `sync-worker tenant update <tenant> '
        "--client-key`. A key from the demo environment does not work in production.",
    )


def key_works(information: Mapping[str, Any]) -> Finding:
    name = information.get("ClientName")
    client = f' for client "{name}"' if name else ""
    return Finding(Status.OK, "client key", f"The client key works{client}.")


def privileges(information: Mapping[str, Any], *, expense_import: bool) -> list[Finding]:
    """✗ for each privilege a transfer needs that PowerOffice Go reports invalid; the
    expense import's only when it is on (⚠ otherwise)."""
    invalid = set(information.get("InvalidPrivileges") or ())
    needed = {**TRANSFER_PRIVILEGES, **EXPENSE_PRIVILEGES}
    findings = []
    for name in sorted(invalid & needed.keys()):
        status = Status.WARNING
        if name in TRANSFER_PRIVILEGES or expense_import:
            status = Status.FAILED
        findings.append(
            Finding(
                status,
                "privileges",
                f"The integration lacks the privilege {name}: {needed[name]} cannot be "
                "transferred" + ("" if status is Status.FAILED else " once switched on") + ".",
                GRANT_FIX.format(name=name),
            )
        )
    if not findings:
        findings.append(
            Finding(Status.OK, "privileges", "The integration has every privilege it uses.")
        )
    return findings


# --- 2. the chart of accounts --------------------------------------------------------------


@dataclass
class _AccountUse:
    """How Moment's invoices use one account."""

    invoices: set[int]
    vat_codes: set[str]
    without_vat_code: set[int]
    without_project: set[int]
    without_department: set[int]


def accounts(invoices: Sequence[Invoice], accounts: Lookup) -> list[Finding]:
    """Every account on Moment's invoices against PowerOffice Go's: exists, active, VAT code
    set and agreeing, and no setting that refuses Moment's lines. The rounding account
    7746 has its own check."""
    if not invoices:
        return [
            Finding(
                Status.WARNING,
                "accounts",
                "No invoices stored yet, and Moment sends no chart of accounts: the accounts "
                "are checked on the invoices Moment sends.",
                "Run the doctor again after the first invoices are finalized in Moment.",
            )
        ]
    uses = _account_uses(invoices)
    findings = [
        finding
        for number, use in sorted(uses.items())
        if not (number == MOMENT_ROUNDING_ACCOUNT and number not in accounts)
        for finding in _account_findings(number, use, accounts.get(number))
    ]
    return findings or [
        Finding(
            Status.OK,
            "accounts",
            f"The {_count(len(uses), 'account')} on Moment's {_count(len(invoices), 'invoice')} "
            "exist in PowerOffice Go, are active and agree on VAT codes.",
        )
    ]


def _account_uses(invoices: Sequence[Invoice]) -> dict[str, _AccountUse]:
    uses: dict[str, _AccountUse] = {}
    for invoice in invoices:
        for line in invoice.lines:
            use = uses.setdefault(line.account_code, _AccountUse(set(), set(), set(), set(), set()))
            use.invoices.add(invoice.number)
            if line.vat_code is None:
                use.without_vat_code.add(invoice.number)
            else:
                use.vat_codes.add(line.vat_code)
            if invoice.project is None:
                use.without_project.add(invoice.number)
            if invoice.department_code is None:
                use.without_department.add(invoice.number)
    return uses


def _account_findings(
    number: str, use: _AccountUse, settings: Mapping[str, Any] | None
) -> list[Finding]:
    where = f"Account {number} (on {_numbered('invoice', use.invoices)})"
    if settings is None:
        return [
            _failed(
                "accounts",
                f"{where} does not exist in PowerOffice Go.",
                "Create it in PowerOffice Go, or make the chart of accounts in Moment "
                "(Setup > Accounts) match PowerOffice Go's.",
            )
        ]
    findings = []
    if settings.get("IsActive") is False:
        findings.append(
            _failed(
                "accounts",
                f"{where} is inactive in PowerOffice Go.",
                "Activate it in PowerOffice Go, or move Moment's lines to an active account.",
            )
        )
    findings += _vat_code_findings(number, where, use, settings)
    if settings.get("IsProjectRequired") and use.without_project:
        findings.append(
            _failed(
                "accounts",
                f"Account {number} requires a project in PowerOffice Go, but "
                f"{_numbered('invoice', use.without_project)} on it have none.",
                'Put such invoices on a project in Moment, or switch off "project required" '
                "on the account in PowerOffice Go.",
            )
        )
    if settings.get("IsDepartmentRequired") and use.without_department:
        findings.append(
            _failed(
                "accounts",
                f"Account {number} requires a department in PowerOffice Go, but "
                f"{_numbered('invoice', use.without_department)} on it have none.",
                "Choose how Moment sets the department on invoices, or switch off "
                '"department required" on the account in PowerOffice Go.',
            )
        )
    return findings


def _vat_code_findings(
    number: str, where: str, use: _AccountUse, settings: Mapping[str, Any]
) -> list[Finding]:
    pogo_code = settings.get("VatCode")
    pogo_code = None if pogo_code is None else str(pogo_code)
    set_it = f"Set the external VAT code on account {number} in Moment (Setup > Accounts)"
    findings = []
    if use.without_vat_code:
        findings.append(
            _failed(
                "accounts",
                f"Account {number} has no external VAT code in Moment "
                f"({_numbered('invoice', use.without_vat_code)}): the export fails.",
                f"{set_it}" + (f" to {pogo_code}, as in PowerOffice Go." if pogo_code else "."),
            )
        )
    differing = sorted(use.vat_codes - {pogo_code}) if pogo_code is not None else []
    if differing:
        locked = bool(settings.get("IsVatCodeLocked"))
        findings.append(
            Finding(
                Status.FAILED if locked else Status.WARNING,
                "accounts",
                f"{where} has VAT code {pogo_code} in PowerOffice Go"
                + (" (locked)" if locked else "")
                + f", but Moment sends VAT code {', '.join(differing)}"
                + (": PowerOffice Go refuses those lines." if locked else "."),
                f"{set_it} to {pogo_code}, or correct the account's VAT code in PowerOffice Go.",
            )
        )
    return findings


# --- 3. the rounding account ---------------------------------------------------------------


def rounding_account(invoices: Sequence[Invoice], accounts: Lookup) -> Finding:
    used_on = {
        invoice.number
        for invoice in invoices
        for line in invoice.lines
        if line.account_code == MOMENT_ROUNDING_ACCOUNT
    }
    if not used_on:
        return Finding(
            Status.OK,
            "rounding account",
            f"Moment's invoices do not use its default rounding account {MOMENT_ROUNDING_ACCOUNT}.",
        )
    if MOMENT_ROUNDING_ACCOUNT in accounts:
        return Finding(
            Status.OK,
            "rounding account",
            f"Moment's rounding account {MOMENT_ROUNDING_ACCOUNT} exists in PowerOffice Go.",
        )
    theirs = (
        POWEROFFICE_ROUNDING_ACCOUNT
        if POWEROFFICE_ROUNDING_ACCOUNT in accounts
        else f"usually {POWEROFFICE_ROUNDING_ACCOUNT}"
    )
    return _failed(
        "rounding account",
        f"Moment's default rounding account {MOMENT_ROUNDING_ACCOUNT} is on "
        f"{_numbered('invoice', used_on)}, but PowerOffice Go has no account "
        f"{MOMENT_ROUNDING_ACCOUNT}.",
        f"Change the rounding account in Moment (Setup > Accounts) to PowerOffice Go's "
        f"rounding account ({theirs}).",
    )


# --- 4. the lock date ----------------------------------------------------------------------


def lock_date(lock_date: dt.date | None, waiting: Sequence[Invoice]) -> Finding:
    """The closed period, and the invoices waiting now that the export rules would refuse
    for it (their date or an accrual period on or before the lock date)."""
    if lock_date is None:
        return Finding(Status.OK, "lock date", "No period is closed in PowerOffice Go.")
    refused = {
        invoice.number for invoice in waiting if rules.lock_date_problems(invoice, lock_date)
    }
    if not refused:
        return Finding(
            Status.OK,
            "lock date",
            f"Periods are closed up to and including {lock_date}; none of the "
            f"{len(waiting)} invoices waiting to be transferred falls in them.",
        )
    return _failed(
        "lock date",
        f"Periods are closed up to and including {lock_date}, and "
        f"{_numbered('invoice', refused)} waiting to be transferred fall in them (invoice "
        "date or accrual period).",
        f"Reopen the period in PowerOffice Go, or adjust {rules.ACCRUAL_SETTINGS} in Moment "
        "for accruals; then run `sync-worker retry` for those that failed.",
    )


# --- 5. the delivery type of new customers -------------------------------------------------


def delivery_type(
    delivery_type: str, new_customers: Sequence[Customer], customer_series: Sequence[range]
) -> list[Finding]:
    findings = [_delivery_setting(delivery_type)]
    refused: dict[str, set[str]] = defaultdict(set)
    for customer in new_customers:
        for problem in rules.customer_problems(
            customer, delivery_type=delivery_type, number_series=customer_series
        ):
            refused[problem].add(customer.number)
    for problem, numbers in sorted(refused.items()):
        what, fix = _what_and_fix(problem)
        findings.append(
            _failed(
                "delivery type",
                f"{_numbered('Customer', numbers)}, not yet in PowerOffice Go, would be "
                f"refused when created: {what[0].lower()}{what[1:]}",
                fix,
            )
        )
    return findings


def _delivery_setting(delivery_type: str) -> Finding:
    what = f"New customers get the invoice delivery type {delivery_type}"
    if delivery_type == PRINT_DELIVERY:
        return Finding(Status.OK, "delivery type", f"{what}, as Moment advises.")
    needs = {
        rules.EHF_DELIVERY: "an organisation number",
        rules.PDF_BY_EMAIL_DELIVERY: "an invoice or contact e-mail address",
    }.get(delivery_type, "more than Print")
    return Finding(
        Status.WARNING,
        "delivery type",
        f"{what}, which needs {needs} on every new customer; invoicing is done in Moment.",
        f"Set it to {PRINT_DELIVERY}: `sync-worker tenant update <tenant> --delivery-type "
        f"{PRINT_DELIVERY}`, and in PowerOffice Go: Meny > Innstillinger > "
        "Fakturainnstillinger > Fakturaleveringsmetode > Utskrift.",
    )


# --- 6. departments ------------------------------------------------------------------------


def departments(
    projects: Sequence[Project], invoices: Sequence[Invoice], departments: Lookup
) -> list[Finding]:
    users: dict[str, list[str]] = defaultdict(list)
    for project in projects:
        if project.department_code is not None:
            users[project.department_code].append(f"project {project.number}")
    for invoice in invoices:
        if invoice.department_code is not None:
            users[invoice.department_code].append(f"invoice {invoice.number}")
    if not users:
        return [Finding(Status.OK, "departments", "Moment sends no departments.")]
    findings = [
        _failed("departments", f"{what} Used by {_listed(users[code])}.", fix)
        for code in sorted(users)
        for what, fix in map(
            _what_and_fix, rules.department_problems(code, departments, owner="The")
        )
    ]
    return findings or [
        Finding(
            Status.OK,
            "departments",
            f"The departments Moment uses ({', '.join(sorted(users))}) exist in PowerOffice Go "
            "and are active.",
        )
    ]


# --- 7. project owners ---------------------------------------------------------------------


def project_owners(
    projects: Sequence[Project], employees: Sequence[Mapping[str, Any]]
) -> list[Finding]:
    known = {_folded(row.get("EmailAddress")) for row in employees} - {""}
    owners: dict[str, list[str]] = defaultdict(list)
    for project in projects:
        if project.owner_email:
            owners[project.owner_email].append(project.number)
    unmatched = {email: numbers for email, numbers in owners.items() if _folded(email) not in known}
    findings = [
        Finding(
            Status.WARNING,
            "project owners",
            f"No employee in PowerOffice Go has the e-mail {email}, the owner of "
            f"{_numbered('project', numbers)}: "
            + ("they are" if len(numbers) > 1 else "it is")
            + " transferred without a project manager.",
            "Give the employee this e-mail address in PowerOffice Go, or correct the project "
            "owner in Moment.",
        )
        for email, numbers in sorted(unmatched.items())
    ]
    return findings or [
        Finding(
            Status.OK,
            "project owners",
            f"Every project owner's e-mail ({_count(len(owners), 'owner')}) matches an "
            "employee in PowerOffice Go."
            if owners
            else "Moment's projects name no owner.",
        )
    ]


# --- 8. the error e-mail address -----------------------------------------------------------


def error_email(addresses: Sequence[str], *, test: str | None, test_error: str | None) -> Finding:
    """`test`: the test e-mail was sent (its subject); `test_error`: why it was not."""
    if not addresses:
        return _failed(
            "error e-mail",
            "No error e-mail address is set: a failed transfer reaches nobody.",
            "Set one: `sync-worker tenant update <tenant> --error-email regnskap@…`.",
        )
    listed = ", ".join(addresses)
    if test_error is not None:
        return _failed(
            "error e-mail",
            f"Error e-mails go to {listed}, but the test e-mail could not be sent: {test_error}",
            "Check the SMTP settings (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_TLS), then run the "
            "doctor again with --send-test-email.",
        )
    sent = f'; a test e-mail ("{test}") was sent' if test else ""
    return Finding(Status.OK, "error e-mail", f"Error e-mails go to {listed}{sent}.")


# --- 9. the expense import -----------------------------------------------------------------


def expense_import(setup: ExpenseSetup) -> Finding:
    if not setup.enabled:
        return Finding(Status.OK, "expense import", "The expense import is off.")
    billable = "billable" if setup.billable_default else "not billable"
    what = (
        f"The expense import is on: expenses are {billable} unless the project's price model "
        f"says otherwise; voucher types {', '.join(setup.voucher_types)}"
    )
    if setup.projects_known == 0:
        return Finding(
            Status.WARNING,
            "expense import",
            f"{what}; no project has come from Moment yet, so it brings nothing.",
            "Transfer the projects from Moment (Setup > Tools, projects).",
        )
    count = (
        "the next import was not counted"
        if setup.new_expenses is None
        else f"the next import would bring {setup.new_expenses} new expenses"
    )
    return Finding(Status.OK, "expense import", f"{what}; {count}.")


# --- helpers -------------------------------------------------------------------------------


def could_not_check(check: str, error: str) -> Finding:
    """A check whose look-up PowerOffice Go did not answer."""
    return _failed(
        check,
        f"Could not be checked: {error}",
        "See the privileges above; a 403 means the integration lacks one.",
    )


def _failed(check: str, what: str, fix: str | None) -> Finding:
    return Finding(Status.FAILED, check, what, fix)


def _what_and_fix(problem: str) -> tuple[str, str | None]:
    """A rule's text is "what is wrong. What to do."; the doctor shows the two apart."""
    what, _, fix = problem.partition(". ")
    return (what + "." if fix else what), (fix or None)


def _numbered(noun: str, numbers: Iterable[Any]) -> str:
    """'invoices 10001, 10002 and 3 more' (sorted), or 'invoice 10001'."""
    ordered = sorted(numbers, key=lambda n: (len(str(n)), str(n)))
    plural = noun + ("s" if len(ordered) > 1 else "")
    return f"{plural} {_listed([str(n) for n in ordered])}"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _folded(email: Any) -> str:
    # As `Employees.find_by_email` compares them.
    return (email or "").strip().casefold()
