"""The export rules: checked before anything is written to PowerOffice Go.

Each check collects every problem it finds and raises one `ExportRefused` listing them, one
per line, written for the accountant who reads the error e-mail: what is wrong, where, and
what to do. A successful check returns the PowerOffice Go ids it resolved, so the mapping
uses exactly what was checked. What a transfer finds refused only on its way (in this
system's state or in PowerOffice Go: a credited invoice that failed, a number taken by
someone else's voucher, a project's missing customer) is worded here too, in the same form,
so that every refusal the accountant reads is written in one place.

Look-ups come from PowerOffice Go, keyed the way Moment names things: `accounts` by account
number (`GET /GeneralLedgerAccounts`: `Id`, `IsActive`, `VatCode`, `IsVatCodeLocked`,
`IsProjectRequired`, `IsDepartmentRequired`), `vat_codes` by SAF-T code (`GET /VatCodes`:
`Id`, `Rate` from 0 to 1), `departments` by code (`GET /Departments`: `Id`, `IsActive`).
A refusal says whether it rests on those look-ups (`ExportRefused.rests_on_lookups`): only
then can asking PowerOffice Go afresh change the answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sync_worker import kinds
from sync_worker.errors import ExportRefused
from sync_worker.mapping.customers import PRINT_DELIVERY, has_mail_address
from sync_worker.mapping.gross import (
    MOMENT_ROUNDING_ACCOUNT,
    POWEROFFICE_ROUNDING_ACCOUNT,
    vat_on_code_totals,
    vat_per_line,
)
from sync_worker.mapping.invoices import VoucherKind, net_lines
from sync_worker.poweroffice import limits
from sync_worker.schemas.entities import (
    Accrual,
    Attachment,
    Customer,
    Invoice,
    InvoiceLine,
    Project,
)

Lookup = Mapping[str, Mapping[str, Any]]

PDF_BY_EMAIL_DELIVERY = "PdfByEmail"
EHF_DELIVERY = "EHF"
ACCRUAL_SETTINGS = '"Accrual for invoice line" (settings/preferences/invoicing#invoiceLines)'


@dataclass(frozen=True, slots=True)
class InvoiceIds:
    """PowerOffice Go ids for an invoice's account numbers, VAT codes and department."""

    account_ids: dict[str, int]
    vat_ids: dict[str, int]
    vat_rates: dict[str, Decimal]
    department_id: int | None


# --- the checks ----------------------------------------------------------------------------


def check_invoice(
    invoice: Invoice,
    *,
    kind: VoucherKind,
    accounts: Lookup,
    vat_codes: Lookup,
    departments: Lookup,
    lock_date: date | None,
    credited_invoice_known: bool = False,
) -> InvoiceIds:
    """Refuse the invoice or credit note unless PowerOffice Go can take it as it is.

    `credited_invoice_known` (credit notes only): the credited invoice was transferred by us
    or exists in PowerOffice Go.
    """
    own_problems = [
        *_project_number_problems(invoice.project),
        *_missing_vat_code_problems(invoice, accounts),
        *_total_problems(invoice, vat_codes),
        *_credited_invoice_problems(invoice, kind, credited_invoice_known),
        *_attachment_problems(invoice.attachment),
    ]
    lookup_problems = [
        *_unknown_account_problems(invoice, accounts),
        *_account_setting_problems(invoice, accounts),
        *_unknown_vat_code_problems(invoice, vat_codes),
        *_department_problems(invoice.department_code, departments, owner="The invoice's"),
        *_lock_date_problems(invoice, lock_date),
    ]
    noun = kinds.get(kind).label.capitalize()
    _refuse(f"{noun} {invoice.number}", own_problems, lookup_problems)
    return InvoiceIds(
        account_ids={
            line.account_code: accounts[line.account_code]["Id"] for line in invoice.lines
        },
        vat_ids={line.vat_code: vat_codes[line.vat_code]["Id"] for line in invoice.lines},
        vat_rates={line.vat_code: _rate(vat_codes[line.vat_code]) for line in invoice.lines},
        department_id=_department_id(invoice.department_code, departments),
    )


