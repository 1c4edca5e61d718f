"""The shared flow of a customer or project transfer.

    skip when unchanged → find by number or code → create, or patch only what changed

A subclass says how its kind is found, created and described; the order of the steps,
the skipping rules and the bookkeeping live here once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sync_worker.db.models import EntityState, SyncStatus, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import AlreadyExists, ApiRejected, NotFound, TransientError
from sync_worker.locks import advisory_lock
from sync_worker.mapping.patches import json_patch
from sync_worker.schemas.entities import Customer, Project
from sync_worker.schemas.snapshots import content_hash
from sync_worker.transfers import state as states
from sync_worker.transfers.context import Transfer

UNCHANGED = "unchanged since the last transfer"


class EntitySync:
    kind: ClassVar[str]

    def __init__(self, run: Transfer, entity: Customer | Project):
        self.run = run
        self.entity = entity
        self.number = str(entity.number)

    # --- what each kind says -------------------------------------------------------------

    def resource(self) -> Any:
        """The client resource with get(id), create(body) and patch(id, operations)."""
        raise NotImplementedError

    def find(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def desired(self, state: EntityState) -> dict[str, Any]:
        """The fields Moment owns, as PowerOffice Go names them; checks run here."""
        raise NotImplementedError

    def create_body(self, desired: dict[str, Any]) -> dict[str, Any]:
        return desired

    def extra_state(self, pogo: dict[str, Any], state: EntityState) -> dict[str, Any]:
        """More to keep from PowerOffice Go's answer."""
        return {}

    def local_state(self) -> dict[str, Any]:
        """What this system keeps of the entity that PowerOffice Go never sees (not hashed,
        so it is stored even when the transfer is skipped as unchanged)."""
        return {}

    # --- the flow ----------------------------------------------------------------------------

    @classmethod
    def handle_message(cls, run: Transfer, _state: EntityState) -> bool:
        """The runner's handler of this kind's own message (`customer.changed`, …)."""
        envelope = run.envelope
        cls(run, envelope.data).sync(occurred_at=envelope.occurred_at, version=envelope.version)
        return True

    def sync(self, *, occurred_at: dt.datetime, version: int | None) -> EntityState:
        """Bring the entity up to date in PowerOffice Go; no API call when nothing changed.

        `version` is the entity message's version, or None when the entity travels inside
        an invoice (it then has no version of its own, only the time it was true). The
        entity's lock is held while anything is written, so an invoice's copy and the
        entity's own message never write over each other (re-entrant: the entity's own run
        holds it already); a copy with nothing to write takes no lock.
        """
        digest = content_hash(self.entity)
        unchanged = self._skip_without_lock(digest, occurred_at)
        if unchanged is not None:
            return unchanged
        key = f"{self.kind}:{self.number}"
        with advisory_lock("entity", self.run.tenant.id, key, reentrant=True):
            return self._sync_locked(digest, occurred_at, version)

    @property
    def force(self) -> bool:
        """A manual message forces its own entity, not the customer inside an invoice."""
        return self.run.force and self.run.envelope.kind == self.kind

    def _skip_without_lock(self, digest: str, occurred_at: dt.datetime) -> EntityState | None:
        """The state, with the skip logged, when this copy has nothing to write; else None.

        Race-safe without the lock: the state read is one committed row, and a skip writes
        nothing of the entity (only its line in the history). A writer that holds the lock
        meanwhile is as if it ran just after this read, which is an order the lock allows
        too: it finds the state this skip left, unchanged. Whatever would write (a new or
        changed copy, a local value that differs, a manual message) goes on under the lock
        and reads the state again there."""
        with session_scope() as session:
            state = states.get_state(session, self.run.tenant.id, self.kind, self.number)
            reason = self._reason_to_skip(state, digest, occurred_at)
            if reason is None or (reason == UNCHANGED and self._local_state_differs(state)):
                return None
            self.run.record(state.id, self.kind, "skipped", reason, session=session)
            return state

    def _local_state_differs(self, state: EntityState) -> bool:
        return any(getattr(state, name) != value for name, value in self.local_state().items())

    def _sync_locked(
        self, digest: str, occurred_at: dt.datetime, version: int | None
    ) -> EntityState:
        with session_scope() as session:
            state = states.get_state(session, self.run.tenant.id, self.kind, self.number)
            reason = self._reason_to_skip(state, digest, occurred_at)
            if reason:
                self.run.record(state.id, self.kind, "skipped", reason, session=session)
                if reason == UNCHANGED and self.local_state():
                    return states.write_state(session, state.id, **self.local_state())
                return state
        desired = self.desired(state)
        with self.run.step_of(state.id, self.kind) as step:
            pogo, created = self._find_or_create(state, desired)
            operations = [] if created else json_patch(self._previous(state, pogo), desired)
            if operations:
                self._patch(state, pogo["Id"], operations)
            step["detail"] = _describe(created, operations)
            return states.update_state(
                state.id,
                pogo_id=str(pogo["Id"]),
                transferred_fields=desired,
                content_hash=digest,
                transferred_version=max(
                    filter(None, [version, state.transferred_version]), default=None
                ),
                source_occurred_at=max(filter(None, [occurred_at, state.source_occurred_at])),
                source_message_id=self.run.message.id,
                status=SyncStatus.DONE,
                last_error=None,
                attempts=0,
                transferred_at=utcnow(),
                **self.extra_state(pogo, state),
                **self.local_state(),
            )

    def _reason_to_skip(
        self, state: EntityState, digest: str, occurred_at: dt.datetime
    ) -> str | None:
        if not state.pogo_id:
            return None
        # Even a manual transfer never sends data older than what PowerOffice Go holds.
        if state.source_occurred_at is not None and occurred_at < state.source_occurred_at:
            return "an older copy than the one already sent"
        if state.status == SyncStatus.DONE and state.content_hash == digest and not self.force:
            return UNCHANGED
        return None

    def _find_or_create(
        self, state: EntityState, desired: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """The entity in PowerOffice Go, and whether this call created it."""
        if state.pogo_id:
            return {"Id": int(state.pogo_id)}, False
        found = self.find()
        if found:
            return found, False
        try:
            return self.resource().create(self.create_body(desired)), True
        except AlreadyExists:
            # An earlier create landed but its answer was lost: adopt what is there.
            found = self.find()
            if not found:
                raise TransientError(
                    f"{self.kind} {self.number} exists in PowerOffice Go but cannot be read yet"
                ) from None
            return found, False

    def _previous(self, state: EntityState, pogo: dict[str, Any]) -> dict[str, Any]:
        """What PowerOffice Go holds, as far as we know without asking again."""
        if self.force:
            return {}  # a manual transfer rewrites every field Moment owns
        if state.pogo_id and state.transferred_fields:
            return state.transferred_fields
        return pogo  # just found by number: diff against PowerOffice Go's own copy

    def _patch(self, state: EntityState, pogo_id: int, operations: list[dict[str, Any]]) -> None:
        try:
            self.resource().patch(pogo_id, operations)
        except NotFound as not_found:
            if self._still_there(pogo_id):
                # The 404 names something the patch refers to (a department, say), not
                # the entity: a person has to fix that reference.
                raise ApiRejected(
                    f"{self.kind} {self.number} was not updated in PowerOffice Go: something "
                    f"it refers to does not exist there",
                    http_status=not_found.http_status,
                    detail=not_found.detail,
                ) from None
            # Deleted in PowerOffice Go since we sent it: forget the id; the retry creates it.
            states.update_state(state.id, pogo_id=None, transferred_fields=None)
            raise TransientError(
                f"{self.kind} {self.number} was deleted in PowerOffice Go; it is created again"
            ) from None

    def _still_there(self, pogo_id: int) -> bool:
        try:
            self.resource().get(pogo_id)
        except NotFound:
            return False
        return True


def _describe(created: bool, operations: list[dict[str, Any]]) -> str:
    if created:
        return "created"
    if not operations:
        return "already up to date"
    return "updated " + ", ".join(op["path"].lstrip("/") for op in operations)
