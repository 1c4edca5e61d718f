"""RFC 6902 JSON Patch between what PowerOffice Go has and what it should have."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def json_patch(previous: Mapping[str, Any], desired: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The operations that turn `previous` into `desired`, for the keys of `desired` only.

    `previous` may be our stored last-transferred fields or PowerOffice Go's own object:
    keys we do not own are left alone. Nested objects are compared field by field
    (`/MailAddress/City`); anything else is replaced whole. Empty when nothing changed.
    """
    return list(_operations(previous, desired, ""))


def _operations(previous: Mapping[str, Any], desired: Mapping[str, Any], prefix: str):
    for key, value in desired.items():
        path = f"{prefix}/{_escape(key)}"
        if key not in previous:
            # "replace" needs the member to exist; "add" sets it either way.
            yield {"op": "add", "path": path, "value": value}
        elif isinstance(value, Mapping) and isinstance(previous[key], Mapping):
            yield from _operations(previous[key], value, path)
        elif previous[key] != value:
            yield {"op": "replace", "path": path, "value": value}


def _escape(key: str) -> str:
    # RFC 6901: "~" and "/" inside a key.
    return key.replace("~", "~0").replace("/", "~1")