def check_project(project: Project, *, departments: Lookup) -> int | None:
    """Refuse the project unless PowerOffice Go can take it; its department's id otherwise."""
    _refuse(
        f"Project {project.number}",
        list(_project_number_problems(project)),
        list(_department_problems(project.department_code, departments, owner="The project's")),
    )
    return _department_id(project.department_code, departments)


def check_customer(
    customer: Customer, *, delivery_type: str, number_series: Iterable[range] | None = None
) -> None:
    """Refuse to create a customer PowerOffice Go would refuse: for its invoice delivery
    type, for a field longer than PowerOffice Go takes, or for a number outside the
    client's customer ledger series (`number_series`; None when not known)."""
    _refuse(
        f"Customer {customer.number}",
        [*_delivery_problems(customer, delivery_type), *_address_length_problems(customer)],
        list(_number_series_problems(customer, number_series)),
    )


def check_customer_fields(customer: Customer) -> None:
    """What every transfer of a customer must pass, a change as much as a create."""
    _refuse(f"Customer {customer.number}", list(_address_length_problems(customer)), [])


# --- single rules, for the setup doctor (sync_worker.doctor) ------------------------------


def customer_problems(
    customer: Customer, *, delivery_type: str, number_series: Iterable[range] | None = None
) -> list[str]:
    """What `check_customer` would refuse the customer's creation for, one text each."""
    return [
        *_delivery_problems(customer, delivery_type),
        *_address_length_problems(customer),
        *_number_series_problems(customer, number_series),
    ]


def department_problems(code: str | None, departments: Lookup, *, owner: str) -> list[str]:
    """Why a project or invoice on department `code` would be refused, one text each."""
    return list(_department_problems(code, departments, owner=owner))


def lock_date_problems(invoice: Invoice, lock_date: date | None) -> list[str]:
    """Why the invoice would be refused for the closed period, one text each."""
    return list(_lock_date_problems(invoice, lock_date))


def _refuse(subject: str, own_problems: list[str], lookup_problems: list[str]) -> None:
    """Raise one refusal listing every problem; it rests on the look-ups only when every
    problem does, since a fresh look-up cannot mend the others."""
    if problems := own_problems + lookup_problems:
        raise _refusal(subject, *problems, rests_on_lookups=not own_problems)


# --- refusals a transfer finds on its way --------------------------------------------------


def credited_invoice_failed(credit_note_number: int, invoice_number: int) -> ExportRefused:
    """The credit note's invoice failed to transfer: the credit note cannot go before it."""
    return _refusal(
        f"{kinds.get(kinds.CREDIT_NOTE).label.capitalize()} {credit_note_number}",
        f"The invoice it credits, {invoice_number}, failed to transfer. Fix that invoice first "
        "(see its error e-mail); the credit note can then be transferred again.",
    )


def number_used_by_another_voucher(
    kind: VoucherKind, number: int, voucher: int | str
) -> ExportRefused:
    """The invoice number is taken in PowerOffice Go by a voucher this integration did not
    post (keyed in by hand after an error e-mail, say): it is never adopted."""
    return _refusal(
        f"{kinds.get(kind).label.capitalize()} {number}",
        f"Its number is already used by voucher {voucher} in PowerOffice Go, which this "
        "integration did not post. If it is the same invoice, keyed in by hand, leave it; "
        "otherwise reverse that voucher in PowerOffice Go and transfer again.",
    )


def customer_of_project_missing(project_number: str, customer_number: str) -> ExportRefused:
    """The project's customer is neither in PowerOffice Go nor on its way there."""
    return _refusal(
        f"Project {project_number}",
        f"Its customer {customer_number} is not in PowerOffice Go. Transfer the customer from "
        "Moment (Setup > Tools, customers), then transfer the project again.",
    )


