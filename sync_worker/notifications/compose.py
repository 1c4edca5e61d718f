"""The text of an error e-mail, built from a failure without any I/O but reading its
templates (`templates/`, Jinja2, plain text, one pair per language).

The reader is an accountant or an administrator at the Moment company, not a developer:
every e-mail names the company and the record (for an invoice: its number, customer, date
and amount), says what was wrong in words, quotes PowerOffice Go when it said something,
and says what to do that works. Where the fix lies is `sync_worker.remedies`' decision:
when it lies in PowerOffice Go the system re-checks by itself, and the e-mail says until
when; when it lies in Moment, only a corrected message from Moment helps, so the e-mail
asks for that and never for a replay. An operator's command is given only where running
the same snapshot again helps.

Names and numbers come from Moment and PowerOffice Go, so none is trusted to be one line:
each is shown with its control characters escaped ("10\\r\\n" for a CR/LF), and the
subject is one line whatever they hold. The e-mail is plain text (no autoescape), so HTML
in a name stays text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import jinja2

from sync_worker import kinds
from sync_worker.db.models import DEFAULT_EMAIL_LANGUAGE
from sync_worker.errors import (
    AlreadyExists,
    AuthenticationFailed,
    ChangedAfterPosting,
    ExportRefused,
    InvalidMessage,
    SyncError,
    TransientError,
)
from sync_worker.norway import OSLO
from sync_worker.remedies import FORBIDDEN, Fix, error_class, fix_for_record

# Not an entity kind: what a failed expense import is filed under instead of one.
EXPENSE_IMPORT = "expense_import"
RECONCILIATION = "reconciliation"

LANGUAGES = ("nb", "en")  # bokmål (the default) and English: one template pair each
DEFAULT_LANGUAGE = DEFAULT_EMAIL_LANGUAGE

# An operator's way to run a scheduled job now; "{tenant}" is the tenant's code.
JOB_COMMANDS = {
    EXPENSE_IMPORT: "sync-worker import-expenses --tenant {tenant}",
    RECONCILIATION: "sync-worker reconcile --tenant {tenant} --from <first day> --to <last day>",
}
# The step that uploads an invoice's PDF: its failure leaves the voucher posted.
PDF_STEP = "attachment"
HOUR_SECONDS = 3600


@dataclass(frozen=True)
class Document:
    """What a person knows the failed record by, read from its message; None: not said."""

    name: str | None = None  # a customer's or project's own name
    customer_name: str | None = None
    customer_number: str | None = None
    invoice_date: dt.date | None = None
    total: Decimal | None = None  # gross, VAT included, in `currency`
    currency: str = "NOK"


@dataclass(frozen=True)
class Failure:
    """One transfer (or import) that ended failed; no secrets in any field."""

    tenant_code: str
    kind: str
    number: str
    step: str
    error_type: str
    message: str
    detail: str | None
    http_status: int | None
    attempts: int
    failed_at: dt.datetime
    reference: int  # the entity-state id an operator passes to `sync-worker retry`
    company: str = ""  # the company's name; its code when it has none
    language: str = DEFAULT_LANGUAGE
    fix: Fix | None = None  # None: decided from the error's class alone
    recheck_until: dt.datetime | None = None  # the system re-checks by itself until then
    recheck_every_seconds: int = HOUR_SECONDS
    document: Document | None = None


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("sync_worker.notifications", "templates"),
    autoescape=False,  # noqa: S701 (plain text, no HTML: control characters are escaped)
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def compose(failure: Failure) -> Email:
    language = failure.language if failure.language in LANGUAGES else DEFAULT_LANGUAGE
    context = _context(failure, language)
    subject = _templates.get_template(f"error_subject.{language}.txt").render(context)
    body = _templates.get_template(f"error_body.{language}.txt").render(context)
    return Email(subject=one_line(subject.strip()), body=_paragraphs(body))


def document_from_payload(payload: Mapping[str, Any] | None) -> Document | None:
    """The record's name, customer, date and amount from a stored message's payload (the
    contract of `sync_worker.schemas.messages`); what a payload lacks is left out."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, Mapping):
        return None
    customer = data.get("customer") if isinstance(data.get("customer"), Mapping) else {}
    return Document(
        name=_text(data.get("name")),
        customer_name=_text(customer.get("name")),
        customer_number=_text(customer.get("number") or data.get("customer_number")),
        invoice_date=_date(data.get("invoice_date")),
        total=_decimal(data.get("total_incl_vat")),
        currency=_text(data.get("currency_code")) or "NOK",
    )


def money(amount: Decimal, currency: str, language: str) -> str:
    """`amount` as a reader of `language` writes it: "12 345,00 kr", "NOK 12,345.00"."""
    rounded = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign, digits = "-" if rounded < 0 else "", f"{abs(rounded):,.2f}"
    if language == "nb":
        digits = digits.replace(",", " ").replace(".", ",")
        return f"{sign}{digits} {'kr' if currency == 'NOK' else currency}"
    return f"{currency} {sign}{digits}"


# Characters that end a line or are invisible controls: never raw in a header or a name.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def one_line(text: str) -> str:
    """`text` with every control character and line separator escaped, as Python writes
    them ("\\r", "\\n", "\\u2028"): one line, and nothing hidden."""
    return _escaped(text)


def _plain_text(text: str) -> str:
    """A multi-line text kept on its lines (any line ending becomes "\\n"), with every
    other control character but the tab escaped."""
    return "\n".join(_escaped(line, keep="\t") for line in text.splitlines())


