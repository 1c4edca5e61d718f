"""The reconciliation: Moment's finalized invoices and credit notes of a period, and their
customers and projects, against what PowerOffice Go holds; each difference a finding with
its fix, fixed by the system where it may; daily on beat (docs/doctor-and-reconciliation.md)."""

from sync_worker.reconcile.compare import Finding, Problem, Remedy
from sync_worker.reconcile.report import Report
from sync_worker.reconcile.run import reconcile
from sync_worker.reconcile.store import latest

__all__ = ["Finding", "Problem", "Remedy", "Report", "latest", "reconcile"]
