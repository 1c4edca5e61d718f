"""The reconciliation: Moment's finalized invoices and credit notes of a period, and their
customers, against what PowerOffice Go holds; each difference a finding with its fix
(docs/doctor-and-reconciliation.md)."""

from sync_worker.reconcile.compare import Finding, Problem
from sync_worker.reconcile.report import Report
from sync_worker.reconcile.run import reconcile

__all__ = ["Finding", "Problem", "Report", "reconcile"]
