"""The reconciliation's comparisons: pure functions from what Moment finalized (as stored
here) and what PowerOffice Go answers to findings. No I/O (`run` does that), so each is
tested without a network.

Each finding names the invoice, customer or project number, what to do about it, and who
does it (`Remedy`): a person (a voucher in the books is a person's to reverse), the system
itself (a missing PDF, a customer or project edited by hand: Moment is the master), or
nobody yet (a transfer still on its way). Nothing is fixed here: `fixes` does that.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sync_worker.db.models import SyncStatus
from sync_worker.transfers.steps import ATTACHMENT_UPLOADED


class Problem(enum.StrEnum):
    MISSING = "missing in PowerOffice Go"
    DUPLICATE = "there twice"
    TOTAL = "another total"
    NO_PDF = "without PDF"
    UNKNOWN = "unknown in Moment"
    CUSTOMER = "customer drifted"
    PROJECT = "project drifted"


class Remedy(enum.StrEnum):
    """Who settles a finding."""

    PERSON = "person"  # only a person can: the reconciliation mails the tenant about it
    SYSTEM = "system"  # the system can, when the tenant allows fixes (`fixes.apply`)
    WAIT = "wait"  # nobody yet: the transfer is still on its way


@dataclass(frozen=True, slots=True)
class Finding:
    problem: Problem
    number: str  # the invoice, credit note, customer or project number
    what: str
    fix: str
    remedy: Remedy = Remedy.PERSON
    state_id: int | None = None  # the transfer a fix re-drives (a missing PDF's)
    fixed: str | None = None  # what the system did about it, once it did

    @property
    def needs_person(self) -> bool:
        """Only a person can settle it: a person's finding, or the system's left unfixed."""
        return self.remedy is Remedy.PERSON or (self.remedy is Remedy.SYSTEM and not self.fixed)


@dataclass(frozen=True, slots=True)
class MomentVoucher:
    """An invoice or credit note as Moment last finalized it, and how far its transfer got."""

    kind: str  # "invoice" or "credit_note"
    number: str
    invoice_date: dt.date
    total: Decimal  # including VAT, negative on a credit note, as the voucher carries it
    customer_number: str
    project_number: str | None = None
    state_id: int | None = None
    status: str | None = None
    step: str | None = None
    voucher_id: str | None = None  # the voucher this integration posted

    @property
    def label(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.number}"


def vouchers(
    tenant: str,
    moment: Sequence[MomentVoucher],
    rows: Sequence[Mapping[str, Any]],
    known_numbers: Collection[str],
) -> list[Finding]:
    """Moment's vouchers in the period against PowerOffice Go's `GET /OutgoingInvoices` rows
    of the same period: missing, there twice, another total; and the rows this integration
    posted whose number Moment never sent (`known_numbers`: every number it did send)."""
    live = live_rows_by_number(rows)
    findings: list[Finding] = []
    for voucher in moment:
        posted = live.get(voucher.number, [])
        if not posted:
            findings.append(_missing(tenant, voucher))
            continue
        if len(posted) > 1:
            findings.append(_duplicate(voucher, posted))
        row = ours(voucher, posted)
        if _amount(row.get("TotalAmount")) != voucher.total:
            findings.append(_other_total(voucher, row))
    findings += unknown(rows, known_numbers)
    return findings


def live_rows_by_number(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """The rows not reversed, by invoice number: a reversed voucher no longer counts."""
    live: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        if not row.get("IsReversed") and row.get("InvoiceNo") is not None:
            live[str(row["InvoiceNo"])].append(row)
    return live


def ours(voucher: MomentVoucher, posted: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Of the live rows with the voucher's number, the one this integration posted."""
    return min(posted, key=lambda row: (str(row.get("Id")) != voucher.voucher_id, _by_hand(row)))


