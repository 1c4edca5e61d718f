"""The fixture, loaded once: operations by method and path template, and their schemas."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).with_name("poweroffice-go-v2.json")
SCHEMA_PREFIX = "#/components/schemas/"
_PLACEHOLDER = re.compile(r"^\{(\w+)\}$")


@dataclass(frozen=True)
class Operation:
    """One operation: parameters, request body schema per media type, responses per status.

    `why` is set only on operations the spec lacks (see `validator.OUTSIDE_SPEC`).
    """

    method: str
    path: str
    parameters: tuple[dict, ...] = ()
    request_body: dict[str, dict] | None = None
    responses: dict[str, dict[str, dict]] = field(default_factory=dict)
    why: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, path: str) -> dict[str, str] | None:
        """The path arguments when `path` fits this template (literal parts ignore case)."""
        wanted, given = _segments(self.path), _segments(path)
        if len(wanted) != len(given):
            return None
        arguments: dict[str, str] = {}
        for template, segment in zip(wanted, given, strict=True):
            placeholder = _PLACEHOLDER.match(template)
            if placeholder:
                arguments[placeholder.group(1)] = segment
            elif template.lower() != segment.lower():
                return None
        return arguments

    @property
    def literal_segments(self) -> int:
        return sum(1 for part in _segments(self.path) if not _PLACEHOLDER.match(part))


def _segments(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]


@functools.cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def schemas() -> dict[str, Any]:
    """The component schemas by name, as the fixture holds them (OpenAPI 3.0)."""
    return fixture()["schemas"]


@functools.cache
def operations() -> tuple[Operation, ...]:
    return tuple(_operation(entry) for entry in fixture()["operations"].values())


def _operation(entry: dict[str, Any]) -> Operation:
    return Operation(
        method=entry["method"],
        path=entry["path"],
        parameters=tuple(entry["parameters"]),
        request_body=entry.get("requestBody"),
        responses=entry["responses"],
    )


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMA_PREFIX + name}


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """A `$ref` followed to its component schema (one step); anything else as it is."""
    ref = schema.get("$ref")
    return schemas()[ref.removeprefix(SCHEMA_PREFIX)] if ref else schema


def schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.removeprefix(SCHEMA_PREFIX) or "the schema"
