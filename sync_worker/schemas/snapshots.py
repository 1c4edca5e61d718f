"""What was transferred, as JSON: stored snapshots and the content hashes that compare them.

A hash covers exactly what reaches PowerOffice Go, so a change to anything else (a
customer's state, a project's expense price model) does not count as a change to transfer.
The same content always hashes the same: keys are sorted and decimals normalised, so
"1250.50" and "1250.5" are one amount.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sync_worker.schemas.entities import Attachment, Customer, Entity, Project

# Fields Moment sends that are never written to PowerOffice Go.
NOT_TRANSFERRED: dict[type, frozenset[str]] = {
    Customer: frozenset({"state"}),  # every state is transferred alike
    Project: frozenset({"expenses_billable"}),  # used when importing expenses, not exporting
}


def snapshot(entity: Entity) -> dict[str, Any]:
    """The entity's transferable fields as JSON-able values; the PDF appears as its sha256."""
    return _jsonable(entity)


def content_hash(entity: Entity) -> str:
    """sha256 (hex) of the canonical JSON of `snapshot(entity)`."""
    canonical = json.dumps(
        snapshot(entity), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Attachment):
        # The PDF itself would bloat every stored snapshot; its digest still changes the hash.
        return {
            "filename": value.filename,
            "content_type": value.content_type,
            "content_sha256": hashlib.sha256(value.content).hexdigest(),
        }
    if is_dataclass(value):
        skipped = NOT_TRANSFERRED.get(type(value), frozenset())
        return {
            f.name.rstrip("_"): _jsonable(getattr(value, f.name))
            for f in fields(value)
            if f.name not in skipped
        }
    if isinstance(value, Decimal):
        return _normalised(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    return value


def _normalised(number: Decimal) -> str:
    # Fixed-point ("f"): normalize() alone writes 100 as "1E+2"; and -0 is 0.
    return "0" if number.is_zero() else format(number.normalize(), "f")