def pdfs_to_ask(
    moment: Sequence[MomentVoucher], rows: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """Invoice number → voucher id of the vouchers whose PDF PowerOffice Go is asked about.

    `GET /VoucherDocumentation` answers for one voucher a call, so only the vouchers this
    integration posted whose upload is not recorded here are asked; a recorded upload was
    answered 204 by PowerOffice Go itself."""
    live = live_rows_by_number(rows)
    wanted: dict[str, str] = {}
    for voucher in moment:
        posted = live.get(voucher.number)
        if not posted or voucher.step == ATTACHMENT_UPLOADED:
            continue
        row = ours(voucher, posted)
        if not _by_hand(row):
            wanted[voucher.number] = str(row["Id"])
    return wanted


def missing_pdfs(
    moment: Sequence[MomentVoucher], documentation: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[Finding]:
    """The asked vouchers (`documentation`: invoice number → `GET /VoucherDocumentation`
    rows) that have no PDF."""
    by_number = {voucher.number: voucher for voucher in moment}
    findings = []
    for number, rows in documentation.items():
        if any(row.get("HasPdf") for row in rows):
            continue
        voucher = by_number[number]
        retry = f"`sync-worker retry {voucher.state_id}`" if voucher.state_id else "a retry"
        findings.append(
            Finding(
                Problem.NO_PDF,
                number,
                f"The voucher of {voucher.label} has no PDF in PowerOffice Go.",
                f"Run {retry}: it uploads the PDF Moment sent to the posted voucher (once "
                "the transfer has failed or stalled; before that it is still on its way).",
                Remedy.SYSTEM,
                voucher.state_id,
            )
        )
    return findings


def unknown(rows: Iterable[Mapping[str, Any]], known_numbers: Collection[str]) -> list[Finding]:
    """Live vouchers this integration posted whose invoice number Moment never sent."""
    return [
        Finding(
            Problem.UNKNOWN,
            number,
            f"Voucher no. {row.get('VoucherNo')} (invoice number {number}, total "
            f"{_amount(row.get('TotalAmount'))}) was posted by this integration, but Moment "
            "never sent that number to this tenant.",
            "Check whether another Moment company uses the same PowerOffice Go client key; "
            "if the voucher is wrong, reverse it in PowerOffice Go.",
        )
        for number, posted in sorted(live_rows_by_number(rows).items())
        if number not in known_numbers
        for row in posted
        if not _by_hand(row)
    ]


def customers(
    tenant: str,
    transferred: Mapping[str, Mapping[str, Any]],
    rows: Sequence[Mapping[str, Any]],
) -> list[Finding]:
    """Customers whose PowerOffice Go fields differ from what was last transferred
    (`transferred`: customer number → `EntityState.transferred_fields`)."""
    by_number = {str(row.get("Number")): row for row in rows}
    return _drifted(Problem.CUSTOMER, "customer", tenant, transferred, by_number.get)


def projects(
    tenant: str,
    transferred: Mapping[str, Mapping[str, Any]],
    rows: Sequence[Mapping[str, Any]],
) -> list[Finding]:
    """Projects whose PowerOffice Go fields differ from what was last transferred
    (`transferred`: project number → `EntityState.transferred_fields`). A project's code
    is matched without case, as PowerOffice Go matches it."""
    by_code = {str(row.get("Code") or "").casefold(): row for row in rows}
    return _drifted(
        Problem.PROJECT, "project", tenant, transferred, lambda code: by_code.get(code.casefold())
    )


def _drifted(
    problem: Problem,
    kind: str,
    tenant: str,
    transferred: Mapping[str, Mapping[str, Any]],
    row_of: Callable[[str], Mapping[str, Any] | None],
) -> list[Finding]:
    findings = []
    for number, fields in sorted(transferred.items()):
        transfer = f"`sync-worker transfer {kind} {number} --tenant {tenant}`"
        row = row_of(number)
        if row is None:
            findings.append(
                Finding(
                    problem,
                    number,
                    f"{kind.capitalize()} {number} is no longer in PowerOffice Go.",
                    f"Run {transfer}: it creates the {kind} again from Moment.",
                    Remedy.SYSTEM,
                )
            )
            continue
        changed = drifted_fields(fields, row)
        if changed:
            findings.append(
                Finding(
                    problem,
                    number,
                    f"{kind.capitalize()} {number} was changed in PowerOffice Go: "
                    + "; ".join(
                        f"{name} is {theirs!r}, Moment sent {mine!r}"
                        for name, mine, theirs in changed
                    )
                    + ".",
                    f"Moment is the master: run {transfer} to write Moment's fields back, or "
                    f"correct the {kind} in Moment first if PowerOffice Go's are right.",
                    Remedy.SYSTEM,
                )
            )
    return findings


def drifted_fields(
    sent: Mapping[str, Any], pogo: Mapping[str, Any], prefix: str = ""
) -> list[tuple[str, Any, Any]]:
    """(field, what was sent, what PowerOffice Go holds) for each field sent that differs;
    an empty text and no value are the same, as PowerOffice Go stores them alike."""
    changed: list[tuple[str, Any, Any]] = []
    for name, mine in sent.items():
        theirs = pogo.get(name)
        if isinstance(mine, Mapping):
            changed += drifted_fields(mine, theirs or {}, f"{prefix}{name}.")
        elif _comparable(mine) != _comparable(theirs):
            changed.append((f"{prefix}{name}", mine, theirs))
    return changed


def _missing(tenant: str, voucher: MomentVoucher) -> Finding:
    what = (
        f"{voucher.label.capitalize()} ({voucher.invoice_date.isoformat()}, total "
        f"{voucher.total}) is not in PowerOffice Go"
    )
    history = f"`sync-worker history {voucher.kind} {voucher.number} --tenant {tenant}`"
    if voucher.voucher_id:
        return Finding(
            Problem.MISSING,
            voucher.number,
            f"{what}: it was posted as voucher {voucher.voucher_id}, since reversed or deleted.",
            "Ask who removed it and why; if Moment's invoice stands, post it again in "
            "PowerOffice Go with Moment's total.",
        )
    if voucher.status == SyncStatus.FAILED:
        return Finding(
            Problem.MISSING,
            voucher.number,
            f"{what}: its transfer failed.",
            f"See {history}, fix what it names, then run `sync-worker retry {voucher.state_id}`.",
        )
    return Finding(
        Problem.MISSING,
        voucher.number,
        f"{what}: its transfer has not finished ({voucher.status or 'not started'}).",
        f"It goes on by itself; if it is still missing tomorrow, see {history}.",
        Remedy.WAIT,
    )


def _duplicate(voucher: MomentVoucher, posted: Sequence[Mapping[str, Any]]) -> Finding:
    mine = ours(voucher, posted)
    others = [row for row in posted if row is not mine]
    extra = ", ".join(f"no. {row.get('VoucherNo')}" for row in others)
    listed = ", ".join(
        f"no. {row.get('VoucherNo')} ({_who(row)}, total {_amount(row.get('TotalAmount'))})"
        for row in others
    )
    return Finding(
        Problem.DUPLICATE,
        voucher.number,
        f"{voucher.label.capitalize()} is in PowerOffice Go {len(posted)} times: voucher no. "
        f"{mine.get('VoucherNo')} is Moment's, and also {listed}.",
        f"Reverse the extra voucher{'s' if len(others) > 1 else ''} in PowerOffice Go "
        f"({extra}); keep no. {mine.get('VoucherNo')}.",
    )


def _other_total(voucher: MomentVoucher, row: Mapping[str, Any]) -> Finding:
    return Finding(
        Problem.TOTAL,
        voucher.number,
        f"{voucher.label.capitalize()} is posted as voucher no. {row.get('VoucherNo')} with "
        f"total {_amount(row.get('TotalAmount'))}; Moment finalized {voucher.total}.",
        f"Moment is the master: reverse voucher no. {row.get('VoucherNo')} in PowerOffice Go "
        f"and post {voucher.label} with Moment's total {voucher.total} (ask who changed it).",
    )


def _who(row: Mapping[str, Any]) -> str:
    return "not posted by this integration" if _by_hand(row) else "posted by this integration"


def _by_hand(row: Mapping[str, Any]) -> bool:
    return not row.get("IsCreatedByCurrentIntegration")


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _comparable(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
