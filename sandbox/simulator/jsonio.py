"""JSON with exact money: Decimal inside the simulator, plain JSON numbers on the wire.

The simulator is the client's test oracle, so it has its own small encoder rather than
sharing the client's codec: a rounding bug there must not be mirrored here.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any


def loads(text: str | bytes) -> Any:
    """Parse JSON; every non-integer number becomes a Decimal. NaN/Infinity are refused."""
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


def dumps(value: Any) -> str:
    """Compact JSON; a Decimal is written from its own digits, dates as ISO strings."""
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        members = (f"{_text(key)}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, dt.date):  # datetime included
        return _text(value.isoformat())
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _text(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    # Fixed-point notation: "1E+2" would be valid JSON but is not what .NET writes.
    return format(value, "f")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
