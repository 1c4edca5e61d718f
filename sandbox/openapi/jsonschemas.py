"""OpenAPI 3.0 schemas as JSON Schema (draft 2020-12), and what `jsonschema` finds, as text.

The conversion: `nullable: true` admits null (for a `$ref`, as `anyOf` with null, since 3.0
cannot say it otherwise); `#/components/schemas/X` becomes `#/$defs/X`; formats are
checked (`formats.py`). In a request, a `readOnly` property is itself a problem: the
server assigns it. `additionalProperties: false` is enforced, and names match exactly, as
the spec spells them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from sandbox.openapi import formats, spec

_DEFS = "#/$defs/"


def to_json_schema(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    converted: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "$ref":
            converted[keyword] = _DEFS + value.removeprefix(spec.SCHEMA_PREFIX)
        elif keyword == "properties":
            converted[keyword] = {name: to_json_schema(prop) for name, prop in value.items()}
        elif keyword in ("items", "additionalProperties"):
            converted[keyword] = to_json_schema(value)
        elif keyword in ("allOf", "oneOf", "anyOf"):
            converted[keyword] = [to_json_schema(part) for part in value]
        elif keyword != "nullable":
            converted[keyword] = value
    return _nullable(converted) if schema.get("nullable") else converted


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _read_only(validator, value, instance, schema) -> Iterable[ValidationError]:
    if value:
        yield ValidationError("read-only (assigned by PowerOffice Go), not allowed in a request")


_RequestValidator = validators.extend(Draft202012Validator, {"readOnly": _read_only})
_FORMATS = formats.format_checker()


@functools.cache
def _definitions() -> dict[str, Any]:
    return {name: to_json_schema(schema) for name, schema in spec.schemas().items()}


@functools.cache
def _validator(schema_text: str, request: bool) -> Draft202012Validator:
    root = {**to_json_schema(json.loads(schema_text)), "$defs": _definitions()}
    cls = _RequestValidator if request else Draft202012Validator
    return cls(root, format_checker=_FORMATS)


def problems(schema: dict[str, Any], instance: Any, where: str, *, request: bool) -> list[str]:
    """What is wrong with `instance` under the OpenAPI `schema`; `where` prefixes each
    field path ("body" → "body.MailAddress.City")."""
    validator = _validator(json.dumps(schema, sort_keys=True), request)
    errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.path))
    return [text for error in errors for text in _describe(error, where)]


def location(where: str, path: Iterable[Any]) -> str:
    text = where
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _describe(error: ValidationError, where: str) -> list[str]:
    at = location(where, error.absolute_path)
    keyword = error.validator
    if keyword == "anyOf" and error.instance is not None and _is_nullable_ref(error.schema):
        # A nullable $ref: the instance is not null, so the $ref branch is what it failed.
        branch = [sub for sub in error.context or () if sub.schema_path[0] == 0]
        return [text for sub in branch for text in _describe(sub, where)]
    if keyword == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = sorted(name for name in error.instance if name not in known)
        return [f"{location(at, [name])}: not a property of the spec's schema" for name in extra]
    if keyword == "maxLength":
        return [f"{at}: longer than maxLength {error.validator_value}"]
    if keyword == "minLength":
        return [f"{at}: shorter than minLength {error.validator_value}"]
    return [f"{at}: {error.message}"]


def _is_nullable_ref(schema: dict[str, Any]) -> bool:
    branches = schema.get("anyOf", [])
    return len(branches) == 2 and branches[1] == {"type": "null"}
