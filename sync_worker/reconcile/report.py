"""The reconciliation's report: the period, what was compared, the findings (and what the
system fixed of them), how many PowerOffice Go calls they cost, and the two ways to show
it (text for a person, JSON for machines). The JSON is also what is stored, and
`Report.from_dict` reads it back for `sync-worker reconcile --last`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sync_worker.reconcile.compare import Finding, Problem, Remedy

SYMBOLS = {"person": "✗", "fixed": "↻", "wait": "…"}


@dataclass(frozen=True, slots=True)
class Report:
    tenant: str
    date_from: dt.date
    date_to: dt.date
    vouchers: int  # Moment's invoices and credit notes in the period
    customers: int  # of their customers, those compared with PowerOffice Go
    projects: int  # of their projects, those compared with PowerOffice Go
    findings: tuple[Finding, ...]
    calls: int  # requests sent to PowerOffice Go, the token's included
    trigger: str = "manual"  # "daily" when beat ran it
    finished_at: dt.datetime | None = None  # set once stored

    @property
    def ok(self) -> bool:
        """Nothing needs a person: PowerOffice Go holds what Moment finalized in the period,
        or will once what was fixed, and what is on its way, has gone through."""
        return not self.needs_person

    @property
    def needs_person(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.needs_person)

    def counts(self) -> dict[str, int]:
        by_problem = {
            problem.name.lower(): sum(1 for f in self.findings if f.problem is problem)
            for problem in Problem
        }
        return {
            **by_problem,
            "needs_person": len(self.needs_person),
            "fixed": sum(1 for f in self.findings if f.fixed),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "trigger": self.trigger,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "ok": self.ok,
            "vouchers_compared": self.vouchers,
            "customers_compared": self.customers,
            "projects_compared": self.projects,
            "counts": self.counts(),
            "poweroffice_calls": self.calls,
            "findings": [
                {
                    "problem": finding.problem.name.lower(),
                    "title": finding.problem.value,
                    "number": finding.number,
                    "what": finding.what,
                    "fix": finding.fix,
                    "remedy": str(finding.remedy),
                    "needs_person": finding.needs_person,
                    "fixed": finding.fixed,
                    "state_id": finding.state_id,
                }
                for finding in self.findings
            ],
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Report:
        finished = stored.get("finished_at")
        return cls(
            tenant=stored["tenant"],
            date_from=dt.date.fromisoformat(stored["from"]),
            date_to=dt.date.fromisoformat(stored["to"]),
            vouchers=stored["vouchers_compared"],
            customers=stored["customers_compared"],
            projects=stored.get("projects_compared", 0),
            findings=tuple(
                Finding(
                    problem=Problem[finding["problem"].upper()],
                    number=finding["number"],
                    what=finding["what"],
                    fix=finding["fix"],
                    remedy=Remedy(finding["remedy"]),
                    state_id=finding.get("state_id"),
                    fixed=finding.get("fixed"),
                )
                for finding in stored["findings"]
            ),
            calls=stored["poweroffice_calls"],
            trigger=stored.get("trigger", "manual"),
            finished_at=dt.datetime.fromisoformat(finished) if finished else None,
        )

    def text(self) -> str:
        when = (
            f" ({self.trigger}, {self.finished_at:%Y-%m-%d %H:%M} UTC)" if self.finished_at else ""
        )
        lines = [
            f"Reconciliation of tenant {self.tenant}, {self.date_from} to {self.date_to}{when}: "
            f"{self.vouchers} invoices and credit notes, {self.customers} customers, "
            f"{self.projects} projects against PowerOffice Go."
        ]
        width = max((len(finding.problem.value) for finding in self.findings), default=0)
        for finding in self.findings:
            symbol = SYMBOLS[_shown_as(finding)]
            lines.append(
                f"{symbol} {finding.problem.value:<{width}}  {finding.number}: {finding.what}"
            )
            lines.append(f"  {'':<{width}}  → {finding.fixed or finding.fix}")
        lines.append(f"{self.summary()}; {self.calls} calls to PowerOffice Go.")
        return "\n".join(lines)

    def summary(self) -> str:
        if not self.findings:
            return "✓ nothing found"
        counts = self.counts()
        parts = [f"{counts['needs_person']} for a person"]
        if counts["fixed"]:
            parts.append(f"{counts['fixed']} fixed")
        waiting = len(self.findings) - counts["needs_person"] - counts["fixed"]
        if waiting:
            parts.append(f"{waiting} on its way")
        return f"{len(self.findings)} findings: " + ", ".join(parts)


def _shown_as(finding: Finding) -> str:
    if finding.fixed:
        return "fixed"
    return "person" if finding.needs_person else "wait"
