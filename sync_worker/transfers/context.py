"""What one transfer run works with: tenant, message, client, and its step log."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session

from sync_worker import history, leases
from sync_worker.db.models import Message, Tenant
from sync_worker.db.session import session_scope
from sync_worker.errors import ExportRefused
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.schemas.entities import Envelope

T = TypeVar("T")


@dataclass
class CallLog:
    """PowerOffice Go's answers during the current step (fed by the client's observer)."""

    statuses: list[int] = field(default_factory=list)

    def __call__(self, _method: str, _path: str, status: int, _elapsed_ms: float) -> None:
        self.statuses.append(status)

    def take_last_status(self) -> int | None:
        last = self.statuses[-1] if self.statuses else None
        self.statuses.clear()
        return last


@dataclass
class Transfer:
    """One run of a transfer task for one message."""

    tenant: Tenant
    message: Message
    envelope: Envelope
    client: PowerOfficeClient
    calls: CallLog
    task_id: str | None = None
    step: str = "start"

    @property
    def force(self) -> bool:
        """A manual message is sent even when nothing changed since the last transfer."""
        return self.envelope.trigger == "manual"

    @contextmanager
    def step_of(self, state_id: int, step: str) -> Iterator[dict]:
        """Run one step and log it as done; the body may put a `detail` in the dict.

        A failing step is logged by the runner, which knows whether it will retry.
        """
        self.step = step
        self.calls.take_last_status()
        outcome = {"outcome": "ok", "detail": None}
        started = time.monotonic()
        yield outcome
        self.record(
            state_id,
            step,
            outcome["outcome"],
            outcome["detail"],
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    def record(
        self,
        state_id: int | None,
        step: str,
        outcome: str,
        detail: str | None = None,
        *,
        duration_ms: int | None = None,
        session: Session | None = None,
    ) -> None:
        """Log a step: in `session`'s transaction, with what else that step writes, or in
        a transaction of its own."""
        if session is None:
            with session_scope() as own:
                self.record(state_id, step, outcome, detail, duration_ms=duration_ms, session=own)
            return
        history.record(
            session,
            tenant_id=self.tenant.id,
            state_id=state_id,
            step=step,
            outcome=outcome,
            message_id=self.message.id,
            task_id=self.task_id,
            detail=detail,
            http_status=self.calls.take_last_status(),
            duration_ms=duration_ms,
        )
        # A step logged is a sign of life: the lease is renewed in the same commit.
        leases.hold([self.message.id], session=session)

    def checked(self, check: Callable[[bool], T]) -> T:
        """Run export rules, `check(refresh)`, on the cached look-ups; when they refuse on
        something PowerOffice Go may have changed since (a new account, a widened number
        series), once more on fresh ones before the refusal stands."""
        try:
            return check(False)
        except ExportRefused as refused:
            if not refused.rests_on_lookups:
                raise  # a missing VAT code or a wrong sum: fresh look-ups cannot help
            return check(True)
