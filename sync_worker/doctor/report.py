"""The doctor's report: its findings, how many PowerOffice Go calls they cost, and the two
ways to show it (text for a person, JSON for machines)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sync_worker.doctor.checks import Finding, Status


@dataclass(frozen=True, slots=True)
class Report:
    tenant: str
    findings: tuple[Finding, ...]
    calls: int  # requests sent to PowerOffice Go, the token's included

    @property
    def ok(self) -> bool:
        """No ✗: nothing the doctor found will stop a transfer."""
        return all(finding.status is not Status.FAILED for finding in self.findings)

    def counts(self) -> dict[str, int]:
        counted = Counter(finding.status for finding in self.findings)
        return {status.name.lower(): counted[status] for status in Status}

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "ok": self.ok,
            "counts": self.counts(),
            "poweroffice_calls": self.calls,
            "findings": [
                {
                    "status": finding.status.name.lower(),
                    "symbol": finding.status.value,
                    "check": finding.check,
                    "what": finding.what,
                    "fix": finding.fix,
                }
                for finding in self.findings
            ],
        }

    def text(self) -> str:
        width = max((len(finding.check) for finding in self.findings), default=0)
        lines = [f"Setup of tenant {self.tenant} against PowerOffice Go:"]
        for finding in self.findings:
            lines.append(f"{finding.status.value} {finding.check:<{width}}  {finding.what}")
            if finding.fix:
                lines.append(f"  {'':<{width}}  → {finding.fix}")
        counts = self.counts()
        lines.append(
            f"{counts['failed']} ✗, {counts['warning']} ⚠, {counts['ok']} ✓; "
            f"{self.calls} calls to PowerOffice Go."
        )
        return "\n".join(lines)
