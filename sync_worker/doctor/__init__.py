"""The setup doctor: a tenant's setup checked against its live PowerOffice Go client
before the first transfer, each check a line with ✓ / ⚠ / ✗ and what to do
(docs/doctor-and-reconciliation.md)."""

from sync_worker.doctor.checks import Finding, Status
from sync_worker.doctor.report import Report
from sync_worker.doctor.run import check_client_key, diagnose

__all__ = ["Finding", "Report", "Status", "check_client_key", "diagnose"]
