"""The text of an error e-mail, built from a failure without any I/O.

The reader is an accountant or an administrator at the Moment company, not a developer:
every e-mail says which record, what failed, why in plain words, what to do, PowerOffice
Go's own words when it said something, and how to run the transfer again.

Names and numbers come from Moment and PowerOffice Go, so none is trusted to be one line:
each is shown with its control characters escaped ("10\\r\\n" for a CR/LF), and the
subject is one line whatever they hold. The e-mail is plain text, so HTML in a name stays
text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from dataclasses import dataclass

from sync_worker import kinds
from sync_worker.norway import OSLO

# Not an entity kind: what a failed expense import is filed under instead of one.
EXPENSE_IMPORT = "expense_import"
RECONCILIATION = "reconciliation"


@dataclass(frozen=True)
class ScheduledJob:
    """How the e-mail names a tenant's scheduled job, which has no entity of its own."""

    subject: str  # after "[sync-worker] <tenant>: "
    what: str  # "{date}" is the Norwegian date it ran on
    rerun: str  # when it runs again by itself
    command: str  # an operator's way to run it now; "{tenant}" is the tenant's code


JOBS = {
    EXPENSE_IMPORT: ScheduledJob(
        "the expense import from PowerOffice Go failed",
        "the expense import of {date}",
        "The import runs again on its own at the next interval.",
        "sync-worker import-expenses --tenant {tenant}",
    ),
    RECONCILIATION: ScheduledJob(
        "the nightly reconciliation with PowerOffice Go failed",
        "the reconciliation of {date}",
        "The reconciliation runs again on its own next night.",
        "sync-worker reconcile --tenant {tenant} --from <first day> --to <last day>",
    ),
}


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


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def compose(failure: Failure) -> Email:
    failure = dataclasses.replace(
        failure,
        tenant_code=one_line(failure.tenant_code),
        number=one_line(failure.number),
        step=one_line(failure.step),
        message=_plain_text(failure.message),
        detail=_plain_text(failure.detail) if failure.detail else failure.detail,
    )
    what = _what(failure)
    job = JOBS.get(failure.kind)
    outcome = f"{what} was not transferred to PowerOffice Go" if job is None else job.subject
    sections = [
        f"{_capital(what)} {'failed' if job else 'could not be transferred to PowerOffice Go'}.",
        _section(
            "What failed",
            f'The step "{failure.step}" failed {_when(failure.failed_at)}, '
            f"after {failure.attempts} attempt{'s' if failure.attempts != 1 else ''}.",
        ),
        _section("Why", _why(failure)),
        _section("What to do", _what_to_do(failure)),
    ]
    if failure.detail:
        status = f" (HTTP {failure.http_status})" if failure.http_status else ""
        sections.append(_section(f"PowerOffice Go's own message{status}", failure.detail))
    sections.append(_section("How to run it again", _how_to_rerun(failure)))
    sections.append(_what_poweroffice_holds(failure))
    sections.append("-- \nsync-worker, the Moment ↔ PowerOffice Go integration")
    subject = one_line(f"[sync-worker] {failure.tenant_code}: {outcome}")
    return Email(subject=subject, body="\n\n".join(sections) + "\n")


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


def _what_poweroffice_holds(failure: Failure) -> str:
    if failure.step == "attachment":
        return (
            "The voucher itself is posted in PowerOffice Go; only its PDF is missing. Running "
            "the transfer again uploads the PDF and never posts the voucher a second time."
        )
    return (
        "Nothing was half-written: PowerOffice Go holds nothing of this transfer that a new "
        "run would repeat; a new run resumes where this one stopped."
    )


def _what(failure: Failure) -> str:
    if job := JOBS.get(failure.kind):
        return job.what.format(date=failure.number)
    return f"{_label(failure)} {failure.number}"


def _kind(failure: Failure) -> kinds.Kind | None:
    try:
        return kinds.get(failure.kind)
    except ValueError:  # stored before its kind was renamed or removed: the e-mail still goes
        return None


def _label(failure: Failure) -> str:
    kind = _kind(failure)
    return kind.label if kind else one_line(failure.kind.replace("_", " "))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _when(moment: dt.datetime) -> str:
    return "at " + moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M (Norwegian time)")


def _section(title: str, text: str) -> str:
    return f"{title}:\n{text}"


def _why(failure: Failure) -> str:
    match failure.error_type:
        case "ExportRefused":
            return (
                "The export was stopped before anything was written to PowerOffice Go, "
                f"because:\n{failure.message}"
            )
        case "AuthenticationFailed":
            return (
                "PowerOffice Go did not accept the client key stored for this company: it is "
                "wrong, was revoked, or belongs to another PowerOffice Go environment "
                "(demo or production)."
            )
        case "AlreadyExists":
            return f"PowerOffice Go already has a record with this number: {failure.message}"
        case "ChangedAfterPosting":
            return failure.message
        case _ if failure.http_status == 403:
            return (
                "PowerOffice Go refused access: the Moment integration lacks a privilege, "
                "or the PowerOffice Go client lacks the module this needs."
            )
        case "ApiRejected" | "NotFound":
            return f"PowerOffice Go refused it: {failure.message}"
        case "TransientError" | "RateLimited":
            tries = f"{failure.attempts} attempt{'s' if failure.attempts != 1 else ''}"
            return (
                "PowerOffice Go could not be reached or kept answering with errors, "
                f"{tries} in a row. The last error: {failure.message}"
            )
        case _:
            return failure.message


def _what_to_do(failure: Failure) -> str:
    match failure.error_type:
        case "ExportRefused":
            return (
                "Correct what is listed above in Moment (Moment is the master: change the data "
                "there, not in PowerOffice Go), then run the transfer again."
            )
        case "AuthenticationFailed":
            return (
                'In PowerOffice Go, open Menu > Settings > Extensions, find "Moment Prosjekt" '
                "and copy its client key; save it in Moment under Setup > Settings > "
                "Integrations. Then run the transfer again."
            )
        case "ChangedAfterPosting":
            return (
                "A posted voucher is not changed: PowerOffice Go keeps the one posted. To "
                "change the books, credit the invoice in Moment and issue a new invoice; both "
                "are transferred as usual. Nothing needs to be run again."
            )
        case "TransientError" | "RateLimited":
            return (
                "Nothing is lost and nothing needs correcting in Moment. Check that PowerOffice "
                "Go is up (status.poweroffice.no), then run the transfer again."
            )
        case _ if failure.http_status == 403:
            return (
                'Ask PowerOffice Go support to check the "Moment Prosjekt" extension\'s '
                "privileges for your client, then run the transfer again."
            )
        case _:
            return (
                "Read PowerOffice Go's message below, correct the data in Moment (do not change "
                "Moment's invoice, customer or project numbers in PowerOffice Go), then run the "
                "transfer again."
            )


def _how_to_rerun(failure: Failure) -> str:
    if job := JOBS.get(failure.kind):
        moment = job.rerun
        command = job.command.format(tenant=failure.tenant_code)
    elif (kind := _kind(failure)) and kind.retransferable:
        moment = f"In Moment: Setup > Tools, transfer {kind.label}s, and enter {failure.number}."
        command = (
            f"sync-worker transfer {failure.kind}s {failure.number} --tenant {failure.tenant_code}"
        )
    else:
        moment = "Ask your sync-worker operator to re-run it; it resumes at the step that failed."
        command = f"sync-worker retry {failure.reference}"
    return f"{moment}\nOperators: {command}"