def _escaped(text: str, keep: str = "") -> str:
    return "".join(
        repr(character)[1:-1]
        if unicodedata.category(character) in _BREAKING and character not in keep
        else character
        for character in text
    )


def _paragraphs(text: str) -> str:
    """The rendered body with one blank line between sections, whatever was left out."""
    return re.sub(r"\n{3,}", "\n\n", text.strip()) + "\n"


# --- what the templates are given ---------------------------------------------------------


def _context(failure: Failure, language: str) -> dict[str, Any]:
    error = error_class(failure.error_type)
    fix = failure.fix or fix_for_record(
        failure.error_type, failure.http_status, rests_on_lookups=False
    )
    rechecking = fix is Fix.POWEROFFICE_GO and failure.recheck_until is not None
    job = failure.kind in JOB_COMMANDS
    return {
        "company": one_line(failure.company or failure.tenant_code),
        "tenant": one_line(failure.tenant_code),
        "kind": failure.kind if _registered(failure.kind) or job else "other",
        "kind_words": one_line(failure.kind.replace("_", " ")),
        "number": one_line(failure.number),
        "job": job,
        "job_date": _job_date(failure.number, language) if job else "",
        "document": _document(failure.document, language),
        "failed_at": _moment(failure.failed_at, language),
        "attempts": failure.attempts,
        "problem": _problem(error, failure.http_status),
        "problems": _problems(failure.message) if issubclass(error, ExportRefused) else [],
        "message": _plain_text(failure.message),
        "detail": _plain_text(failure.detail) if failure.detail else "",
        "http_status": failure.http_status,
        "fix": str(fix),
        "pdf_only": failure.step == PDF_STEP,
        "recheck_until": _moment(failure.recheck_until, language) if rechecking else "",
        "every_hours": _every(failure.recheck_every_seconds)[0],
        "every_minutes": _every(failure.recheck_every_seconds)[1],
        "reference": failure.reference,
        "operator": _operator_lines(failure, error, fix, rechecking=rechecking, job=job),
    }


def _registered(kind: str) -> bool:
    try:
        kinds.get(kind)
    except ValueError:  # stored before its kind was renamed or removed: the e-mail still goes
        return False
    return True


def _problem(error: type[SyncError], http_status: int | None) -> str:
    """What went wrong, as one of the cases the templates word."""
    if issubclass(error, ExportRefused):
        return "refused"
    if issubclass(error, AuthenticationFailed):
        return "key"
    if http_status == FORBIDDEN:
        return "forbidden"
    if issubclass(error, AlreadyExists):
        return "exists"
    if issubclass(error, ChangedAfterPosting):
        return "changed"
    if issubclass(error, TransientError):
        return "unreachable"
    if issubclass(error, InvalidMessage):
        return "invalid"
    if http_status is not None:
        return "rejected"
    return "internal"


def _problems(message: str) -> list[str]:
    """An export refusal's problems, one each: the rules write one "- " line per problem
    under a heading that names the record, which the e-mail names already."""
    listed = [line[2:] for line in message.splitlines() if line.startswith("- ")]
    return [_plain_text(problem) for problem in listed] or [_plain_text(message)]


def _operator_lines(
    failure: Failure, error: type[SyncError], fix: Fix, *, rechecking: bool, job: bool
) -> list[str]:
    """The operator's commands, only where running the same snapshot again helps: a
    passing fault, a key or privilege put right, a fix in PowerOffice Go no longer
    re-checked, a missing PDF, an internal error mended. Never for a fix in Moment."""
    tenant = one_line(failure.tenant_code)
    if job:
        return [JOB_COMMANDS[failure.kind].format(tenant=tenant)]
    retry = f"sync-worker retry {failure.reference}"
    if fix is Fix.SETUP and issubclass(error, AuthenticationFailed):
        return [f"sync-worker tenant update {tenant} --client-key", retry]
    if fix is Fix.OPERATOR:
        where = f"{one_line(failure.kind)} {one_line(failure.number)} --tenant {tenant}"
        return [f"sync-worker history {where}", retry]
    helps = (
        failure.step == PDF_STEP
        or fix is Fix.SETUP
        or (fix is Fix.NOWHERE and not issubclass(error, ChangedAfterPosting))
        or (fix is Fix.POWEROFFICE_GO and not rechecking)
    )
    return [retry] if helps else []


def _document(document: Document | None, language: str) -> dict[str, str | None]:
    """What the templates show of the record; every key there, None when not known."""
    document = document or Document()
    shown = {
        "name": document.name,
        "customer_name": document.customer_name,
        "customer_number": document.customer_number,
        "invoice_date": _day(document.invoice_date, language) if document.invoice_date else None,
        "total": (
            money(document.total, one_line(document.currency), language)
            if document.total is not None
            else None
        ),
    }
    return {name: one_line(value) if value else None for name, value in shown.items()}


def _day(day: dt.date, language: str) -> str:
    return day.strftime("%d.%m.%Y") if language == "nb" else day.isoformat()


def _job_date(number: str, language: str) -> str:
    day = _date(number)
    return _day(day, language) if day else one_line(number)


def _moment(moment: dt.datetime, language: str) -> str:
    local = moment.astimezone(OSLO)
    if language == "nb":
        return local.strftime("%d.%m.%Y kl. %H.%M")
    return local.strftime("%Y-%m-%d %H:%M (Norwegian time)")


def _every(seconds: int) -> tuple[int, int]:
    """The re-check interval as (hours, 0) when it is whole hours, else (0, minutes)."""
    if seconds % HOUR_SECONDS == 0:
        return seconds // HOUR_SECONDS, 0
    return 0, max(1, -(-seconds // 60))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
