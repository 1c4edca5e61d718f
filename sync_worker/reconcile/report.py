"""The reconciliation's report: the period, what was compared, the findings, how many
PowerOffice Go calls they cost, and the two ways to show it (text for a person, JSON for
machines)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sync_worker.reconcile.compare import Finding, Problem


@dataclass(frozen=True, slots=True)
class Report:
    tenant: str
    date_from: dt.date
    date_to: dt.date
    vouchers: int  # Moment's invoices and credit notes in the period
    customers: int  # of their customers, those compared with PowerOffice Go
    findings: tuple[Finding, ...]
    calls: int  # requests sent to PowerOffice Go, the token's included

    @property
    def ok(self) -> bool:
        """Nothing found: PowerOffice Go holds what Moment finalized in the period."""
        return not self.findings

    def counts(self) -> dict[str, int]:
        return {
            problem.name.lower(): sum(1 for f in self.findings if f.problem is problem)
            for problem in Problem
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "ok": self.ok,
            "vouchers_compared": self.vouchers,
            "customers_compared": self.customers,
            "counts": self.counts(),
            "poweroffice_calls": self.calls,
            "findings": [
                {
                    "problem": finding.problem.name.lower(),
                    "title": finding.problem.value,
                    "number": finding.number,
                    "what": finding.what,
                    "fix": finding.fix,
                }
                for finding in self.findings
            ],
        }

    def text(self) -> str:
        lines = [
            f"Reconciliation of tenant {self.tenant}, {self.date_from} to {self.date_to}: "
            f"{self.vouchers} invoices and credit notes, {self.customers} customers "
            "against PowerOffice Go."
        ]
        width = max((len(finding.problem.value) for finding in self.findings), default=0)
        for finding in self.findings:
            lines.append(f"✗ {finding.problem.value:<{width}}  {finding.number}: {finding.what}")
            lines.append(f"  {'':<{width}}  → {finding.fix}")
        summary = f"{len(self.findings)} findings" if self.findings else "✓ nothing found"
        lines.append(f"{summary}; {self.calls} calls to PowerOffice Go.")
        return "\n".join(lines)
