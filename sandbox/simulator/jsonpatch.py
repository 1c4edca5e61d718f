"""RFC 6902 JSON Patch as PowerOffice Go's ASP.NET applies it to a typed DTO.

The document is the DTO's writable part, so a path may only name a property the DTO has
(`add` cannot invent one) and `remove` on a property resets it to null. Property names
match case-insensitively (`/mailAddress/city` reaches `MailAddress.City`).
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.simulator.responses import ApiError


class _Target:
    """Where a path points: a container and the key or index inside it."""

    def __init__(self, container: Any, key: Any) -> None:
        self.container = container
        self.key = key

    def get(self) -> Any:
        return self.container[self.key]

    def set(self, value: Any) -> None:
        self.container[self.key] = value

    def insert(self, value: Any) -> None:
        if isinstance(self.container, list):
            self.container.insert(self.key, value)
        else:
            self.container[self.key] = value

    def remove(self) -> Any:
        if isinstance(self.container, list):
            return self.container.pop(self.key)
        value, self.container[self.key] = self.container[self.key], None
        return value


def apply_patch(document: dict, operations: Any, dto_name: str) -> dict:
    """A patched deep copy of `document`; any bad operation raises a 400 `ApiError`."""
    if not isinstance(operations, list):
        raise _error("The JSON patch document must be an array of operations.")
    patched = copy.deepcopy(document)
    for operation in operations:
        _apply(patched, _normalized(operation), dto_name)
    return patched


def _normalized(operation: Any) -> dict[str, Any]:
    if not isinstance(operation, dict):
        raise _error("Each JSON patch operation must be an object.")
    fields = {str(key).lower(): value for key, value in operation.items()}
    if not isinstance(fields.get("op"), str) or not isinstance(fields.get("path"), str):
        raise _error("Each JSON patch operation needs 'op' and 'path'.")
    return fields


def _apply(document: dict, operation: dict[str, Any], dto_name: str) -> None:
    op, path = operation["op"].lower(), operation["path"]
    if op in ("add", "replace", "test") and "value" not in operation:
        raise _error(f"The '{op}' operation at path '{path}' needs a 'value'.")
    if op == "add":
        _locate(document, path, dto_name, appending=True).insert(operation["value"])
    elif op == "replace":
        _locate(document, path, dto_name).set(operation["value"])
    elif op == "remove":
        _locate(document, path, dto_name).remove()
    elif op == "test":
        _test(_locate(document, path, dto_name).get(), operation["value"], path)
    elif op in ("copy", "move"):
        source = _locate(document, _from(operation), dto_name)
        value = source.remove() if op == "move" else copy.deepcopy(source.get())
        _locate(document, path, dto_name, appending=True).insert(value)
    else:
        raise _error(f"Invalid JsonPatch operation '{operation['op']}'.")


def _from(operation: dict[str, Any]) -> str:
    source = operation.get("from")
    if not isinstance(source, str):
        raise _error(f"The '{operation['op']}' operation needs a 'from' path.")
    return source


def _test(current: Any, expected: Any, path: str) -> None:
    if current != expected:
        raise _error(
            f"The current value '{current}' at path '{path}' is not equal to "
            f"the test value '{expected}'."
        )


def _locate(document: dict, path: str, dto_name: str, *, appending: bool = False) -> _Target:
    segments = _segments(path)
    if not segments:
        raise _not_found(dto_name, "")
    container: Any = document
    for segment in segments[:-1]:
        target = _child(container, segment, dto_name, appending=False)
        container = target.get()
        if not isinstance(container, dict | list):
            raise _not_found(dto_name, segment)
    return _child(container, segments[-1], dto_name, appending=appending)


def _segments(path: str) -> list[str]:
    if not path.startswith("/"):
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _child(container: dict | list, segment: str, dto_name: str, *, appending: bool) -> _Target:
    if isinstance(container, dict):
        key = next((name for name in container if name.lower() == segment.lower()), None)
        if key is None:
            raise _not_found(dto_name, segment)
        return _Target(container, key)
    last = len(container) if appending else len(container) - 1
    if segment == "-" and appending:
        return _Target(container, len(container))
    if not segment.isdigit() or int(segment) > last:
        raise _not_found(dto_name, segment)
    return _Target(container, int(segment))


def _not_found(dto_name: str, segment: str) -> ApiError:
    return _error(
        f"{dto_name}: The target location specified by path segment '{segment}' was not found."
    )


def _error(detail: str) -> ApiError:
    return ApiError(400, "Invalid JSON patch document", detail)
