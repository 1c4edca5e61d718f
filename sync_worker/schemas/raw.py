"""What the worker system's own database holds, and what a raw message must be to be stored.

A message that keeps the contract can still be one that PostgreSQL refuses: a version
above int64, a number longer than its column, a NUL character, a NaN in the payload. One
such message would fail the INSERT of its whole batch, so the contract refuses it at the
door instead, naming the field. The column lengths are read from the models
(`sync_worker.db.models`), never written out again here.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column

from sync_worker.db.models import EntityState, ErrorEmail, Message
from sync_worker.schemas.json_text import RepeatedKeys

# PostgreSQL's bigint (a message's version) and PowerOffice Go's int64 alike.
INT64_MAX = 2**63 - 1


def _length(*columns: Column) -> int:
    return min(column.type.length for column in columns)


# An entity's number is stored with its message, its state and its error e-mails.
ENTITY_NUMBER_LENGTH = _length(
    Message.__table__.c.entity_number, EntityState.__table__.c.number, ErrorEmail.__table__.c.number
)

# Far deeper than the contract nests (data.lines.0.accrual.from); the bound keeps a
# hostile document from exhausting the stack of whatever reads it next.
MAX_DEPTH = 32
NUL = "\x00"


def problems(raw: Any) -> dict[str, list[str]]:
    """Each path of `raw` that is not a JSON value PostgreSQL can store, with the reason."""
    found: dict[str, list[str]] = {}
    pending: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        problem = _problem(value, depth)
        if problem:
            found.setdefault(path or "message", []).append(problem)
            continue
        children: list[tuple[Any, str, int]] = []
        if isinstance(value, Mapping):
            for key in value.repeated if isinstance(value, RepeatedKeys) else ():
                found.setdefault(_join(path, key), []).append(
                    "This key appears more than once in its JSON object."
                )
            for key, child in value.items():
                if not isinstance(key, str) or NUL in key:
                    found.setdefault(path or "message", []).append(
                        f"The key {key!r} is not a JSON key that can be stored."
                    )
                    continue
                children.append((child, _join(path, key), depth + 1))
        elif isinstance(value, list | tuple):
            children = [(child, _join(path, str(i)), depth + 1) for i, child in enumerate(value)]
        pending.extend(reversed(children))  # in document order
    return found


def _problem(value: Any, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"Nested more than {MAX_DEPTH} levels deep."
    if value is None or isinstance(value, bool | Mapping | list | tuple):
        return None
    if isinstance(value, str):
        if NUL in value:
            return (
                f"Contains the NUL character (U+0000) at position {value.index(NUL) + 1}, "
                "which the database cannot store."
            )
        return None
    if isinstance(value, int):
        return _integer_problem(value)
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{_constant(value)} is not a JSON number."
    return f"A {type(value).__name__} is not a JSON value."


def _constant(value: float) -> str:
    """How JSON text that Python reads spells it."""
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _integer_problem(value: int) -> str | None:
    try:
        str(value)
    except ValueError:  # Python writes no integer longer than this as text, JSON included
        return f"An integer of more than {sys.get_int_max_str_digits()} digits cannot be stored."
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