def _refusal(subject: str, *problems: str, rests_on_lookups: bool = False) -> ExportRefused:
    """The accountant's text: what was not transferred, then one "- " line per problem."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    return ExportRefused(
        f"{subject} was not transferred to PowerOffice Go:\n{listed}",
        rests_on_lookups=rests_on_lookups,
    )


# --- one rule each -------------------------------------------------------------------------


def _project_number_problems(project: Project | None) -> Iterator[str]:
    # The contract refuses this already; checked again because a sub project would be created.
    if project is not None and "." in project.number:
        yield (
            f'Project number {project.number} contains ".", which PowerOffice Go reserves for '
            f"main and sub projects. Change the project number in Moment, then transfer again."
        )


def _missing_vat_code_problems(invoice: Invoice, accounts: Lookup) -> Iterator[str]:
    for number, line in enumerate(invoice.lines, start=1):
        if line.vat_code is None:
            account = line.account_code
            pogo_code = accounts.get(account, {}).get("VatCode")
            hint = f" PowerOffice Go has VAT code {pogo_code} on it." if pogo_code else ""
            yield (
                f"{_line_label(number, account, line.description)}: no VAT code. "
                f"Set the external VAT code on account {account} in Moment (Setup > Accounts), "
                f"then transfer the invoice again.{hint}"
            )


def _unknown_account_problems(invoice: Invoice, accounts: Lookup) -> Iterator[str]:
    for account, line_numbers in _lines_by(invoice, lambda line: line.account_code).items():
        if account not in accounts:
            yield (
                f"Account {account} ({_lines(line_numbers)}) does not exist in PowerOffice Go. "
                f"Make the chart of accounts in Moment match PowerOffice Go's."
                + (_ROUNDING_HINT if account == MOMENT_ROUNDING_ACCOUNT else "")
            )


_ROUNDING_HINT = (
    f" Moment's default rounding account is {MOMENT_ROUNDING_ACCOUNT}, but PowerOffice Go's "
    f"rounding account is usually {POWEROFFICE_ROUNDING_ACCOUNT}; change the rounding account "
    "in Moment to match PowerOffice Go."
)


def _unknown_vat_code_problems(invoice: Invoice, vat_codes: Lookup) -> Iterator[str]:
    for code, line_numbers in _lines_by(invoice, lambda line: line.vat_code).items():
        if code is not None and code not in vat_codes:
            accounts = _join(sorted({invoice.lines[n - 1].account_code for n in line_numbers}))
            yield (
                f"VAT code {code} ({_lines(line_numbers)}) does not exist in PowerOffice Go. "
                f"Correct the external VAT code on account {accounts} in Moment "
                f"(Setup > Accounts) to a code PowerOffice Go has."
            )


def _department_problems(code: str | None, departments: Lookup, *, owner: str) -> Iterator[str]:
    if code is None:
        return
    if code not in departments:
        yield (
            f"{owner} department {code} does not exist in PowerOffice Go. Create it in "
            f"PowerOffice Go or correct the department in Moment, then transfer again."
        )
    elif departments[code].get("IsActive") is False:
        yield (
            f"{owner} department {code} is inactive in PowerOffice Go. Activate it in "
            f"PowerOffice Go or choose an active department in Moment, then transfer again."
        )


def _account_setting_problems(invoice: Invoice, accounts: Lookup) -> Iterator[str]:
    """What an account's own settings in PowerOffice Go refuse on a line."""
    for account, line_numbers in _lines_by(invoice, lambda line: line.account_code).items():
        settings = accounts.get(account)
        if settings is None:
            continue  # reported as unknown
        where = f"Account {account} ({_lines(line_numbers)})"
        if settings.get("IsActive") is False:
            yield (
                f"{where} is inactive in PowerOffice Go. Activate it in PowerOffice Go, or "
                f"move the lines to an active account in Moment, then transfer again."
            )
        if settings.get("IsProjectRequired") and invoice.project is None:
            yield (
                f"{where} requires a project in PowerOffice Go, but the invoice has none. "
                f'Put the invoice on a project in Moment, or switch off "project required" '
                f"on the account in PowerOffice Go, then transfer again."
            )
        if settings.get("IsDepartmentRequired") and invoice.department_code is None:
            yield (
                f"{where} requires a department in PowerOffice Go, but the invoice has none. "
                f"Choose how Moment sets the department on invoices, or switch off "
                f'"department required" on the account in PowerOffice Go, then transfer again.'
            )
        yield from _locked_vat_code_problems(invoice, where, settings, line_numbers)


