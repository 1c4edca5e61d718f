"""The string formats and integer widths of the spec, checked strictly.

One definition serves both the JSON bodies (as `jsonschema` format checkers) and the query
and path parameters (whose values arrive as text).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

from jsonschema import FormatChecker

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A date, a time (T or a space, as the spec's own examples write it), seconds optional.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
INTEGER_BOUNDS = {"int32": 2**31, "int64": 2**63}


def is_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_date_time(text: str) -> bool:
    if not _DATE_TIME.match(text):
        return False
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_uuid(text: str) -> bool:
    if not _UUID.match(text):
        return False
    uuid.UUID(text)
    return True


def fits(width: str, number: int) -> bool:
    """Whether `number` fits the signed integer type `width` ("int32", "int64")."""
    bound = INTEGER_BOUNDS[width]
    return -bound <= number < bound


STRING_FORMATS: dict[str, Callable[[str], bool]] = {
    "date": is_date,
    "date-time": is_date_time,
    "uuid": is_uuid,
}


def _string_check(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, str) or check(value)


def _integer_check(width: str) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, int) or fits(width, value)


def format_checker() -> FormatChecker:
    """A checker for exactly the spec's formats (jsonschema's own are looser or absent)."""
    checker = FormatChecker(formats=())
    for name, check in STRING_FORMATS.items():
        checker.checks(name)(_string_check(check))
    for width in INTEGER_BOUNDS:
        checker.checks(width)(_integer_check(width))
    return checker
