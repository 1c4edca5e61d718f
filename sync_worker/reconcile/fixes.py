"""What the reconciliation fixes by itself, when the tenant allows it (`Tenant.reconcile_fixes`).

Only what the system would do anyway once asked, and nothing a person must decide: a
voucher of ours without its PDF gets the PDF Moment sent (the transfer resumes at its
upload; the voucher is never posted again), and a customer or project edited by hand in
PowerOffice Go gets Moment's fields back (Moment is the master). Each fix is a queued
transfer, the same an operator's `sync-worker retry` or `transfer` would queue, so it is
recorded, retried and mailed like any other; the finding says what was queued.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sync_worker import kinds, operations
from sync_worker.reconcile.compare import Finding, Problem, Remedy

RETRANSFERRED = {Problem.CUSTOMER: kinds.CUSTOMER, Problem.PROJECT: kinds.PROJECT}


def apply(tenant_code: str, findings: Iterable[Finding]) -> list[Finding]:
    """The findings, those the system could fix marked with what it queued."""
    return [_fix(tenant_code, finding) for finding in findings]


def _fix(tenant_code: str, finding: Finding) -> Finding:
    if finding.remedy is not Remedy.SYSTEM:
        return finding
    if finding.problem is Problem.NO_PDF and finding.state_id is not None:
        [requested] = operations.retry([finding.state_id])
        done = f"Queued the PDF upload again (transfer #{finding.state_id})."
    elif finding.problem in RETRANSFERRED:
        kind = RETRANSFERRED[finding.problem]
        [requested] = operations.retransfer(tenant_code, kind, [finding.number])
        done = f"Queued a transfer of Moment's latest {kind} {finding.number}."
    else:
        return finding
    return dataclasses.replace(finding, fixed=done) if requested.queued else finding