def _locked_vat_code_problems(
    invoice: Invoice, where: str, settings: Mapping[str, Any], line_numbers: list[int]
) -> Iterator[str]:
    locked = settings.get("VatCode")
    if not settings.get("IsVatCodeLocked") or locked is None:
        return
    sent = sorted({invoice.lines[n - 1].vat_code for n in line_numbers} - {None, str(locked)})
    if sent:
        account = settings.get("AccountNo")
        yield (
            f"{where} is locked to VAT code {locked} in PowerOffice Go, but Moment sends VAT "
            f"code {_join(sent)}. Set the external VAT code on account {account} in Moment "
            f"(Setup > Accounts) to {locked}, then transfer the invoice again."
        )


def _lock_date_problems(invoice: Invoice, lock_date: date | None) -> Iterator[str]:
    if lock_date is None:
        return
    locked = f"a period closed in PowerOffice Go (locked up to and including {lock_date})"
    if invoice.invoice_date <= lock_date:
        yield (
            f"The invoice date {invoice.invoice_date} falls in {locked}. Reopen the period "
            f"in PowerOffice Go, then transfer the invoice again."
        )
    for accrual, line_numbers in _accruals(invoice).items():
        if accrual.from_ <= lock_date:
            where = "falls in" if accrual.to <= lock_date else "starts in"
            yield (
                f"The accrual period {accrual.from_}–{accrual.to} of {_lines(line_numbers)} "
                f"{where} {locked}. Adjust {ACCRUAL_SETTINGS} in Moment, or reopen the period "
                f"in PowerOffice Go, then transfer the invoice again."
            )


def _total_problems(invoice: Invoice, vat_codes: Lookup) -> Iterator[str]:
    codes = {line.vat_code for line in invoice.lines}
    if None in codes or not codes <= vat_codes.keys():
        return  # the missing or unknown VAT code is reported; without its rate there is no sum
    rates = {code: _rate(vat_codes[code]) for code in codes}
    net = sum((line.amount for line in invoice.lines), Decimal(0))
    # Moment may round VAT per line or per VAT code; either way the sum must be exact.
    lines = net_lines(invoice, rates)
    per_line = sum(vat_per_line(lines).values(), Decimal(0))
    per_code = sum(vat_on_code_totals(lines).values(), Decimal(0))
    if invoice.total_incl_vat in (net + per_line, net + per_code):
        return
    sums = f"lines {net} + VAT {per_line} = {net + per_line}"
    if per_code != per_line:
        sums = (
            f"lines {net} + VAT {per_line} (rounded per line) = {net + per_line}, "
            f"or + VAT {per_code} (rounded per VAT code) = {net + per_code}"
        )
    yield (
        f"The lines do not add up to the invoice total {invoice.total_incl_vat}: {sums}. "
        f"Check the invoice in Moment: a rounding difference must come as its own line on "
        f"the rounding account."
    )


def _credited_invoice_problems(invoice: Invoice, kind: VoucherKind, known: bool) -> Iterator[str]:
    if kind != kinds.CREDIT_NOTE:
        return
    credited = invoice.credited_invoice_number
    if credited is None:
        yield (
            "It does not say which invoice it credits, so PowerOffice Go cannot match the two. "
            "Make the credit note in Moment from the invoice it credits."
        )
    elif not known:
        yield (
            f"It credits invoice {credited}, which was neither transferred from Moment nor "
            f"found in PowerOffice Go. Transfer invoice {credited} first, then the credit note."
        )


