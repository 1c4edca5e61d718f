"""Messages as text: a JSON object, a JSON array of them, or JSON lines, read strictly.

Python's `json` takes a repeated key (the last one wins, silently) and the non-JSON
constants `NaN` and `Infinity`. Here a repeated key is kept as a mark on its object, which
the contract refuses naming the key (`sync_worker.schemas.raw`), and the constants are read
as the floats they stand for, which the contract refuses naming their field. So one bad
document is refused on its own, with its own error, and never sinks the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class RepeatedKeys(dict):
    """A JSON object that spelled some of its keys more than once (the last value kept)."""

    repeated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """One message's text, read: its value, or why it could not be read. `label` names it
    for a person: "line 3" of JSON lines, "item 2" of an array, or "document"."""

    label: str
    value: Any = None
    unreadable: str | None = None


def read_documents(text: str) -> list[Document]:
    """Every document in `text`, in order; an unreadable line is one unreadable document."""
    stripped = text.strip()
    if not stripped:
        return []
    try:
        whole = loads(stripped)
    except (ValueError, RecursionError):
        return _lines(stripped)
    if isinstance(whole, list):
        return [Document(f"item {number}", item) for number, item in enumerate(whole, start=1)]
    return [Document("document", whole)]


def loads(text: str) -> Any:
    """`json.loads`, keeping repeated keys as a mark; raises ValueError when not JSON."""
    return json.loads(text, object_pairs_hook=_object)


def _lines(text: str) -> list[Document]:
    documents = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label = f"line {number}"
        try:
            documents.append(Document(label, loads(line)))
        except json.JSONDecodeError as exc:
            documents.append(Document(label, unreadable=f"{label}: not JSON ({_reason(exc)})"))
        except ValueError as exc:  # e.g. an integer longer than Python converts
            documents.append(Document(label, unreadable=f"{label}: not JSON ({exc})"))
        except RecursionError:
            documents.append(Document(label, unreadable=f"{label}: not JSON (nested too deep)"))
    return documents


def _reason(error: json.JSONDecodeError) -> str:
    return f"{error.msg}, column {error.colno}"


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    repeated: list[str] = []
    for key, value in pairs:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen[key] = value
    if not repeated:
        return seen
    marked = RepeatedKeys(seen)
    marked.repeated = tuple(repeated)
    return marked
