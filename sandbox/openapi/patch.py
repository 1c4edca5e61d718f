"""JSON Patch bodies (`application/json-patch+json`) of the PATCH operations.

The spec's `JsonPatchDocument` is an array of `Operation {op, path, value, from}` and points
to RFC 6902 for the rest; its `value: {type: object}` is the generator's rendering of .NET
`object` (any value: the spec's own examples patch strings, numbers and arrays), so a value is
checked against the property its path names instead. That property comes from the entity's
post DTO (`CustomerPostDto` for `PATCH /Customers/{id}`): the spec names a `CustomerPatchDto`
but does not define it, and the post DTO holds the same writable fields. Patch paths match
property names case-insensitively, as the spec's examples (`/phoneNumber`) show.
"""

from __future__ import annotations

from typing import Any

from sandbox.openapi import jsonschemas, spec

OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
NEEDS_VALUE = ("add", "replace", "test")
NEEDS_FROM = ("move", "copy")


class _Unreachable(Exception):
    """A patch path that names no writable property of the target schema."""


def patch_problems(document: Any, target: dict[str, Any]) -> list[str]:
    """What is wrong with a JSON Patch `document` applied to an object of `target`."""
    if not isinstance(document, list):
        return ["body: a JSON Patch document is an array of operations"]
    return [text for index, item in enumerate(document) for text in _problems(index, item, target)]


def _problems(index: int, item: Any, target: dict[str, Any]) -> list[str]:
    where = f"body[{index}]"
    if not isinstance(item, dict):
        return [f"{where}: an operation is an object"]
    op, path = item.get("op"), item.get("path")
    if op not in OPERATIONS:
        return [f"{where}.op: {op!r} is not one of {list(OPERATIONS)}"]
    if not isinstance(path, str):
        return [f"{where}.path: required, a JSON Pointer string"]
    found = _pointer_problems(f"{where}.path", path, target)
    if op in NEEDS_FROM:
        source = item.get("from")
        if not isinstance(source, str):
            return [*found, f"{where}.from: required for '{op}'"]
        found += _pointer_problems(f"{where}.from", source, target)
    if op in NEEDS_VALUE:
        if "value" not in item:
            return [*found, f"{where}.value: required for '{op}'"]
        if not found:
            schema = _property(target, path)
            found += jsonschemas.problems(schema, item["value"], f"{where}.value", request=True)
    return found


def _pointer_problems(where: str, pointer: str, target: dict[str, Any]) -> list[str]:
    try:
        _property(target, pointer)
    except _Unreachable as exc:
        return [f"{where}: '{pointer}' {exc}"]
    return []


def _property(target: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The schema of what `pointer` names inside an object of `target`."""
    if not pointer.startswith("/"):
        raise _Unreachable("is not a JSON Pointer (it starts with '/')")
    schema, owner = target, spec.schema_name(target)
    for segment in pointer[1:].split("/"):
        if "$ref" in schema:
            owner = spec.schema_name(schema)
        schema = _child(spec.resolve(schema), segment.replace("~1", "/").replace("~0", "~"), owner)
    return schema


def _child(schema: dict[str, Any], segment: str, owner: str) -> dict[str, Any]:
    if schema.get("type") == "array":
        if segment != "-" and not segment.isdigit():
            raise _Unreachable(f"indexes an array with '{segment}'")
        return schema.get("items", {})
    properties = schema.get("properties", {})
    name = next((name for name in properties if name.lower() == segment.lower()), None)
    if name is None:
        raise _Unreachable(  # PowerOffice Go's own words, then which schema lacks it
            f"the target location specified by path segment '{segment}' was not found"
            f" (no property of {owner})"
        )
    if properties[name].get("readOnly"):
        raise _Unreachable(f"names the read-only property '{name}'")
    return properties[name]
