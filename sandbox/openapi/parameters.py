"""Path and query parameters: known by name, present when required, parsing as their type.

Values arrive as text, so they are parsed the way ASP.NET binds them (an integer, `true` /
`false`, a date `YYYY-MM-DD`, …), and names match ignoring case, as ASP.NET binds them. A
name the operation does not have is a problem: PowerOffice Go ignores it silently, which
would turn a misspelt filter into no filter at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.openapi import formats, spec

Query = Mapping[str, str | Sequence[str]]
_INTEGER = re.compile(r"^-?\d+$")


def parameter_problems(
    operation: spec.Operation, path_arguments: Mapping[str, str], query: Query
) -> list[str]:
    by_place: dict[str, dict[str, dict]] = {"path": {}, "query": {}}
    for parameter in operation.parameters:
        by_place.setdefault(parameter["in"], {})[parameter["name"].lower()] = parameter
    return [
        *_values_problems("path", by_place["path"], path_arguments),
        *_values_problems("query", by_place["query"], query),
    ]


def _values_problems(place: str, known: dict[str, dict], given: Query) -> list[str]:
    found = [f"{place}: unknown parameter '{name}'" for name in given if name.lower() not in known]
    given_by_name = {name.lower(): values for name, values in given.items()}
    for key, parameter in known.items():
        name = parameter["name"]
        if key not in given_by_name:
            if parameter["required"]:
                found.append(f"{place}: required parameter '{name}' is missing")
            continue
        values = given_by_name[key]
        for value in [values] if isinstance(values, str) else values:
            problem = value_problem(parameter["schema"], value)
            if problem:
                found.append(f"{place}.{name}: {problem}")
    return found


def value_problem(schema: dict[str, Any], text: str) -> str | None:
    """Why `text` is not a value of `schema`, or None."""
    schema = spec.resolve(schema)
    if "enum" in schema:
        return None if text in schema["enum"] else f"'{text}' is not one of {schema['enum']}"
    kind, width = schema.get("type"), schema.get("format", "")
    if kind == "integer":
        return _integer_problem(text, width)
    if kind == "number":
        return _number_problem(text)
    if kind == "boolean":
        return None if text.lower() in ("true", "false") else f"'{text}' is not a boolean"
    check = formats.STRING_FORMATS.get(width)
    if kind == "string" and check is not None and not check(text):
        return f"'{text}' is not a '{width}'"
    return None


def _integer_problem(text: str, width: str) -> str | None:
    if not _INTEGER.match(text):
        return f"'{text}' is not an integer"
    if width in formats.INTEGER_BOUNDS and not formats.fits(width, int(text)):
        return f"'{text}' does not fit {width}"
    return None


def _number_problem(text: str) -> str | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return f"'{text}' is not a number"
    return None if number.is_finite() else f"'{text}' is not a number"