def _attachment_problems(attachment: Attachment) -> Iterator[str]:
    if len(attachment.content) > limits.ATTACHMENT_BYTES:
        size = Decimal(len(attachment.content)) / limits.MEBIBYTE
        most = limits.ATTACHMENT_BYTES // limits.MEBIBYTE
        yield (
            f"The PDF {attachment.filename} is {size:.1f} MB; PowerOffice Go takes at most "
            f"{most} MB. Make the PDF smaller in Moment, then transfer the invoice again."
        )


def _delivery_problems(customer: Customer, delivery_type: str) -> Iterator[str]:
    """PowerOffice Go's rules per invoice delivery type: PdfByEmail needs an e-mail address
    to send to, EHF an organisation number to find the receiver in ELMA."""
    fix = f"or set the delivery type for new customers to {PRINT_DELIVERY}"
    if delivery_type == PDF_BY_EMAIL_DELIVERY and not (
        customer.invoice_email or customer.contact_email
    ):
        yield (
            f"It has no invoice or contact e-mail address, which PowerOffice Go requires for "
            f"the invoice delivery type {delivery_type}. Add the invoice e-mail address to "
            f"the customer in Moment, {fix}."
        )
    if delivery_type == EHF_DELIVERY and customer.organization_number is None:
        yield (
            f"It has no organisation number, which PowerOffice Go requires for the invoice "
            f"delivery type {delivery_type}. Add the organisation number to the customer "
            f"in Moment, {fix}."
        )


_ADDRESS_LIMITS = (
    ("street", "address line 1", limits.ADDRESS_LINE_LENGTH),
    ("street2", "address line 2", limits.ADDRESS_LINE_LENGTH),
    ("postal_code", "postal code", limits.ZIP_CODE_LENGTH),
    ("city", "city", limits.CITY_LENGTH),
)


def _address_length_problems(customer: Customer) -> Iterator[str]:
    if not has_mail_address(customer):
        return  # an incomplete address is not sent at all
    for field, name, limit in _ADDRESS_LIMITS:
        value = getattr(customer.address, field)
        if value is not None and len(value) > limit:
            yield (
                f"Its {name} is {len(value)} characters long; PowerOffice Go takes at most "
                f"{limit}. Shorten it in Moment, then transfer again."
            )


def _number_series_problems(
    customer: Customer, number_series: Iterable[range] | None
) -> Iterator[str]:
    series = list(number_series or ())
    number = int(customer.number)
    if series and not any(number in numbers for numbers in series):
        listed = _join(f"{numbers.start}–{numbers.stop - 1}" for numbers in series)
        yield (
            f"Its number {number} lies outside the customer ledger's number series in "
            f"PowerOffice Go ({listed}). Widen the series in PowerOffice Go (Settings > "
            f"Sub-ledgers) or give the customer a number inside it in Moment."
        )


# --- helpers -------------------------------------------------------------------------------


def _rate(vat_code: Mapping[str, Any]) -> Decimal:
    return Decimal(str(vat_code["Rate"]))


def _department_id(code: str | None, departments: Lookup) -> int | None:
    return None if code is None else departments[code]["Id"]


def _lines_by(invoice: Invoice, key: Callable[[InvoiceLine], Any]) -> dict[Any, list[int]]:
    """Line numbers (from 1) grouped by `key`, in order of appearance."""
    grouped: dict[Any, list[int]] = defaultdict(list)
    for number, line in enumerate(invoice.lines, start=1):
        grouped[key(line)].append(number)
    return grouped


def _accruals(invoice: Invoice) -> dict[Accrual, list[int]]:
    grouped = _lines_by(invoice, lambda line: line.accrual)
    grouped.pop(None, None)
    return grouped


def _lines(numbers: list[int]) -> str:
    return f"{'line' if len(numbers) == 1 else 'lines'} {_join(numbers)}"


def _join(items: Iterable[object]) -> str:
    return ", ".join(map(str, items))


def _line_label(number: int, account: str, description: str | None) -> str:
    described = f', "{description}"' if description else ""
    return f"Line {number} (account {account}{described})"
