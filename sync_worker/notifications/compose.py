"""The text of an error e-mail, built from a failure without any I/O.

The reader is an accountant or an administrator at the Moment company, not a developer:
every e-mail says which record, what failed, why in plain words, what to do, PowerOffice
Go's own words when it said something, and how to run the transfer again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sync_worker import kinds
from sync_worker.norway import OSLO

# Not an entity kind: what a failed expense import is filed under instead of one.
EXPENSE_IMPORT = "expense_import"


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
    what = _what(failure)
    subject = f"[sync-worker] {failure.tenant_code}: {what} was not transferred to PowerOffice Go"
    if failure.kind == EXPENSE_IMPORT:
        subject = (
            f"[sync-worker] {failure.tenant_code}: the expense import from PowerOffice Go failed"
        )
    sections = [
        f"{_capital(what)} could not be transferred to PowerOffice Go.",
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
    return Email(subject=subject, body="\n\n".join(sections) + "\n")


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
    if failure.kind == EXPENSE_IMPORT:
        return f"the expense import of {failure.number}"
    return f"{_label(failure)} {failure.number}"


def _kind(failure: Failure) -> kinds.Kind | None:
    try:
        return kinds.get(failure.kind)
    except ValueError:  # stored before its kind was renamed or removed: the e-mail still goes
        return None


def _label(failure: Failure) -> str:
    kind = _kind(failure)
    return kind.label if kind else failure.kind.replace("_", " ")


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
    if failure.kind == EXPENSE_IMPORT:
        moment = "The import runs again on its own at the next interval."
        command = f"sync-worker import-expenses --tenant {failure.tenant_code}"
    elif (kind := _kind(failure)) and kind.retransferable:
        moment = f"In Moment: Setup > Tools, transfer {kind.label}s, and enter {failure.number}."
        command = (
            f"sync-worker transfer {failure.kind}s {failure.number} --tenant {failure.tenant_code}"
        )
    else:
        moment = "Ask your sync-worker operator to re-run it; it resumes at the step that failed."
        command = f"sync-worker retry {failure.reference}"
    return f"{moment}\nOperators: {command}"
